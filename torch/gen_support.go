package torch

// #cgo CFLAGS: -I${SRCDIR}/../csrc
// #include <stdlib.h>
// #include "gen_ops.h"
// #include "ops.h"
import "C"

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"unsafe"

	"github.com/aecifar/aecifar/csrc"
	lib "github.com/sugarme/gotch/libtch"
)

// The helpers of the generated ops (gen_ops.go): argument conversion, result wrapping, scopes and
// the boxed call. A generated op checks its inputs, converts its arguments, makes one cgo call to
// its C shim (csrc/gen_ops.c) and wraps the handles it gets back.

// oneOption is the options value of a call: the zero value (PyTorch's defaults) when none was
// passed, an error when more than one was.
func oneOption[T any](name string, opts []T) (T, error) {
	var o T
	switch len(opts) {
	case 0:
		return o, nil
	case 1:
		return opts[0], nil
	}
	return o, fmt.Errorf("torch.%s: %d options values passed, want at most one", name, len(opts))
}

// inputs checks an op's tensor arguments (nil ones are absent optional tensors) and returns the
// scope its results join: the first scoped input's, or else the current scope (see WithScope).
func inputs(name string, ts ...*Tensor) (*Scope, error) {
	var scope *Scope
	for _, t := range ts {
		if t == nil {
			continue
		}
		if t.err != nil {
			return nil, t.err
		}
		if t.c == nil {
			return nil, fmt.Errorf("torch.%s: %w", name, ErrDropped)
		}
		if scope == nil {
			scope = t.scope.Load()
		}
	}
	if scope == nil {
		scope = currentScope()
	}
	return scope, nil
}

// listInputs is inputs for a list argument, keeping a scope already found.
func listInputs(name string, scope *Scope, ts []*Tensor) (*Scope, error) {
	s, err := inputs(name, ts...)
	if scope == nil {
		scope = s
	}
	return scope, err
}

// opError names the op in err, without libtorch's C++ backtrace.
func opError(name string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("torch.%s: %w", name, trimBacktrace(err))
}

// takeError converts and frees an error string a C shim returned.
func takeError(msg *C.char) error {
	if msg == nil {
		return nil
	}
	return csrc.TakeError(unsafe.Pointer(msg))
}

func handle_(t *Tensor) C.ag_tensor {
	if t == nil {
		return nil
	}
	return C.ag_tensor(unsafe.Pointer(t.c))
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

func orBool(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

func orInt(p *int64, def int64) int64 {
	if p == nil {
		return def
	}
	return *p
}

func orFloat(p *float64, def float64) float64 {
	if p == nil {
		return def
	}
	return *p
}

func orInts(v, def []int64) []int64 {
	if v == nil {
		return def
	}
	return v
}

func orString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func orScalar(v, def any) any {
	if v == nil {
		return def
	}
	return v
}

func orDType(d, def DType) DType {
	if d == 0 {
		return def
	}
	return d
}

func optInt(p *int64) (C.int64_t, C.uint8_t) {
	if p == nil {
		return 0, 1
	}
	return C.int64_t(*p), 0
}

func optIntOr(p *int64, def int64) (C.int64_t, C.uint8_t) {
	return C.int64_t(orInt(p, def)), 0
}

func optFloat(p *float64) (C.double, C.uint8_t) {
	if p == nil {
		return 0, 1
	}
	return C.double(*p), 0
}

// optDType is an optional ScalarType for gotch: -1 is None.
func optDType(d DType) C.int {
	if d == 0 {
		return -1
	}
	return C.int(d.code())
}

// emptyList gives an empty, non-nil list a non-NULL pointer: gotch reads NULL as None.
var emptyList [1]int64

func cInts(v []int64) (*C.int64_t, C.int) {
	switch {
	case v == nil:
		return nil, 0
	case len(v) == 0:
		return (*C.int64_t)(unsafe.Pointer(&emptyList[0])), 0
	}
	return (*C.int64_t)(unsafe.Pointer(&v[0])), C.int(len(v))
}

func cFloats(v []float64) (*C.double, C.int) {
	if len(v) == 0 {
		return (*C.double)(unsafe.Pointer(&emptyList[0])), 0
	}
	return (*C.double)(unsafe.Pointer(&v[0])), C.int(len(v))
}

// emptyString gives "" a valid pointer.
var emptyString = [1]byte{0}

func cString(s string) (*C.char, C.int) {
	if len(s) == 0 {
		return (*C.char)(unsafe.Pointer(&emptyString[0])), 0
	}
	return (*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.int(len(s))
}

// handles are the handles of a tensor list (NULL for nil entries, None in a Tensor?[]).
func handles(ts []*Tensor) []C.ag_tensor {
	hs := make([]C.ag_tensor, len(ts))
	for i, t := range ts {
		hs[i] = handle_(t)
	}
	return hs
}

func tensorsPtr(hs []C.ag_tensor) *C.ag_tensor {
	if len(hs) == 0 {
		return nil
	}
	return &hs[0]
}

// scalarParts splits a Go number into the (kind, int, double) a C shim takes: integers are
// integral Scalars, floats double ones, bools bool ones, as Python's ints, floats and bools are.
func scalarParts(v any) (C.int, C.int64_t, C.double, error) {
	k, i, d, err := scalarOf(v)
	return C.int(k), C.int64_t(i), C.double(d), err
}

// scalarOf classifies a Go number as a libtorch Scalar: kind 0 integer, 1 double, 2 bool.
func scalarOf(v any) (kind int, i int64, d float64, err error) {
	switch x := v.(type) {
	case int:
		return 0, int64(x), 0, nil
	case int8:
		return 0, int64(x), 0, nil
	case int16:
		return 0, int64(x), 0, nil
	case int32:
		return 0, int64(x), 0, nil
	case int64:
		return 0, x, 0, nil
	case uint8:
		return 0, int64(x), 0, nil
	case uint16:
		return 0, int64(x), 0, nil
	case uint32:
		return 0, int64(x), 0, nil
	case uint64:
		if x > math.MaxInt64 {
			return 0, 0, 0, fmt.Errorf("scalar %d overflows int64", x)
		}
		return 0, int64(x), 0, nil
	case uint:
		return 0, int64(x), 0, nil
	case float32:
		return 1, 0, float64(x), nil
	case float64:
		return 1, 0, x, nil
	case bool:
		if x {
			return 2, 1, 0, nil
		}
		return 2, 0, 0, nil
	case nil:
		return 0, 0, 0, errors.New("a scalar is required, got nil")
	}
	return 0, 0, 0, fmt.Errorf("a scalar must be a Go integer, float or bool, not %T", v)
}

// inferDType is the dtype ATen infers for arange and full when none is given: int64 for integers,
// bool for a bool fill value (full), the default float32 otherwise.
func inferDType(full bool, scalars ...any) DType {
	dt := Int64
	for _, s := range scalars {
		k, _, _, err := scalarOf(s)
		switch {
		case s == nil:
		case err != nil || k == 1:
			return Float32
		case k == 2 && full:
			dt = Bool
		}
	}
	return dt
}

// Layout is a tensor's memory layout (torch.strided, torch.sparse_coo, ...): libtorch's c10::Layout.
type Layout int8

// The layouts, as c10::Layout numbers them.
const (
	Strided   Layout = 0
	SparseCOO Layout = 1
	SparseCSR Layout = 2
	Mkldnn    Layout = 3
	SparseCSC Layout = 4
	SparseBSR Layout = 5
	SparseBSC Layout = 6
)

func optLayout(p *Layout) C.int8_t {
	if p == nil {
		return -1
	}
	return C.int8_t(*p)
}

// MemoryFormat is torch.memory_format; the zero value is "not given" (None, or the op's default).
type MemoryFormat int8

// The memory formats. Each value is c10::MemoryFormat's plus one.
const (
	ContiguousFormat MemoryFormat = 1 + 0
	PreserveFormat   MemoryFormat = 1 + 1
	ChannelsLast     MemoryFormat = 1 + 2
	ChannelsLast3d   MemoryFormat = 1 + 3
)

// libTensor is a shim's handle as gotch's type.
func libTensor(h C.ag_tensor) lib.Ctensor { return lib.Ctensor(unsafe.Pointer(h)) }

// wrapIn wraps a handle and puts it in scope s.
func wrapIn(h C.ag_tensor, s *Scope) *Tensor {
	t := wrap(libTensor(h))
	if s != nil {
		s.add(t)
	}
	return t
}

// result1 is the tensor a C shim returned, or its error.
func result1(name string, msg *C.char, h C.ag_tensor, s *Scope) *Tensor {
	if err := takeError(msg); err != nil {
		return errTensor(opError(name, err))
	}
	return wrapIn(h, s)
}

// results are the tensors a C shim returned, or as many error tensors.
func results(name string, msg *C.char, hs []C.ag_tensor, s *Scope) []*Tensor {
	out := make([]*Tensor, len(hs))
	if err := takeError(msg); err != nil {
		e := errTensor(opError(name, err))
		for i := range out {
			out[i] = e
		}
		return out
	}
	for i, h := range hs {
		out[i] = wrapIn(h, s)
	}
	return out
}

// resultList wraps the NULL-terminated, malloc'd array of handles a list-returning op gives.
func resultList(name string, msg *C.char, arr *C.ag_tensor, s *Scope) ([]*Tensor, error) {
	if err := takeError(msg); err != nil {
		return nil, opError(name, err)
	}
	if arr == nil {
		return nil, fmt.Errorf("torch.%s: no result", name)
	}
	defer C.free(unsafe.Pointer(arr))
	var out []*Tensor
	for p := arr; *p != nil; p = (*C.ag_tensor)(unsafe.Add(unsafe.Pointer(p), unsafe.Sizeof(*p))) {
		out = append(out, wrapIn(*p, s))
	}
	return out, nil
}

// inplaceResult is the result of an op that writes into t (an in-place op, or an out= variant):
// libtorch returns a second handle on t, which is freed; t itself is returned.
func inplaceResult(name string, msg *C.char, h C.ag_tensor, t *Tensor) *Tensor {
	if err := takeError(msg); err != nil {
		return errTensor(opError(name, err))
	}
	wrap(libTensor(h)).Drop()
	return t
}

// outResults is inplaceResult for out= variants with several outputs.
func outResults(name string, msg *C.char, hs []C.ag_tensor, outs ...*Tensor) []*Tensor {
	if err := takeError(msg); err != nil {
		e := errTensor(opError(name, err))
		r := make([]*Tensor, len(outs))
		for i := range r {
			r[i] = e
		}
		return r
	}
	for _, h := range hs {
		wrap(libTensor(h)).Drop()
	}
	return outs
}

// ---- the boxed call ----

// boxArg is one argument of a boxed call (csrc_call_op), named as in the schema.
type boxArg struct {
	name   string
	kind   C.int32_t
	i      int64
	d      float64
	t      *Tensor   // a tensor
	ts     []*Tensor // a tensor list
	ints   []int64
	floats []float64
	s      string
	err    error
}

func bNone() boxArg { return boxArg{kind: C.CSRC_IV_NONE} }

// as names the argument.
func (a boxArg) as(name string) boxArg {
	a.name = name
	return a
}

func bTensor(t *Tensor) boxArg {
	if t == nil {
		return boxArg{err: errors.New("a tensor is required, got nil")}
	}
	return boxArg{kind: C.CSRC_IV_TENSOR, t: t}
}

func bOptTensor(t *Tensor) boxArg {
	if t == nil {
		return bNone()
	}
	return bTensor(t)
}

func bBool(b bool) boxArg {
	a := boxArg{kind: C.CSRC_IV_BOOL}
	if b {
		a.i = 1
	}
	return a
}

func bOptBool(p *bool) boxArg {
	if p == nil {
		return bNone()
	}
	return bBool(*p)
}

func bInt(i int64) boxArg { return boxArg{kind: C.CSRC_IV_INT, i: i} }

func bOptInt(p *int64) boxArg {
	if p == nil {
		return bNone()
	}
	return bInt(*p)
}

func bFloat(d float64) boxArg { return boxArg{kind: C.CSRC_IV_DOUBLE, d: d} }

func bOptFloat(p *float64) boxArg {
	if p == nil {
		return bNone()
	}
	return bFloat(*p)
}

func bInts(v []int64) boxArg { return boxArg{kind: C.CSRC_IV_INTS, ints: v} }

func bOptInts(v []int64) boxArg {
	if v == nil {
		return bNone()
	}
	return bInts(v)
}

func bFloats(v []float64) boxArg { return boxArg{kind: C.CSRC_IV_DOUBLES, floats: v} }

func bOptFloats(v []float64) boxArg {
	if v == nil {
		return bNone()
	}
	return bFloats(v)
}

func bTensors(ts []*Tensor) boxArg { return boxArg{kind: C.CSRC_IV_TENSORS, ts: ts} }

func bOptTensors(ts []*Tensor) boxArg { return boxArg{kind: C.CSRC_IV_OPT_TENSORS, ts: ts} }

func bScalar(v any) boxArg {
	k, i, d, err := scalarOf(v)
	switch {
	case err != nil:
		return boxArg{err: err}
	case k == 1:
		return boxArg{kind: C.CSRC_IV_SCALAR_DOUBLE, d: d}
	case k == 2:
		return boxArg{kind: C.CSRC_IV_SCALAR_BOOL, i: i}
	}
	return boxArg{kind: C.CSRC_IV_SCALAR_INT, i: i}
}

func bOptScalar(v any) boxArg {
	if v == nil {
		return bNone()
	}
	return bScalar(v)
}

func bDType(d DType) boxArg { return boxArg{kind: C.CSRC_IV_DTYPE, i: int64(d.code())} }

func bOptDType(d DType) boxArg {
	if d == 0 {
		return bNone()
	}
	return bDType(d)
}

func bDevice(d Device) boxArg { return boxArg{kind: C.CSRC_IV_DEVICE, i: int64(d.code())} }

// bOptDevice is None for the zero Device.
func bOptDevice(d Device) boxArg {
	if d == (Device{}) {
		return bNone()
	}
	return bDevice(d)
}

func bOptDevicePtr(d *Device) boxArg {
	if d == nil {
		return bNone()
	}
	return bDevice(*d)
}

func bString(s string) boxArg { return boxArg{kind: C.CSRC_IV_STRING, s: s} }

func bOptString(s string) boxArg {
	if s == "" {
		return bNone()
	}
	return bString(s)
}

func bLayout(l Layout) boxArg { return boxArg{kind: C.CSRC_IV_LAYOUT, i: int64(l)} }

func bOptLayout(p *Layout) boxArg {
	if p == nil {
		return bNone()
	}
	return bLayout(*p)
}

func bMemoryFormat(m MemoryFormat) boxArg {
	if m == 0 {
		return bNone()
	}
	return boxArg{kind: C.CSRC_IV_MEMORY_FORMAT, i: int64(m) - 1}
}

func bReduction(r, def Reduction) boxArg {
	c, err := r.code(def)
	if err != nil {
		return boxArg{err: err}
	}
	return bInt(c)
}

// boxedCall is what a boxed call returned.
type boxedCall struct {
	rets  []C.csrc_ivalue
	scope *Scope
	err   error
}

// maxBoxedResults bounds the results of one op (torch.lstm's three are the most here).
const maxBoxedResults = 8

// boxed calls op (with its namespace) through the dispatcher with args in schema order.
func boxed(op, overload string, args ...boxArg) boxedCall {
	var scope *Scope
	var pin runtime.Pinner
	defer pin.Unpin()
	cargs := make([]C.csrc_ivalue, len(args))
	var lists [][]C.ag_tensor
	for k, a := range args {
		if a.err != nil {
			return boxedCall{err: a.err}
		}
		c := &cargs[k]
		c.name = C.CString(a.name)
		defer C.free(unsafe.Pointer(c.name))
		c.kind, c.i, c.d = a.kind, C.int64_t(a.i), C.double(a.d)
		switch a.kind {
		case C.CSRC_IV_TENSOR:
			s, err := inputs(op, a.t)
			if err != nil {
				return boxedCall{err: err}
			}
			if scope == nil {
				scope = s
			}
			c.p = unsafe.Pointer(a.t.c)
		case C.CSRC_IV_TENSORS, C.CSRC_IV_OPT_TENSORS:
			s, err := listInputs(op, scope, a.ts)
			if err != nil {
				return boxedCall{err: err}
			}
			scope = s
			hs := handles(a.ts)
			lists = append(lists, hs)
			c.len = C.int32_t(len(hs))
			if len(hs) > 0 {
				pin.Pin(&hs[0])
				c.p = unsafe.Pointer(&hs[0])
			}
		case C.CSRC_IV_INTS:
			c.len = C.int32_t(len(a.ints))
			if len(a.ints) > 0 {
				pin.Pin(&a.ints[0])
				c.p = unsafe.Pointer(&a.ints[0])
			}
		case C.CSRC_IV_DOUBLES:
			c.len = C.int32_t(len(a.floats))
			if len(a.floats) > 0 {
				pin.Pin(&a.floats[0])
				c.p = unsafe.Pointer(&a.floats[0])
			}
		case C.CSRC_IV_STRING:
			c.len = C.int32_t(len(a.s))
			if len(a.s) > 0 {
				p := unsafe.StringData(a.s)
				pin.Pin(p)
				c.p = unsafe.Pointer(p)
			}
		}
	}
	if scope == nil {
		scope = currentScope()
	}
	cop, cov := C.CString(op), C.CString(overload)
	defer C.free(unsafe.Pointer(cop))
	defer C.free(unsafe.Pointer(cov))
	var rets [maxBoxedResults]C.csrc_ivalue
	var n C.int
	var argp *C.csrc_ivalue
	if len(cargs) > 0 {
		argp = &cargs[0]
	}
	msg := C.csrc_call_op(cop, cov, argp, C.int(len(cargs)), &rets[0], maxBoxedResults, &n)
	runtime.KeepAlive(lists)
	if err := takeError(msg); err != nil {
		return boxedCall{err: err}
	}
	return boxedCall{rets: rets[:n], scope: scope}
}

// boxedTensors are the n tensor results of a boxed call (or n error tensors).
func boxedTensors(name string, n int, b boxedCall) []*Tensor {
	out := make([]*Tensor, n)
	err := b.err
	if err == nil && len(b.rets) != n {
		err = fmt.Errorf("%d results, want %d", len(b.rets), n)
	}
	for i := range out {
		if err == nil && b.rets[i].kind != C.CSRC_IV_TENSOR {
			err = fmt.Errorf("result %d is not a tensor", i)
		}
	}
	if err != nil {
		b.free()
		e := errTensor(opError(name, err))
		for i := range out {
			out[i] = e
		}
		return out
	}
	for i := range out {
		out[i] = wrapIn(C.ag_tensor(b.rets[i].p), b.scope)
	}
	return out
}

// boxedInplace is the result of an in-place op called boxed: self.
func boxedInplace(name string, self *Tensor, b boxedCall) *Tensor {
	r := boxedTensors(name, 1, b)[0]
	if r.err != nil {
		return r
	}
	Keep(r).Drop()
	return self
}

func boxedList(name string, b boxedCall) ([]*Tensor, error) {
	if b.err != nil {
		return nil, opError(name, b.err)
	}
	if len(b.rets) != 1 || b.rets[0].kind != C.CSRC_IV_TENSORS {
		b.free()
		return nil, fmt.Errorf("torch.%s: the result is not a tensor list", name)
	}
	arr := (*C.ag_tensor)(b.rets[0].p)
	return resultList(name, nil, arr, b.scope)
}

func boxedScalar(name string, b boxedCall, kind C.int32_t) (C.csrc_ivalue, error) {
	if b.err != nil {
		return C.csrc_ivalue{}, opError(name, b.err)
	}
	if len(b.rets) != 1 || b.rets[0].kind != kind {
		b.free()
		return C.csrc_ivalue{}, fmt.Errorf("torch.%s: unexpected result", name)
	}
	return b.rets[0], nil
}

func boxedBool(name string, b boxedCall) (bool, error) {
	r, err := boxedScalar(name, b, C.CSRC_IV_BOOL)
	return r.i != 0, err
}

func boxedInt(name string, b boxedCall) (int64, error) {
	r, err := boxedScalar(name, b, C.CSRC_IV_INT)
	return int64(r.i), err
}

func boxedFloat(name string, b boxedCall) (float64, error) {
	r, err := boxedScalar(name, b, C.CSRC_IV_DOUBLE)
	return float64(r.d), err
}

func boxedNothing(name string, b boxedCall) error {
	b.free()
	return opError(name, b.err)
}

// free releases results a caller does not take.
func (b boxedCall) free() {
	for _, r := range b.rets {
		switch r.kind {
		case C.CSRC_IV_TENSOR:
			csrc.FreeTensor(r.p)
		case C.CSRC_IV_TENSORS:
			for p := (*C.ag_tensor)(r.p); *p != nil; p = (*C.ag_tensor)(unsafe.Add(unsafe.Pointer(p), unsafe.Sizeof(*p))) {
				csrc.FreeTensor(unsafe.Pointer(*p))
			}
			C.free(r.p)
		}
	}
}
