// Package utils mirrors torchvision.utils: make_grid, which tiles a batch of
// images into one image tensor, and save_image, which writes a tensor (or
// the grid of a batch) as a PNG file. The results equal torchvision 0.14's
// on the same tensors: the grid's float32 values bit for bit, the saved
// pixels byte for byte (testdata/gen.py).
//
// The work is done in Go on the tensor's values (read to the CPU as
// float32), as torchvision does it on the CPU: the grid is a new tensor on
// the input's device.
package utils

import (
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/aecifar/aecifar/internal/atomicfile"
	"github.com/aecifar/aecifar/torch"
)

// MakeGridOptions are make_grid's keyword arguments; the zero value of each
// field is torchvision's default.
type MakeGridOptions struct {
	// NRow is the number of images in each row of the grid; 0 means 8.
	NRow int
	// Padding is the width of the border around each image; nil means 2
	// (0 is a real choice: images edge to edge).
	Padding *int
	// Normalize shifts the images to [0, 1] by ValueRange, or by the batch's
	// (or with ScaleEach each image's) minimum and maximum (default false).
	Normalize bool
	// ValueRange is the (min, max) Normalize maps to (0, 1), values outside
	// being clamped; nil means the tensor's own minimum and maximum.
	ValueRange *[2]float64
	// ScaleEach normalizes each image by its own range (default false).
	ScaleEach bool
	// PadValue is the value of the border (default 0).
	PadValue float64
}

func gridOptions(opts []MakeGridOptions) (MakeGridOptions, int, error) {
	var o MakeGridOptions
	switch len(opts) {
	case 0:
	case 1:
		o = opts[0]
	default:
		return o, 0, fmt.Errorf("%d MakeGridOptions given, want at most one", len(opts))
	}
	if o.NRow == 0 {
		o.NRow = 8
	}
	padding := 2
	if o.Padding != nil {
		padding = *o.Padding
	}
	if o.NRow < 0 || padding < 0 {
		return o, 0, fmt.Errorf("nrow %d and padding %d must not be negative", o.NRow, padding)
	}
	return o, padding, nil
}

// grid is a CHW float32 image.
type grid struct {
	data    []float32
	c, h, w int
}

// MakeGrid is torchvision.utils.make_grid(tensor, ...): tensor is a batch
// [B, C, H, W], one image [C, H, W] or [H, W]; one-channel images become
// three-channel ones; the result is [C, rows·(H+padding)+padding,
// cols·(W+padding)+padding] with min(NRow, B) columns, or the single image
// itself when B is 1. tensor must be float32.
func MakeGrid(tensor *torch.Tensor, opts ...MakeGridOptions) (*torch.Tensor, error) {
	g, err := makeGrid(tensor, opts)
	if err != nil {
		return nil, err
	}
	out := torch.FromSlice(g.data, int64(g.c), int64(g.h), int64(g.w))
	if d := tensor.Device(); d != torch.CPU {
		defer out.Drop()
		out = out.To(d)
	}
	if err := out.Err(); err != nil {
		return nil, fmt.Errorf("make_grid: %w", err)
	}
	return out, nil
}

func makeGrid(tensor *torch.Tensor, opts []MakeGridOptions) (grid, error) {
	o, padding, err := gridOptions(opts)
	if err != nil {
		return grid{}, fmt.Errorf("make_grid: %w", err)
	}
	if err := tensor.Err(); err != nil {
		return grid{}, fmt.Errorf("make_grid: %w", err)
	}
	if dt := tensor.DType(); dt != torch.Float32 {
		return grid{}, fmt.Errorf("make_grid: a float32 tensor is supported, not %v", dt)
	}
	values, err := tensor.Float32s()
	if err != nil {
		return grid{}, fmt.Errorf("make_grid: %w", err)
	}
	shape := tensor.Shape()
	switch len(shape) {
	case 2: // a single image H × W
		shape = []int64{1, 1, shape[0], shape[1]}
	case 3: // a single image
		shape = []int64{1, shape[0], shape[1], shape[2]}
	case 4:
	default:
		return grid{}, fmt.Errorf("make_grid: tensor of shape %v: want [B, C, H, W], [C, H, W] or [H, W]", shape)
	}
	b, c, h, w := int(shape[0]), int(shape[1]), int(shape[2]), int(shape[3])
	if b == 0 {
		return grid{}, fmt.Errorf("make_grid: an empty batch")
	}
	if c == 1 { // single-channel images: three identical channels
		plane := h * w
		rgb := make([]float32, 0, 3*len(values))
		for i := range b {
			img := values[i*plane : (i+1)*plane]
			rgb = append(append(append(rgb, img...), img...), img...)
		}
		values, c = rgb, 3
	}
	size := c * h * w
	if o.Normalize {
		if o.ScaleEach {
			for i := range b {
				normRange(values[i*size:(i+1)*size], o.ValueRange)
			}
		} else {
			normRange(values, o.ValueRange)
		}
	}
	if b == 1 {
		return grid{values, c, h, w}, nil
	}
	xmaps := min(o.NRow, b)
	ymaps := (b + xmaps - 1) / xmaps
	height, width := h+padding, w+padding
	g := grid{c: c, h: height*ymaps + padding, w: width*xmaps + padding}
	g.data = make([]float32, g.c*g.h*g.w)
	if pad := float32(o.PadValue); pad != 0 {
		for i := range g.data {
			g.data[i] = pad
		}
	}
	for k := range b {
		y, x := k/xmaps, k%xmaps
		for ch := range c {
			for row := range h {
				src := values[k*size+ch*h*w+row*w:][:w]
				dst := g.data[ch*g.h*g.w+(y*height+padding+row)*g.w+x*width+padding:][:w]
				copy(dst, src)
			}
		}
	}
	return g, nil
}

// normRange is make_grid's norm_range and norm_ip: clamp to [low, high],
// subtract low, divide by max(high - low, 1e-5), with torch's float32 ops
// (the bounds converted to float32; high - low taken in Python's doubles).
func normRange(v []float32, valueRange *[2]float64) {
	var low, high float64
	if valueRange != nil {
		low, high = valueRange[0], valueRange[1]
	} else {
		lo, hi := v[0], v[0]
		for _, x := range v {
			lo, hi = min(lo, x), max(hi, x)
		}
		low, high = float64(lo), float64(hi)
	}
	lo32, hi32 := float32(low), float32(high)
	div := float32(math.Max(high-low, 1e-5))
	for i, x := range v {
		x = min(max(x, lo32), hi32)
		v[i] = (x - lo32) / div
	}
}

// Image is the image save_image writes for tensor: MakeGrid's result, each
// value v becoming the byte of clamp(v·255 + 0.5, 0, 255) (torch's float32
// steps, truncated), three channels as RGB, four as RGBA.
func Image(tensor *torch.Tensor, opts ...MakeGridOptions) (*image.NRGBA, error) {
	g, err := makeGrid(tensor, opts)
	if err != nil {
		return nil, err
	}
	if g.c != 3 && g.c != 4 {
		return nil, fmt.Errorf("save_image: %d channels: an image has 1, 3 or 4", g.c)
	}
	img := image.NewNRGBA(image.Rect(0, 0, g.w, g.h))
	plane := g.h * g.w
	for i := range plane {
		p := img.Pix[4*i : 4*i+4 : 4*i+4]
		p[3] = 255
		for ch := range g.c {
			v := float32(g.data[ch*plane+i] * 255) // grid.mul(255)
			v += 0.5                               // .add_(0.5)
			p[ch] = uint8(min(max(v, 0), 255))     // .clamp_(0, 255) and .to(torch.uint8)
		}
	}
	return img, nil
}

// SaveImage is torchvision.utils.save_image(tensor, fp, ...): Image(tensor,
// opts) written as a PNG file at path (atomically). The format comes from
// the extension, as Pillow's does; only .png is written.
func SaveImage(tensor *torch.Tensor, path string, opts ...MakeGridOptions) error {
	if ext := strings.ToLower(filepath.Ext(path)); ext != ".png" {
		return fmt.Errorf("save_image: %s: only PNG files are written, not %q", path, ext)
	}
	img, err := Image(tensor, opts...)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error { return png.Encode(w, img) })
}
