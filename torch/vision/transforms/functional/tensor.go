package functional

import (
	"fmt"
	"slices"
	"sync"
)

// Tensor is the tensor stage of a pipeline: float32 values in CHW order
// (channels, rows, columns) with their shape, as data.Sample carries them.
type Tensor struct {
	Data  []float32
	Shape []int64 // [C, H, W]
}

func (t Tensor) check() error {
	if len(t.Shape) != 3 {
		return fmt.Errorf("tensor shape %v is not [C H W]", t.Shape)
	}
	n := int64(1)
	for _, d := range t.Shape {
		n *= d
	}
	if n != int64(len(t.Data)) {
		return fmt.Errorf("tensor shape %v holds %d values, data has %d", t.Shape, n, len(t.Data))
	}
	return nil
}

// byteToUnit[v] is float32(v)/255 computed in float32, which is exactly what
// torch's img.to(float32).div(255) gives.
var byteToUnit = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(i) / 255
	}
	return
}()

// ToTensor converts an image to a [C, H, W] tensor of values in [0, 1], like
// torchvision's to_tensor on a PIL image: value/255 in float32, C = 3 for
// RGB and 1 for L.
func ToTensor(img *Image) (Tensor, error) {
	if err := img.check(); err != nil {
		return Tensor{}, fmt.Errorf("to_tensor: %w", err)
	}
	plane := img.W * img.H
	shape := []int64{int64(img.Channels()), int64(img.H), int64(img.W)}
	if img.Gray() {
		data := make([]float32, plane)
		for i, v := range img.Pix[:plane] {
			data[i] = byteToUnit[v]
		}
		return Tensor{Data: data, Shape: shape}, nil
	}
	data := make([]float32, 3*plane)
	r, g, b := data[:plane], data[plane:2*plane], data[2*plane:3*plane]
	pix := img.Pix[:3*plane]
	for i := range r {
		p := pix[3*i : 3*i+3 : 3*i+3]
		r[i], g[i], b[i] = byteToUnit[p[0]], byteToUnit[p[1]], byteToUnit[p[2]]
	}
	return Tensor{Data: data, Shape: shape}, nil
}

// Normalize returns (t - mean[c]) / std[c] per channel c, computed in float32
// like torchvision's normalize (mean and std are converted to float32 first).
// mean and std hold one value per channel, or one value for every channel (a
// single value broadcasts, as torchvision's mean.view(-1, 1, 1) does); a zero
// std is an error.
func Normalize(t Tensor, mean, std []float64) (Tensor, error) {
	m, s, err := normParams(t, mean, std)
	if err != nil {
		return Tensor{}, err
	}
	plane := len(t.Data) / len(m)
	out := make([]float32, len(t.Data))
	for c := range m {
		src, dst := t.Data[c*plane:(c+1)*plane], out[c*plane:(c+1)*plane]
		for i, v := range src {
			dst[i] = (v - m[c]) / s[c]
		}
	}
	return Tensor{Data: out, Shape: slices.Clone(t.Shape)}, nil
}

// normParams checks t and returns mean and std in float32, one per channel.
func normParams(t Tensor, mean, std []float64) (m, s []float32, err error) {
	if err := t.check(); err != nil {
		return nil, nil, fmt.Errorf("normalize: %w", err)
	}
	return channelParams(int(t.Shape[0]), mean, std)
}

func channelParams(c int, mean, std []float64) (m, s []float32, err error) {
	if c <= 0 || (len(mean) != c && len(mean) != 1) || (len(std) != c && len(std) != 1) {
		return nil, nil, fmt.Errorf("normalize: %d channels but %d means and %d stds (want %d or 1 each)", c, len(mean), len(std), c)
	}
	m, s = make([]float32, c), make([]float32, c)
	for i := range c {
		m[i], s[i] = float32(mean[min(i, len(mean)-1)]), float32(std[min(i, len(std)-1)])
		if s[i] == 0 {
			return nil, nil, fmt.Errorf("normalize: std evaluated to zero after conversion to float32, leading to division by zero (std[%d] = %v)", i, std[min(i, len(std)-1)])
		}
	}
	return m, s, nil
}

// ToNormalizedTensor is Normalize(ToTensor(img), mean, std) in one pass. The
// result is bit-identical: each output depends only on a byte and its channel,
// so it is read from a 256-entry table per channel computed the same way.
func ToNormalizedTensor(img *Image, mean, std []float64) (Tensor, error) {
	if err := img.check(); err != nil {
		return Tensor{}, fmt.Errorf("to_tensor: %w", err)
	}
	plane := img.W * img.H
	shape := []int64{int64(img.Channels()), int64(img.H), int64(img.W)}
	lut, err := normLUT(img.Channels(), mean, std)
	if err != nil {
		return Tensor{}, err
	}
	if img.Gray() {
		data := make([]float32, plane)
		l := &lut[0]
		for i, v := range img.Pix[:plane] {
			data[i] = l[v]
		}
		return Tensor{Data: data, Shape: shape}, nil
	}
	data := make([]float32, 3*plane)
	r, g, b := data[:plane], data[plane:2*plane], data[2*plane:3*plane]
	lr, lg, lb := &lut[0], &lut[1], &lut[2]
	pix := img.Pix[:3*plane]
	for i := range r {
		p := pix[3*i : 3*i+3 : 3*i+3]
		r[i], g[i], b[i] = lr[p[0]], lg[p[1]], lb[p[2]]
	}
	return Tensor{Data: data, Shape: shape}, nil
}

// normKey identifies a table: the channel count and the values as given
// (unused entries zero).
type normKey struct {
	c         int
	mean, std [3]float64
	nm, ns    int
}

// normLUTs caches the tables of ToNormalizedTensor by (channels, mean, std):
// a pipeline uses one, and a table costs 256 divisions per channel to build.
// The cache keeps at most maxNormLUTs tables.
var normLUTs struct {
	sync.Mutex
	m map[normKey]*[3][256]float32
}

const maxNormLUTs = 16

func normLUT(c int, mean, std []float64) (*[3][256]float32, error) {
	if c < 1 || c > 3 || (len(mean) != c && len(mean) != 1) || (len(std) != c && len(std) != 1) {
		_, _, err := channelParams(c, mean, std)
		if err == nil {
			err = fmt.Errorf("normalize: %d channels, images have 1 or 3", c)
		}
		return nil, err
	}
	key := normKey{c: c, nm: len(mean), ns: len(std)}
	copy(key.mean[:], mean)
	copy(key.std[:], std)
	normLUTs.Lock()
	lut, ok := normLUTs.m[key]
	normLUTs.Unlock()
	if ok {
		return lut, nil
	}
	m, s, err := channelParams(c, mean, std)
	if err != nil {
		return nil, err
	}
	lut = new([3][256]float32)
	for ch := range c {
		for v := range 256 {
			lut[ch][v] = (byteToUnit[v] - m[ch]) / s[ch]
		}
	}
	normLUTs.Lock()
	if normLUTs.m == nil {
		normLUTs.m = make(map[normKey]*[3][256]float32)
	}
	if len(normLUTs.m) < maxNormLUTs {
		normLUTs.m[key] = lut
	}
	normLUTs.Unlock()
	return lut, nil
}
