package parity

// Det returns the deterministic float32 tensor data that gen.py's det() makes, in row-major order:
//
//	Det(shape, seed, scale)[i] = float32(float64(((i*7919 + seed*104729) mod 2001) - 1000) / 1000.0 * scale)
//
// The integer part is exact (int64; mod is the floor modulus, as in Python), followed by one
// IEEE division and one multiplication in float64, then rounding to float32; the result is
// bit-identical to Python's. Within any 2001 consecutive indices the values are a permutation
// of the multiples of scale/1000 in [-scale, scale], so there are no ties within that span.
func Det(shape []int64, seed int64, scale float64) []float32 {
	n := Numel(shape)
	out := make([]float32, n)
	// Reducing the seed first keeps the arithmetic exact for every int64 seed.
	base := floorMod(floorMod(seed, 2001)*104729, 2001)
	for i := range out {
		k := floorMod(int64(i)*7919+base, 2001) - 1000
		out[i] = float32(float64(k) / 1000.0 * scale)
	}
	return out
}

// DetLabels returns gen.py's det_labels(): class indices (i*7 + seed*3) mod classes.
func DetLabels(n, seed, classes int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = floorMod(int64(i)*7+floorMod(int64(seed), int64(classes))*3, int64(classes))
	}
	return out
}

// Numel is the number of elements of a tensor of the given shape (1 for a scalar, shape []).
func Numel(shape []int64) int64 {
	n := int64(1)
	for _, d := range shape {
		n *= d
	}
	return n
}

// floorMod is Python's a % m for m > 0: always in [0, m).
func floorMod(a, m int64) int64 {
	r := a % m
	if r < 0 {
		r += m
	}
	return r
}
