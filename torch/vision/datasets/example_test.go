package datasets_test

import (
	"fmt"

	"github.com/aecifar/aecifar/torch/vision/datasets"
)

// Classes are the sorted folder names, hidden ones included, as in
// torchvision; samples follow torchvision's order.
func ExampleNewImageFolder() {
	f, err := datasets.NewImageFolder("testdata/tree")
	if err != nil {
		panic(err)
	}
	fmt.Println(f.Classes, f.Len())
	s, err := f.Get(0, nil) // nil transform: ToTensor only
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Shape, s.Label)
	// Output:
	// [.hidden Bird cat dog] 16
	// [3 2 2] 0
}
