package functional_test

import (
	"math/rand/v2"
	"testing"

	"github.com/aecifar/aecifar/torch/vision/transforms/functional"
	"github.com/aecifar/aecifar/torch/vision/transforms/presets"
)

func noise(w, h int) *functional.Image {
	img := functional.NewImage(w, h)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.IntN(256))
	}
	return img
}

func BenchmarkResizedCropBicubic(b *testing.B) {
	img := noise(32, 32)
	for range b.N {
		functional.ResizedCrop(img, 4, 5, 22, 23, []int{32, 32}, functional.Bicubic)
	}
}

func BenchmarkRotateNearest(b *testing.B) {
	img := noise(32, 32)
	for range b.N {
		functional.Rotate(img, 12.3, functional.Nearest, false, nil, nil)
	}
}

func BenchmarkHFlip(b *testing.B) {
	img := noise(32, 32)
	for range b.N {
		functional.HFlip(img)
	}
}

func BenchmarkToNormalizedTensor(b *testing.B) {
	img := noise(32, 32)
	for range b.N {
		functional.ToNormalizedTensor(img, presets.Mean[:], presets.Std[:])
	}
}
