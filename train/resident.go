package train

import (
	"context"
	"fmt"
	"runtime"
	"slices"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/utils/data"
	"github.com/aecifar/aecifar/torch/vision/transforms"
)

// The fast path's data (see fast.go): both datasets decoded once and kept on the training device.

// resident is CIFAR-10 on the training device.
type resident struct {
	train, trainLabels *torch.Tensor // uint8 [N,3,H,W] and int64 [N]
	test, testLabels   *torch.Tensor // after Resize((32,32)), as the blog's test transform
	trainIdx, valIdx   []int         // the blog's split, as LoadData makes it
}

func (d *resident) Drop() {
	for _, t := range []*torch.Tensor{d.train, d.trainLabels, d.test, d.testLabels} {
		t.Drop()
	}
}

// loadResident decodes both datasets with the Go loader (all cores) and copies them to the device.
func loadResident(ctx context.Context, cfg Config) (*resident, error) {
	s, err := openSplits(cfg.DataDir, transforms.ToTensor{}, transforms.Compose{transforms.NewResize(32, 32), transforms.ToTensor{}})
	if err != nil {
		return nil, err
	}
	trainSet, testSet := s.train, s.test
	d := &resident{}
	d.trainIdx, d.valIdx = splitValidation(trainSet.Len(), validationSize, cfg.streams().split())
	if d.train, d.trainLabels, err = upload(ctx, trainSet, cfg.Device); err != nil {
		return nil, fmt.Errorf("fast path: training images: %w", err)
	}
	if d.test, d.testLabels, err = upload(ctx, testSet, cfg.Device); err != nil {
		d.Drop()
		return nil, fmt.Errorf("fast path: test images: %w", err)
	}
	return d, nil
}

// upload decodes a dataset in order and returns its images as uint8 and its labels, on device.
func upload(ctx context.Context, ds data.Dataset, device torch.Device) (images, labels *torch.Tensor, err error) {
	// Its own generator: decoding in order must not draw from libtorch's default one, whose state a
	// resumed run restores after this upload.
	loader, err := data.NewDataLoader(ds, data.DataLoaderOptions{BatchSize: 1000, NumWorkers: runtime.NumCPU(),
		Generator: data.NewGenerator(0)})
	if err != nil {
		return nil, nil, err
	}
	it := loader.Iter(ctx)
	defer it.Close()
	var xs, ys []*torch.Tensor
	defer func() {
		for _, t := range append(xs, ys...) {
			t.Drop()
		}
	}()
	for it.Next() {
		b := it.Batch()
		if len(xs) > 0 && !slices.Equal(b.Shape[1:], xs[0].Shape()[1:]) {
			return nil, nil, fmt.Errorf("images of different sizes (%v and %v): the fast path keeps one tensor of images and needs one size", xs[0].Shape()[1:], b.Shape[1:])
		}
		torch.WithScope(func(s *torch.Scope) {
			// ToTensor's v/255 in float32 times 255 rounds back to v exactly.
			x := s.Attach(torch.FromSlice(b.Data, b.Shape...)).MulScalar(255).AddScalar(0.5).ToDType(torch.Uint8)
			xs = append(xs, torch.Keep(x.To(device)))
			ys = append(ys, torch.Keep(s.Attach(torch.FromSlice(b.Labels, int64(b.Len()))).To(device)))
		})
	}
	if err := it.Err(); err != nil {
		return nil, nil, err
	}
	images, labels = torch.Cat(xs), torch.Cat(ys)
	if err := torch.FirstErr(images, labels); err != nil {
		images.Drop()
		labels.Drop()
		return nil, nil, err
	}
	return images, labels, nil
}
