// Command mnist_rnn is pytorch/examples' mnist_rnn/main.py in Go (train/mnist): an LSTM over the
// rows of each MNIST image, with the same flags and defaults, the same printed lines, and
// mnist_rnn.pt with --save-model.
//
//	mnist_rnn [--batch-size 64] [--test-batch-size 1000] [--epochs 14] [--lr 0.1] [--gamma 0.7]
//	          [--accel] [--dry-run] [--seed 1] [--log-interval 10] [--save-model]
//	          [--data ../data] [--download] [--out .]
//
// --accel trains on CUDA, and fails in one line when there is none; --cuda, the older example's name
// for it, is accepted too, and --mps (the older example's macOS GPU) is refused. The port adds
// --data (the example's '../data', the folder holding MNIST/raw), --download (the example's
// download=True; --download=false never touches the network), --out (where mnist_rnn.pt,
// results.json and the charts go) and --threads. Errors print one line and exit with status 1; a
// bad command line exits with status 2.
package main

import (
	"os"

	"github.com/aecifar/aecifar/train/mnist"
)

func main() {
	os.Exit(mnist.Command(mnist.RNN, os.Args[1:], os.Stdout, os.Stderr))
}
