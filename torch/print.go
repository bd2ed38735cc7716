package torch

// #include <stdlib.h>
// #include "ops.h"
import "C"

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unsafe"
)

// Printing follows torch/_tensor_str.py (PyTorch 1.13) with its default options: precision 4,
// threshold 1000 elements (above it each dimension shows its first and last 3 entries), 80
// characters per line, scientific notation chosen from the values. String is fmt's %v.

const (
	printPrecision = 4
	printThreshold = 1000
	printEdgeItems = 3
	printLineWidth = 80
)

// String is repr(tensor): its values as PyTorch prints them, then the suffixes PyTorch adds
// (device for a CUDA tensor, dtype when it is not float32, int64 or bool, grad_fn or
// requires_grad).
func (t *Tensor) String() string {
	if t == nil {
		return "tensor(nil)"
	}
	if t.err != nil {
		return fmt.Sprintf("tensor(error: %v)", t.err)
	}
	s, err := t.repr()
	if err != nil {
		return fmt.Sprintf("tensor(error: %v)", err)
	}
	return s
}

func (t *Tensor) repr() (string, error) {
	const prefix = "tensor("
	indent := len(prefix)
	var suffixes []string
	if d := t.Device(); d.IsCUDA() {
		suffixes = append(suffixes, "device='"+d.String()+"'")
	}
	dt := t.DType()
	shape := t.Shape()
	var body string
	if t.Numel() == 0 {
		if len(shape) != 1 {
			suffixes = append(suffixes, "size="+pyTuple(shape))
		}
		if dt != Float32 {
			suffixes = append(suffixes, "dtype="+dt.String())
		}
		body = "[]"
	} else {
		if dt != Float32 && dt != Int64 && dt != Bool {
			suffixes = append(suffixes, "dtype="+dt.String())
		}
		var err error
		if body, err = t.valuesString(indent); err != nil {
			return "", err
		}
	}
	if name := t.gradFnName(); name != "" {
		suffixes = append(suffixes, "grad_fn=<"+name+">")
	} else if t.RequiresGrad() {
		suffixes = append(suffixes, "requires_grad=True")
	}
	return addSuffixes(prefix+body, suffixes, indent), nil
}

// addSuffixes is _add_suffixes: each suffix after ", " or, past the line width, on a new line.
func addSuffixes(s string, suffixes []string, indent int) string {
	var b strings.Builder
	b.WriteString(s)
	lastLine := len(s) - strings.LastIndex(s, "\n") + 1
	for _, suf := range suffixes {
		if lastLine+len(suf)+2 > printLineWidth {
			b.WriteString(",\n" + strings.Repeat(" ", indent) + suf)
			lastLine = indent + len(suf)
		} else {
			b.WriteString(", " + suf)
			lastLine += len(suf) + 2
		}
	}
	b.WriteString(")")
	return b.String()
}

func pyTuple(shape []int64) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.FormatInt(d, 10)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func (t *Tensor) gradFnName() string {
	var buf [256]C.char
	if msg := C.csrc_grad_fn_name(unsafe.Pointer(t.c), &buf[0], C.int(len(buf))); msg != nil {
		C.free(unsafe.Pointer(msg))
		return ""
	}
	return C.GoString(&buf[0])
}

// printed is what is shown of a tensor: its values (only the edges of summarised dimensions) as
// float64 or int64, and for each dimension the size of the original and of what is shown.
type printed struct {
	floats  []float64
	ints    []int64
	boolean bool
	shape   []int64 // the shown tensor's shape
	full    []int64 // the tensor's shape
}

// shownValues copies to the host the part of t that printing shows: everything under the
// threshold, else the first and last printEdgeItems entries of every longer dimension.
func (t *Tensor) shownValues() (*printed, error) {
	s := NewScope()
	defer s.Close()
	x := s.Attach(t.Detach())
	full := x.Shape()
	summarize := x.Numel() > printThreshold
	if summarize {
		for d, n := range full {
			if n > 2*printEdgeItems {
				idx := make([]int64, 0, 2*printEdgeItems)
				for i := range int64(printEdgeItems) {
					idx = append(idx, i)
				}
				for i := n - printEdgeItems; i < n; i++ {
					idx = append(idx, i)
				}
				x = x.IndexSelect(int64(d), s.Attach(FromSlice(idx, int64(len(idx))).To(x.Device())))
			}
		}
	}
	p := &printed{shape: x.Shape(), full: full}
	switch dt := x.DType(); {
	case dt == Bool:
		p.boolean = true
		v, err := x.Int64s()
		p.ints = v
		return p, err
	case dt.isFloating():
		v, err := x.Float64s()
		p.floats = v
		return p, err
	default:
		v, err := x.Int64s()
		p.ints = v
		return p, err
	}
}

func (d DType) isFloating() bool {
	return d == Float16 || d == Float32 || d == Float64 || d == BFloat16
}

func (t *Tensor) valuesString(indent int) (string, error) {
	p, err := t.shownValues()
	if err != nil {
		return "", err
	}
	f := newFormatter(p)
	var b strings.Builder
	p.write(&b, f, 0, 0, indent)
	return b.String(), nil
}

// formatter is _Formatter: one width and notation for every value of a tensor.
type formatter struct {
	floating, intMode, sci, boolean bool
	width                           int
}

func newFormatter(p *printed) *formatter {
	f := &formatter{floating: p.floats != nil, intMode: true, width: 1, boolean: p.boolean}
	if !f.floating {
		for _, v := range p.ints {
			f.width = max(f.width, len(f.intString(v)))
		}
		return f
	}
	var nz []float64
	for _, v := range p.floats {
		if v != 0 && !math.IsInf(v, 0) && !math.IsNaN(v) {
			nz = append(nz, v)
		}
	}
	if len(nz) == 0 {
		return f
	}
	lo, hi := math.Inf(1), 0.0
	for _, v := range nz {
		a := math.Abs(v)
		lo, hi = min(lo, a), max(hi, a)
		if v != math.Ceil(v) {
			f.intMode = false
		}
	}
	if f.intMode {
		if hi/lo > 1000 || hi > 1e8 {
			f.sci = true
			for _, v := range nz {
				f.width = max(f.width, len(pyFloat(v, 'e', printPrecision)))
			}
		} else {
			for _, v := range nz {
				f.width = max(f.width, len(pyFloat(v, 'f', 0))+1)
			}
		}
		return f
	}
	if hi/lo > 1000 || hi > 1e8 || lo < 1e-4 {
		f.sci = true
		for _, v := range nz {
			f.width = max(f.width, len(pyFloat(v, 'e', printPrecision)))
		}
	} else {
		for _, v := range nz {
			f.width = max(f.width, len(pyFloat(v, 'f', printPrecision)))
		}
	}
	return f
}

func (f *formatter) intString(v int64) string {
	if f.boolean {
		if v != 0 {
			return "True"
		}
		return "False"
	}
	return strconv.FormatInt(v, 10)
}

func (f *formatter) floatString(v float64) string {
	switch {
	case f.sci:
		return pyFloat(v, 'e', printPrecision)
	case f.intMode:
		s := pyFloat(v, 'f', 0)
		if !math.IsInf(v, 0) && !math.IsNaN(v) {
			s += "."
		}
		return s
	}
	return pyFloat(v, 'f', printPrecision)
}

func (f *formatter) pad(s string) string {
	if n := f.width - len(s); n > 0 {
		return strings.Repeat(" ", n) + s
	}
	return s
}

// pyFloat is Python's "{:.<prec>f}" or "{:.<prec>e}" of v (nan, inf and -inf as Python spells them).
func pyFloat(v float64, format byte, prec int) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	return strconv.FormatFloat(v, format, prec, 64)
}

// value formats the shown value at flat index i.
func (p *printed) value(f *formatter, i int) string {
	if f.floating {
		return f.pad(f.floatString(p.floats[i]))
	}
	return f.pad(f.intString(p.ints[i]))
}

// write is _tensor_str_with_formatter for the sub-tensor of dimension dim starting at flat index
// off of the shown values.
func (p *printed) write(b *strings.Builder, f *formatter, dim, off, indent int) {
	nd := len(p.shape)
	if nd == 0 {
		b.WriteString(p.value(f, 0))
		return
	}
	stride := 1
	for _, d := range p.shape[dim+1:] {
		stride *= int(d)
	}
	n := int(p.shape[dim])
	summarized := p.full[dim] != p.shape[dim]
	if dim == nd-1 {
		elementLen := f.width + 2
		perLine := max(1, (printLineWidth-indent)/elementLen)
		var data []string
		for i := range n {
			if summarized && i == printEdgeItems {
				data = append(data, " ...")
			}
			data = append(data, p.value(f, off+i))
		}
		var lines []string
		for i := 0; i < len(data); i += perLine {
			lines = append(lines, strings.Join(data[i:min(i+perLine, len(data))], ", "))
		}
		b.WriteString("[" + strings.Join(lines, ",\n"+strings.Repeat(" ", indent+1)) + "]")
		return
	}
	sep := "," + strings.Repeat("\n", nd-dim-1) + strings.Repeat(" ", indent+1)
	b.WriteString("[")
	for i := range n {
		if i > 0 {
			b.WriteString(sep)
		}
		if summarized && i == printEdgeItems {
			b.WriteString("..." + sep)
		}
		p.write(b, f, dim+1, off+i*stride, indent+1)
	}
	b.WriteString("]")
}
