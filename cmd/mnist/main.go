// Command mnist is pytorch/examples' mnist/main.py in Go (train/mnist): the same flags with the
// same defaults, the same printed lines, and mnist_cnn.pt with --save-model.
//
//	mnist [--batch-size 64] [--test-batch-size 1000] [--epochs 14] [--lr 1.0] [--gamma 0.7]
//	      [--no-accel] [--dry-run] [--seed 1] [--log-interval 10] [--save-model]
//	      [--data ../data] [--download] [--out .]
//
// --no-cuda and --no-mps, the older example's names for --no-accel, are accepted too. The port adds
// --data (the example's '../data', the folder holding MNIST/raw), --download (the example's
// download=True; --download=false never touches the network), --out (where mnist_cnn.pt,
// results.json and the charts go) and --threads. Errors print one line and exit with status 1; a
// bad command line exits with status 2.
package main

import (
	"os"

	"github.com/aecifar/aecifar/train/mnist"
)

func main() {
	os.Exit(mnist.Command(mnist.CNN, os.Args[1:], os.Stdout, os.Stderr))
}
