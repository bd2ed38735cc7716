package nn

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/aecifar/aecifar/torch"
)

// options returns the one options struct a constructor was given (the zero value, PyTorch's
// defaults, for none) and records an error on b for more than one.
func options[O any](b *Base, name string, opts []O) O {
	var zero O
	switch len(opts) {
	case 0:
		return zero
	case 1:
		return opts[0]
	}
	b.setErr(fmt.Errorf("nn.%s: %d options structs given, at most one is allowed", name, len(opts)))
	return zero
}

// errorf records a constructor's error, as PyTorch's __init__ raises it, prefixed with the layer.
func (b *Base) errorf(layer, format string, args ...any) {
	b.setErr(fmt.Errorf("%s: %w", "nn."+layer, fmt.Errorf(format, args...)))
}

// forwardErr is the error tensor of a module whose construction failed, or nil.
func (b *Base) forwardErr() *torch.Tensor {
	if b.err != nil {
		return torch.FromError(b.err)
	}
	return nil
}

func or[T any](p *T, def T) T {
	if p != nil {
		return *p
	}
	return def
}

// pyBool is Python's str(bool).
func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// pyFloat is Python's repr(float): the shortest digits that round-trip, in fixed notation with a
// ".0" for integers when the exponent is in [-4, 16), else in scientific notation ("1e-05").
func pyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}

// pyTuple is repr(tuple) of ints: "(3,)", "(2, 2)".
func pyTuple(v []int64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = strconv.FormatInt(x, 10)
	}
	if len(v) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// pyIntOrTuple is how a pooling layer prints an argument given as an int (one element) or a
// tuple.
func pyIntOrTuple(v []int64) string {
	if len(v) == 1 {
		return strconv.FormatInt(v[0], 10)
	}
	return pyTuple(v)
}

// intOrPair is an argument PyTorch takes as an int or a pair: hw when set (a tuple), else v (an
// int), else def.
func intOrPair(hw [2]int64, v, def int64) []int64 {
	if hw != [2]int64{} {
		return []int64{hw[0], hw[1]}
	}
	if v == 0 {
		v = def
	}
	return []int64{v}
}

func all(v []int64, x int64) bool {
	for _, e := range v {
		if e != x {
			return false
		}
	}
	return true
}
