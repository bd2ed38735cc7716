package main

import (
	"fmt"
	"go/token"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// API is the Go surface generated for package torch.
type API struct {
	Ops     []*Op          // sorted by Go name, then method before function
	Skipped map[string]int // reasons ops of gotch's C layer are not exposed, and how many each
}

// Op is one ATen overload as Go exposes it: a method on *Tensor, a function, or both.
type Op struct {
	F        *CFunc
	GoName   string
	Method   bool     // (self *Tensor) GoName(...)
	Function bool     // GoName(self *Tensor, ...)
	Params   []*Param // every argument, in C++ order (gotch's arguments, then those it drops)
	Options  string   // the options struct's name; "" when the op has no defaulted arguments
	Inplace  bool     // the name ends in '_': the op writes into self and returns it
}

// Param is one argument of an Op.
type Param struct {
	Arg
	C        CType  // how gotch passes it; 0 when gotch drops it (only the boxed call passes it)
	Dropped  bool   // gotch's C function lacks it
	Self     bool   // the receiver of the method form
	Option   bool   // a field of the options struct (it has a default)
	GoName   string // parameter name, or field name for options
	GoType   string
	Doc      string // what nil or zero means, for options
	Default  string // Go expression of the value passed to C when the option is unset
	NilIsDef bool   // the option's zero value is nil (pointer, slice, any, *Tensor)
}

// Go names that the hand-written part of package torch defines with more care, or that would
// collide with its methods: the generator skips these ops.
var handWritten = set(`View Reshape Permute Clone Copy_ Dim Numel Size Shape Item Backward Grad Detach_ To Type
	Data Stride String Device DType Err Drop Defined Handle IsContiguous RequiresGrad SetRequiresGrad`)

// Overloads whose derived name is another op's: scatter.reduce would be ScatterReduce, the name of
// scatter_reduce.
var renamed = map[string]string{
	"where.": "WhereCondition", "range_out.out_": "RangeNoStepOut", "scatter.reduce": "ScatterWithReduce", "scatter_.reduce": "ScatterWithReduce_",
	"scatter.value_reduce": "ScatterValueWithReduce", "scatter_.value_reduce": "ScatterValueWithReduce_",
	"scatter_out.reduce_out": "ScatterWithReduceOut", "scatter_out.value_reduce_out": "ScatterValueWithReduceOut",
}

// Preferred overloads for the base name where PyTorch's most common call is not the first.
var primaryOverload = map[string]string{
	"to": "dtype_layout", "where": "self", "pow": "Tensor_Scalar", "pow_": "Scalar", "fill_": "Scalar", "fill": "Scalar",
	"masked_fill": "Scalar", "masked_fill_": "Scalar", "index_fill": "int_Scalar", "index_fill_": "int_Scalar",
}

// Words kept in capitals in Go names (Go's initialisms, and PyTorch's own spellings).
var initialisms = map[string]string{
	"lstm": "LSTM", "gru": "GRU", "rnn": "RNN", "fft": "FFT", "ifft": "IFFT", "rfft": "RFFT", "irfft": "IRFFT",
	"hfft": "HFFT", "ihfft": "IHFFT", "fftn": "FFTN", "ifftn": "IFFTN", "rfftn": "RFFTN", "irfftn": "IRFFTN",
	"hfftn": "HFFTN", "ihfftn": "IHFFTN", "fft2": "FFT2", "ifft2": "IFFT2", "rfft2": "RFFT2", "irfft2": "IRFFT2",
	"hfft2": "HFFT2", "ihfft2": "IHFFT2", "svd": "SVD", "qr": "QR", "lu": "LU", "nll": "NLL", "mse": "MSE",
	"ctc": "CTC", "cpu": "CPU", "cuda": "CUDA", "mkldnn": "MKLDNN", "cudnn": "CuDNN", "miopen": "MIOpen",
	"gelu": "GELU", "selu": "SELU", "silu": "SiLU", "elu": "ELU", "celu": "CELU", "prelu": "PReLU",
	"rrelu": "RReLU", "glu": "GLU", "dtype": "DType", "id": "ID", "ldl": "LDL", "eig": "Eig",
}

// camel turns snake_case into CamelCase, keeping a trailing underscore.
func camel(s string) string {
	trail := strings.HasSuffix(s, "_")
	var b strings.Builder
	for _, w := range strings.Split(strings.TrimSuffix(s, "_"), "_") {
		if w == "" {
			continue
		}
		if up, ok := initialisms[strings.ToLower(w)]; ok {
			b.WriteString(up)
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	if trail {
		b.WriteString("_")
	}
	return b.String()
}

// lowerCamel is a Go parameter name for an argument: its first word as PyTorch writes it, the
// others capitalised (kernel_size is kernelSize, dtype is dtype).
func lowerCamel(s string) string {
	words := strings.Split(strings.Trim(s, "_"), "_")
	c := strings.ToLower(words[0]) + camel(strings.Join(words[1:], "_"))
	if token.IsKeyword(c) || predeclared[c] {
		c += "_"
	}
	return c
}

// Names a parameter must not take: Go's predeclared identifiers and what generated bodies use.
// (Generated bodies name their own variables with a trailing underscore.)
var predeclared = set(`bool int int64 float64 string any error len cap copy max min new make append
	delete panic print complex real imag clear close true false nil iota t`)

func buildAPI(funcs map[string]*CFunc) (*API, error) {
	api := &API{Skipped: map[string]int{}}
	byName := map[string][]*CFunc{}
	for _, f := range funcs {
		switch d := f.Decl; {
		case strings.HasPrefix(d.Name, "_"):
			api.Skipped["private ATen op (leading underscore), not exposed"]++
			continue
		case f.Returns == RetNothing && !strings.HasSuffix(d.Name, "_"):
			api.Skipped["returns nothing (a backend hook), not exposed"]++
			continue
		}
		byName[f.Decl.Name] = append(byName[f.Decl.Name], f)
	}
	seen := map[string]*Op{}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		fs := byName[name]
		sort.Slice(fs, func(i, j int) bool { return fs[i].Exported < fs[j].Exported })
		for _, op := range nameGroup(name, fs) {
			if handWritten[op.GoName] {
				api.Skipped["written by hand in package torch"]++
				continue
			}
			if n, ok := renamed[op.F.Decl.Name+"."+op.F.Decl.OverloadName]; ok {
				op.GoName = n
			}
			if prev := seen[op.GoName]; prev != nil {
				return nil, fmt.Errorf("%s: both %s and %s", op.GoName, prev.F.Decl.Schema, op.F.Decl.Schema)
			}
			seen[op.GoName] = op
			if err := op.buildParams(); err != nil {
				return nil, err
			}
			api.Ops = append(api.Ops, op)
		}
	}
	sort.Slice(api.Ops, func(i, j int) bool { return api.Ops[i].GoName < api.Ops[j].GoName })
	shareOptions(api.Ops, seen)
	return api, nil
}

// shareOptions gives an in-place op (Add_) and an out= variant (AddOut) the options struct of the op
// they vary (Add) when their fields are the same.
func shareOptions(ops []*Op, byName map[string]*Op) {
	sig := func(op *Op) string {
		var b strings.Builder
		for _, p := range op.OptionFields() {
			b.WriteString(p.GoName + " " + p.GoType + "; ")
		}
		return b.String()
	}
	for _, op := range ops {
		if op.Options == "" {
			continue
		}
		base := strings.TrimSuffix(op.GoName, "_")
		if strings.HasSuffix(op.F.Decl.Name, "_out") {
			base = strings.TrimSuffix(base, "Out")
		}
		if b := byName[base]; b != nil && b != op && b.Options != "" && sig(b) == sig(op) {
			op.Options = b.Options
		}
	}
}

// nameGroup names the overloads of one ATen name: the primary one gets the base name, the others
// the base name and their overload name (type words dropped where that stays unique).
func nameGroup(name string, fs []*CFunc) []*Op {
	base := camel(name)
	// out= variants (add_out.out, add_out.Scalar_out) are AddOut, AddScalarOut: the word out moves
	// to the end.
	isOut := strings.HasSuffix(name, "_out")
	if isOut {
		base = camel(strings.TrimSuffix(name, "_out"))
	}
	primary := -1
	find := func(ov string) int {
		return slices.IndexFunc(fs, func(f *CFunc) bool { return f.Decl.OverloadName == ov })
	}
	if ov, ok := primaryOverload[name]; ok {
		primary = find(ov)
	}
	for _, ov := range []string{"", "Tensor", "out"} {
		if primary < 0 {
			primary = find(ov)
		}
	}
	if primary < 0 {
		// The shortest overload name that is not an out= variant.
		for i, f := range fs {
			ov := f.Decl.OverloadName
			if strings.HasSuffix(ov, "out") && !isOut {
				continue
			}
			if primary < 0 || len(ov) < len(fs[primary].Decl.OverloadName) {
				primary = i
			}
		}
	}
	suffix := func(ov string, short bool) string {
		var b strings.Builder
		for _, w := range strings.Split(ov, "_") {
			if w == "" || (isOut && w == "out") || short && (w == "IntList" || w == "int" || w == "using" || w == "ints" || w == "Tensor") {
				continue
			}
			b.WriteString(camel(strings.ToLower(w[:1]) + w[1:]))
		}
		return b.String()
	}
	ops := make([]*Op, len(fs))
	used := map[string]int{}
	for i, f := range fs {
		n := base
		if i != primary {
			n = strings.TrimSuffix(base, "_") + suffix(f.Decl.OverloadName, true)
			if strings.HasSuffix(base, "_") {
				n += "_"
			}
		}
		if isOut {
			n += "Out"
		}
		ops[i] = &Op{F: f, GoName: n, Inplace: strings.HasSuffix(name, "_")}
		used[n]++
	}
	for i, op := range ops {
		if used[op.GoName] > 1 && i != primary {
			op.GoName = strings.TrimSuffix(base, "_") + suffix(op.F.Decl.OverloadName, false)
			if strings.HasSuffix(base, "_") {
				op.GoName += "_"
			}
			if isOut {
				op.GoName += "Out"
			}
		}
	}
	for _, op := range ops {
		d := op.F.Decl
		hasSelf := slices.ContainsFunc(op.F.Args, func(a CArg) bool { return a.Name == "self" && a.C == CTensor })
		op.Method = slices.Contains(d.MethodOf, "Tensor") && hasSelf
		op.Function = slices.Contains(d.MethodOf, "namespace") || !op.Method
		if strings.HasSuffix(d.OverloadName, "out") || strings.HasSuffix(d.Name, "_out") {
			op.Method, op.Function = false, true
		}
	}
	return ops
}

// buildParams maps each argument to its Go parameter or option field.
func (op *Op) buildParams() error {
	f := op.F
	for _, a := range f.Args {
		p := &Param{Arg: a.Arg, C: a.C}
		p.Self = op.Method && a.Name == "self" && a.C == CTensor
		op.Params = append(op.Params, p)
	}
	for _, a := range f.Dropped {
		op.Params = append(op.Params, &Param{Arg: a, Dropped: true})
	}
	fields := map[string]bool{}
	for _, p := range op.Params {
		if err := p.typeOf(op); err != nil {
			return fmt.Errorf("%s: %w", f.Decl.Schema, err)
		}
		if p.Option && p.GoType != "" {
			op.Options = op.GoName + "Options"
			if strings.HasSuffix(op.Options, "_Options") {
				op.Options = strings.TrimSuffix(op.GoName, "_") + "Options_"
			}
			if fields[p.GoName] {
				return fmt.Errorf("%s: two options named %s", f.Decl.Schema, p.GoName)
			}
			fields[p.GoName] = true
		}
	}
	return nil
}

// typeOf decides p's Go type, whether it is an option, and its default.
func (p *Param) typeOf(op *Op) error {
	def := p.DefaultString()
	p.Option = p.HasDefault()
	if p.Option {
		p.GoName = camel(p.Name)
	} else {
		p.GoName = lowerCamel(p.Name)
	}
	if p.Dropped {
		return p.droppedType()
	}
	switch p.C {
	case CBool:
		switch {
		case p.Nullable:
			p.GoType, p.NilIsDef, p.Doc = "*bool", true, "nil is None"
		case !p.Option:
			p.GoType = "bool"
		case def == "true":
			p.GoType, p.NilIsDef, p.Default, p.Doc = "*bool", true, "true", "nil is true"
		default:
			p.GoType, p.Default, p.Doc = "bool", "false", "false by default"
		}
	case CInt64:
		switch {
		case !p.Option:
			p.GoType = "int64"
		case p.Name == "reduction" && strings.HasPrefix(def, "at::Reduction::"):
			p.GoType, p.Default = "Reduction", "Reduction"+strings.TrimPrefix(def, "at::Reduction::")
			p.Doc = "\"\" is " + strings.ToLower(strings.TrimPrefix(def, "at::Reduction::"))
		case def == "0":
			p.GoType, p.Default, p.Doc = "int64", "0", "0 by default"
		default:
			if _, err := strconv.ParseInt(def, 10, 64); err != nil {
				return fmt.Errorf("%s: int default %q", p.Name, def)
			}
			p.GoType, p.NilIsDef, p.Default, p.Doc = "*int64", true, def, "nil is "+def
		}
	case CInt64Option:
		p.GoType, p.NilIsDef, p.Doc = "*int64", true, "nil is None"
		if def != "" && def != "c10::nullopt" {
			p.Default, p.Doc = def, "nil is "+def
		}
	case CDouble:
		switch {
		case !p.Option:
			p.GoType = "float64"
		case isZero(def):
			p.GoType, p.Default, p.Doc = "float64", "0", "0 by default"
		default:
			if _, err := strconv.ParseFloat(def, 64); err != nil {
				return fmt.Errorf("%s: float default %q", p.Name, def)
			}
			p.GoType, p.NilIsDef, p.Default, p.Doc = "*float64", true, def, "nil is "+def
		}
	case CDoubleOption:
		p.GoType, p.NilIsDef, p.Doc = "*float64", true, "nil is None"
	case CTensor:
		p.GoType = "*Tensor"
	case CTensorOption:
		p.GoType, p.NilIsDef, p.Doc = "*Tensor", true, "nil is None"
	case CIntList, CIntListOption:
		p.GoType, p.NilIsDef = "[]int64", true
		switch {
		case p.C == CIntListOption || def == "c10::nullopt":
			p.Doc = "nil is None"
		case p.Option:
			vals, err := intListDefault(def, p.Size)
			if err != nil {
				return fmt.Errorf("%s: %w", p.Name, err)
			}
			p.Default = "[]int64{" + strings.Join(vals, ", ") + "}"
			p.Doc = "nil is [" + strings.Join(vals, ", ") + "]"
		}
	case CDoubleList:
		p.GoType, p.NilIsDef = "[]float64", true
		if p.Nullable {
			p.Doc = "nil is None"
		}
	case CTensorList:
		p.GoType = "[]*Tensor"
	case CTensorOptList:
		p.GoType = "[]*Tensor"
		p.Doc = "nil elements are None"
	case CTensorOptions:
		p.Option = true
		p.GoName = "Options"
		p.GoType = "Options"
		p.Default = "Float32"
		p.Doc = "dtype and device: float32 on the CPU when zero"
		if def == "at::kLong" {
			p.Default, p.Doc = "Int64", "dtype and device: int64 on the CPU when zero"
		}
	case CScalar:
		p.GoType, p.NilIsDef = "any", true
		switch {
		case p.Nullable:
			p.Doc = "a Go number, or nil for None"
		case p.Option:
			p.Default, p.Doc = def, "a Go number; nil is "+def
		default:
			p.Doc = "a Go number"
		}
	case CScalarType:
		p.GoType = "DType"
	case CScalarTypeOption:
		p.GoType, p.Doc = "DType", "zero is None"
	case CDevice:
		p.GoType = "Device"
		if p.Nullable {
			p.GoType, p.NilIsDef, p.Doc = "*Device", true, "nil is None"
		}
	case CString:
		p.GoType = "string"
		switch {
		case p.Nullable:
			p.Doc = "\"\" is None"
		case p.Option:
			s, err := strconv.Unquote(def)
			if err != nil {
				return fmt.Errorf("%s: string default %q", p.Name, def)
			}
			p.Default, p.Doc = strconv.Quote(s), "\"\" is "+strconv.Quote(s)
		}
	case CLayout:
		p.GoType = "Layout"
	case CLayoutOption:
		p.GoType, p.NilIsDef, p.Doc = "*Layout", true, "nil is None"
	default:
		return fmt.Errorf("%s: no Go type for C type %d", p.Name, p.C)
	}
	return nil
}

// droppedType types an argument gotch's C function lacks: the boxed call passes it when set.
func (p *Param) droppedType() error {
	def := p.DefaultString()
	switch {
	case cTypeOf(p.DynamicType, p.Nullable) == CScalar:
		p.GoType, p.NilIsDef, p.Doc = "any", true, "a Go number; nil is "+def
	case p.DynamicType == "at::MemoryFormat":
		d := strings.TrimPrefix(strings.TrimPrefix(def, "c10::"), "MemoryFormat::")
		if d == "nullopt" {
			d = "None"
		}
		p.GoType, p.Doc = "MemoryFormat", "zero is "+d
	case p.DynamicType == "at::Generator":
		p.GoType = "" // not exposed: the default generator is used
	case p.DynamicType == "at::TensorOptions":
		// *_like ops: gotch drops their dtype, layout, device and pin_memory.
		p.Option, p.GoName, p.GoType, p.Doc = true, "Options", "Options", "dtype and device: self's when zero"
	default:
		return fmt.Errorf("%s: dropped argument of type %s", p.Name, p.DynamicType)
	}
	return nil
}

func isZero(s string) bool {
	v, err := strconv.ParseFloat(s, 64)
	return err == nil && v == 0
}

// intListDefault expands an int[] default: "1" with size 2 is [1, 1]; "{}" is []; "{-2,-1}" is itself.
func intListDefault(def string, size int) ([]string, error) {
	if strings.HasPrefix(def, "{") || strings.HasPrefix(def, "[") {
		inner := strings.Trim(def, "{}[] ")
		if inner == "" {
			return nil, nil
		}
		var out []string
		for _, v := range strings.Split(inner, ",") {
			v = strings.TrimSpace(v)
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				return nil, fmt.Errorf("int list default %q", def)
			}
			out = append(out, v)
		}
		return out, nil
	}
	if _, err := strconv.ParseInt(def, 10, 64); err != nil {
		return nil, fmt.Errorf("int list default %q", def)
	}
	if size == 0 {
		size = 1
	}
	out := make([]string, size)
	for i := range out {
		out[i] = def
	}
	return out, nil
}

// Positional are the Go parameters of the function form (or of the method form without self).
func (op *Op) Positional(method bool) []*Param {
	var ps []*Param
	for _, p := range op.Params {
		if p.Option || p.GoType == "" || (method && p.Self) {
			continue
		}
		ps = append(ps, p)
	}
	return ps
}

// OptionFields are the fields of the options struct.
func (op *Op) OptionFields() []*Param {
	var ps []*Param
	for _, p := range op.Params {
		if p.Option && p.GoType != "" {
			ps = append(ps, p)
		}
	}
	return ps
}

// count is the number of Go functions and methods generated.
func (api *API) count() int {
	n := 0
	for _, op := range api.Ops {
		if op.Method {
			n++
		}
		if op.Function {
			n++
		}
	}
	return n
}
