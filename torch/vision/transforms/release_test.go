package transforms

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/aecifar/aecifar/torch/vision/transforms/functional"
)

// watchReleases records the images Compose recycles instead of recycling them.
func watchReleases(t *testing.T) *[]*Image {
	t.Helper()
	var got []*Image
	old := release
	release = func(img *Image) { got = append(got, img) }
	t.Cleanup(func() { release = old })
	return &got
}

// keeper is a user's transform that keeps every image it sees and hands it
// on unchanged; it declares nothing.
type keeper struct{ seen []*Image }

func (k *keeper) Apply(x any, _ *rand.Rand) (any, error) {
	k.seen = append(k.seen, x.(*Image))
	return x, nil
}

// copier is a user's transform that returns a fresh copy and declares that
// it keeps nothing.
type copier struct{}

func (copier) Apply(x any, _ *rand.Rand) (any, error) { return x.(*Image).Clone(), nil }
func (copier) ReleasesInput() bool                    { return true }

func TestComposeRecyclesOnlyWhatStepsDeclare(t *testing.T) {
	img := func() *Image { return functional.NewImage(6, 5) }
	flip := &RandomHorizontalFlip{P: 1}
	rng := rand.New(rand.NewPCG(1, 2))

	t.Run("declared steps", func(t *testing.T) {
		released := watchReleases(t)
		in := img()
		if _, err := ApplyOwned(Compose{flip, copier{}, ToTensor{}}, in, rng); err != nil {
			t.Fatal(err)
		}
		// The caller's image (given up), the flip's output, the copy.
		if len(*released) != 3 || (*released)[0] != in {
			t.Errorf("released %d images, want 3 starting with the input", len(*released))
		}
	})
	t.Run("undeclared step", func(t *testing.T) {
		released := watchReleases(t)
		k := &keeper{}
		in := img()
		if _, err := ApplyOwned(Compose{flip, k, flip, ToTensor{}}, in, rng); err != nil {
			t.Fatal(err)
		}
		// The input goes once the first flip is done; what the keeper saw
		// (the first flip's output), it keeps: never recycled, even after the
		// second flip replaced it. The second flip's output is recycled.
		for _, r := range *released {
			if slices.Contains(k.seen, r) {
				t.Fatal("an image a keeper holds was recycled")
			}
		}
		if len(*released) != 2 || (*released)[0] != in {
			t.Errorf("released %d images, want the input and the second flip's output", len(*released))
		}
	})
	t.Run("Apply keeps the caller's image", func(t *testing.T) {
		released := watchReleases(t)
		in := img()
		if _, err := (Compose{flip, flip, ToTensor{}}).Apply(in, rng); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(*released, in) || len(*released) != 2 {
			t.Errorf("released %d images (the input among them: %v), want the two flips' outputs", len(*released), slices.Contains(*released, in))
		}
	})
}

// Every transform of this package declares that it keeps no reference to
// its input, Lambda excepted, and a Compose declares it when all its steps do.
func TestTransformsDeclareRelease(t *testing.T) {
	for _, tr := range []Transform{
		ToTensor{}, &Normalize{}, NewResize(4), NewRandomHorizontalFlip(), NewRandomVerticalFlip(),
		NewRandomRotation(5), NewRandomResizedCrop(4, 4), NewPad(1), NewCenterCrop(4), NewRandomCrop(4),
		&Grayscale{}, &ColorJitter{}, Compose{ToTensor{}, &Normalize{}},
	} {
		if !releasesInput(tr) {
			t.Errorf("%T does not declare ReleasesInput", tr)
		}
	}
	lambda := Lambda(func(x any, _ *rand.Rand) (any, error) { return x, nil })
	for _, tr := range []Transform{lambda, &keeper{}, Compose{ToTensor{}, lambda}, Compose{nil}} {
		if releasesInput(tr) {
			t.Errorf("%T declares ReleasesInput", tr)
		}
	}
}
