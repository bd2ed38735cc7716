package presets_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/aecifar/aecifar/torch/vision/transforms"
	"github.com/aecifar/aecifar/torch/vision/transforms/functional"
	"github.com/aecifar/aecifar/torch/vision/transforms/presets"
)

// Both pipelines on a black 32×32 image: Resize((32, 32)) is the identity, as in torchvision, so
// the test tensor is ToTensor+Normalize of the pixels.
func Example() {
	train, test := presets.AugTran(), presets.NormTran()

	img := functional.NewImage(32, 32) // black
	a, err := train.Apply(img, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		panic(err)
	}
	b, err := test.Apply(img, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(a.(transforms.Tensor).Shape, b.(transforms.Tensor).Shape)
	fmt.Printf("%.4f\n", b.(transforms.Tensor).Data[0]) // (0 - 0.4914) / 0.247
	fmt.Println(train[2].(*transforms.RandomResizedCrop).Interpolation)
	// Output:
	// [3 32 32] [3 32 32]
	// -1.9895
	// bicubic
}
