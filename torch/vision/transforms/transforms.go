// Package transforms mirrors torchvision.transforms: image transforms that
// chain with Compose, applied to one sample at a time by a dataset.
//
// # Stages and types
//
// Values flow through two stages, as in torchvision: *Image (PIL's "RGB" and
// "L" images: Resize, CenterCrop, Pad, RandomCrop, RandomHorizontalFlip,
// RandomVerticalFlip, RandomRotation, RandomResizedCrop, Grayscale,
// ColorJitter) and Tensor (float32 CHW: Normalize). ToTensor leads from the
// first to the second. Transform.Apply takes and returns `any`, so a Compose may mix them;
// a transform given the wrong kind returns an error naming what it expected.
// The deterministic operations behind these transforms, with their parameters
// explicit, are in package functional (torchvision.transforms.functional).
//
// # Constructors and defaults
//
// Each transform is a struct named like its torchvision class, with exported
// fields for its arguments. Go has no default arguments, so those with
// defaults also have a New function that fills them in (NewResize,
// NewRandomHorizontalFlip, NewRandomRotation, NewRandomResizedCrop,
// NewRandomCrop, ...). Where every zero value is torchvision's default
// (ColorJitter, Grayscale) a struct literal is enough; otherwise it must
// spell out every field it needs (a zero Scale is an error, not (0.08, 1)). Interpolation(3) is bicubic, as the seed's interpolation=3.
// The seed's pipelines, which package presets builds, read:
//
//	train := transforms.Compose{
//		transforms.NewRandomHorizontalFlip(),
//		transforms.NewRandomRotation(15),
//		&transforms.RandomResizedCrop{Size: [2]int{32, 32}, Scale: [2]float64{0.08, 1.0},
//			Ratio: [2]float64{0.75, 1.3333333333333333}, Interpolation: transforms.Interpolation(3)},
//		transforms.ToTensor{},
//		&transforms.Normalize{Mean: mean, Std: std},
//	}
//	test := transforms.Compose{transforms.NewResize(32, 32), transforms.ToTensor{}, &transforms.Normalize{Mean: mean, Std: std}}
//
// # Randomness and determinism
//
// Random transforms draw only from the *rand.Rand passed to Apply (never a
// global source), so a sample's augmentation is a function of that generator's
// state: the data loader seeds one per (seed, epoch, index), which makes runs
// reproducible whatever the number of workers. Draw order follows
// torchvision's (flip: one draw; rotation: one angle; resized crop: up to ten
// (scale, log-ratio) pairs, then the offsets; crop: the top, then the left
// offset; color jitter: the order, then each factor), but the values differ
// from torch's own generator, which is not reproduced. Given the same parameters,
// the outputs equal torchvision's pixel for pixel (see package functional).
//
// # Errors and concurrency
//
// Apply returns an error for a wrong input type or invalid parameters and
// never panics on them. Transforms hold no mutable state: one Compose may be
// used by many goroutines at once, each with its own *rand.Rand. Apply never
// modifies its input.
package transforms

import (
	"fmt"
	"math/rand/v2"

	"github.com/aecifar/aecifar/torch/vision/transforms/functional"
)

// Image is the PIL stage: an 8-bit RGB image.
type Image = functional.Image

// Tensor is the tensor stage: float32 CHW data with its shape.
type Tensor = functional.Tensor

// Interpolation is a resampling filter, numbered as PIL numbers them.
type Interpolation = functional.Interpolation

// The resampling filters: Interpolation(3) is Bicubic, as in PIL.
const (
	Nearest  = functional.Nearest
	Lanczos  = functional.Lanczos
	Bilinear = functional.Bilinear
	Bicubic  = functional.Bicubic
	Box      = functional.Box
	Hamming  = functional.Hamming
)

// Transform is one step of a pipeline. Apply draws any randomness it needs
// from rng, which may be nil for deterministic transforms.
type Transform interface {
	Apply(x any, rng *rand.Rand) (any, error)
}

// Compose applies its transforms in order, like transforms.Compose.
type Compose []Transform

// Apply implements Transform. A ToTensor directly followed by a Normalize
// runs as one pass (functional.ToNormalizedTensor), with identical results.
// Images made by a step that is a Releaser and consumed by the next Releaser
// are handed back to functional.Release once that step is done.
func (c Compose) Apply(x any, rng *rand.Rand) (any, error) {
	return c.apply(x, rng, false)
}

// ApplyOwned is t.Apply(img, rng) for a caller that gives up img: the
// images t's steps are done with are recycled, where the steps declare it
// safe (see Releaser). A dataset that decodes a fresh image per sample calls
// it to save an allocation.
func ApplyOwned(t Transform, img *Image, rng *rand.Rand) (any, error) {
	if c, ok := t.(Compose); ok {
		return c.apply(img, rng, true)
	}
	return Compose{t}.apply(img, rng, true)
}

// A Releaser is a transform that declares how it treats memory, so that a
// Compose may recycle images: ReleasesInput reports whether, once Apply has
// returned, the transform keeps no reference to its input and its result
// shares no memory with the input unless it is the input itself. Compose
// then hands an image back to functional.Release once such a step has
// replaced it; the input and output of any other transform (a Lambda, a
// user's own type) are never recycled, whatever it does with them. Every
// transform of this package but Lambda is a Releaser that reports true.
type Releaser interface {
	ReleasesInput() bool
}

// releasesInput reports whether t declares that its input may be recycled.
func releasesInput(t Transform) bool {
	r, ok := t.(Releaser)
	return ok && r.ReleasesInput()
}

// release recycles an image (a variable, so that tests can watch it).
var release = functional.Release

// ReleasesInput implements Releaser: a Compose keeps no reference to its
// input when none of its steps does.
func (c Compose) ReleasesInput() bool {
	for _, t := range c {
		if t == nil || !releasesInput(t) {
			return false
		}
	}
	return true
}

// apply runs the stages; owned says whether x is an image nobody else
// references, whose memory may be recycled once a stage has replaced it.
func (c Compose) apply(x any, rng *rand.Rand, owned bool) (any, error) {
	for i := 0; i < len(c); i++ {
		t := c[i]
		if t == nil {
			return nil, fmt.Errorf("compose: transform %d is nil", i)
		}
		in := x
		var err error
		if n, ok := c.fusedNormalize(i); ok {
			img, err := asImage(x, "ToTensor")
			if err != nil {
				return nil, err
			}
			if x, err = functional.ToNormalizedTensor(img, n.Mean, n.Std); err != nil {
				return nil, err
			}
			i++
		} else if x, err = t.Apply(x, rng); err != nil {
			return nil, err
		}
		// (Values are compared as images only: tensors hold slices, and
		// comparing them as interfaces would panic.)
		safe := releasesInput(t)
		inImg, inIsImage := in.(*Image)
		outImg, outIsImage := x.(*Image)
		if inIsImage && outIsImage && inImg == outImg {
			// Unchanged; a transform not of this package may still have
			// kept a reference to it.
			owned = owned && safe
			continue
		}
		if inIsImage && owned && safe {
			release(inImg)
		}
		// A fresh image from one of our transforms is ours to recycle;
		// anything else may be referenced elsewhere.
		owned = safe && outIsImage
	}
	return x, nil
}

// fusedNormalize reports whether stage i is a ToTensor followed by a
// Normalize, which run as one pass.
func (c Compose) fusedNormalize(i int) (*Normalize, bool) {
	if _, ok := c[i].(ToTensor); !ok || i+1 >= len(c) {
		return nil, false
	}
	n, ok := c[i+1].(*Normalize)
	return n, ok && n != nil
}

func asImage(x any, name string) (*Image, error) {
	img, ok := x.(*Image)
	if !ok || img == nil {
		return nil, fmt.Errorf("%s: expects an *Image (the PIL stage), got %T", name, x)
	}
	return img, nil
}

func asTensor(x any, name string) (Tensor, error) {
	switch t := x.(type) {
	case Tensor:
		return t, nil
	case *Tensor:
		if t != nil {
			return *t, nil
		}
	}
	return Tensor{}, fmt.Errorf("%s: expects a Tensor (add ToTensor before it), got %T", name, x)
}

// ToTensor converts an *Image to a [C, H, W] Tensor with values in [0, 1]:
// C = 3 for an RGB image, 1 for a grayscale (mode L) one, each byte v
// becoming float32(v)/255 as torchvision's to_tensor divides uint8 images.
type ToTensor struct{}

// Apply implements Transform.
func (ToTensor) Apply(x any, _ *rand.Rand) (any, error) {
	img, err := asImage(x, "ToTensor")
	if err != nil {
		return nil, err
	}
	return functional.ToTensor(img)
}

// Normalize subtracts Mean and divides by Std per channel, in float32, for
// any number of channels: one value per channel, or one for every channel
// (Normalize((0.1307,), (0.3081,)) on MNIST's one channel).
type Normalize struct {
	Mean, Std []float64
}

// Apply implements Transform.
func (n *Normalize) Apply(x any, _ *rand.Rand) (any, error) {
	t, err := asTensor(x, "Normalize")
	if err != nil {
		return nil, err
	}
	return functional.Normalize(t, n.Mean, n.Std)
}

// Resize resizes an *Image: Size [h, w] to exactly that size, Size [s] so the
// shorter edge becomes s (the longer one at most MaxSize when MaxSize > 0).
type Resize struct {
	Size          []int
	Interpolation Interpolation
	MaxSize       int
}

// NewResize returns Resize(size) with torchvision's default bilinear filter:
// NewResize(32, 32) or NewResize(256) for the shorter edge.
func NewResize(size ...int) *Resize {
	return &Resize{Size: size, Interpolation: Bilinear}
}

// Apply implements Transform.
func (r *Resize) Apply(x any, _ *rand.Rand) (any, error) {
	img, err := asImage(x, "Resize")
	if err != nil {
		return nil, err
	}
	return functional.Resize(img, r.Size, r.Interpolation, r.MaxSize)
}

// Lambda adapts a function to a Transform, like transforms.Lambda(lambd).
// The function also gets the sample's generator, for random steps of its
// own. A Lambda is not a Releaser: nothing it sees or returns is recycled.
type Lambda func(x any, rng *rand.Rand) (any, error)

// Apply implements Transform.
func (f Lambda) Apply(x any, rng *rand.Rand) (any, error) { return f(x, rng) }

// ReleasesInput implements Releaser.
func (ToTensor) ReleasesInput() bool { return true }

// ReleasesInput implements Releaser.
func (*Normalize) ReleasesInput() bool { return true }

// ReleasesInput implements Releaser.
func (*Resize) ReleasesInput() bool { return true }

var (
	_ Transform = Compose(nil)
	_ Transform = ToTensor{}
	_ Transform = (*Normalize)(nil)
	_ Transform = (*Resize)(nil)
	_ Transform = Lambda(nil)

	_ Releaser = Compose(nil)
	_ Releaser = ToTensor{}
	_ Releaser = (*Normalize)(nil)
	_ Releaser = (*Resize)(nil)
)
