package main

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Decl is one entry of PyTorch's Declarations.yaml: an ATen operator overload.
type Decl struct {
	Name         string   `yaml:"name"`
	OperatorName string   `yaml:"operator_name"`
	OverloadName string   `yaml:"overload_name"`
	Schema       string   `yaml:"schema_string"`
	Arguments    []Arg    `yaml:"arguments"`
	SchemaOrder  []Arg    `yaml:"schema_order_arguments"`
	MethodOf     []string `yaml:"method_of"`
	PythonModule string   `yaml:"python_module"`
	Returns      []Ret    `yaml:"returns"`
	Deprecated   bool     `yaml:"deprecated"`
}

// Arg is one argument of a Decl, in the C++ signature's order (Arguments) or the schema's
// (SchemaOrder, where out= arguments come last).
type Arg struct {
	Name        string    `yaml:"name"`
	DynamicType string    `yaml:"dynamic_type"`
	Type        string    `yaml:"type"`
	Nullable    bool      `yaml:"is_nullable"`
	Default     yaml.Node `yaml:"default"`
	Size        int       `yaml:"size"`
	KwargOnly   bool      `yaml:"kwarg_only"`
	// Schema is the name in the schema when gen.ml renamed the argument (self_scalar, n), else "".
	Schema string `yaml:"-"`
}

// SchemaName is the argument's name in the operator's schema.
func (a Arg) SchemaName() string {
	if a.Schema != "" {
		return a.Schema
	}
	return a.Name
}

// Ret is one result of a Decl.
type Ret struct {
	Name        string `yaml:"name"`
	DynamicType string `yaml:"dynamic_type"`
}

// HasDefault tells whether the argument has a default value in the schema.
func (a Arg) HasDefault() bool { return a.Default.Kind != 0 }

// DefaultString is the default as Declarations.yaml writes it ("1", "c10::nullopt", "[0,0]").
func (a Arg) DefaultString() string {
	return a.Default.Value
}

// loadDecls reads Declarations.yaml.
func loadDecls(path string) ([]*Decl, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ds []*Decl
	if err := yaml.Unmarshal(b, &ds); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ds, nil
}

// CType is how gotch's C layer passes an argument (gen.ml's Func.arg_type).
type CType int

// The argument kinds of gotch's C layer, named as in gen.ml.
const (
	CBool CType = iota + 1
	CInt64
	CInt64Option
	CDouble
	CDoubleOption
	CTensor
	CTensorOption
	CIntList
	CIntListOption
	CDoubleList
	CTensorOptList
	CTensorList
	CTensorOptions
	CScalar
	CScalarType
	CScalarTypeOption
	CDevice
	CString
	CLayout
	CLayoutOption
)

// cTypeOf is gen.ml's arg_type_of_string: 0 for a type gotch cannot pass.
func cTypeOf(dynamicType string, nullable bool) CType {
	pick := func(plain, opt CType) CType {
		if nullable {
			return opt
		}
		return plain
	}
	switch strings.ToLower(dynamicType) {
	case "bool":
		return CBool
	case "int64_t":
		return pick(CInt64, CInt64Option)
	case "double":
		return pick(CDouble, CDoubleOption)
	case "at::tensor":
		return pick(CTensor, CTensorOption)
	case "at::tensoroptions":
		return CTensorOptions
	case "at::intarrayref":
		return pick(CIntList, CIntListOption)
	case "at::arrayref<double>":
		return CDoubleList
	case "const c10::list<c10::optional<at::tensor>> &":
		return CTensorOptList
	case "const at::itensorlistref &", "at::tensorlist":
		return CTensorList
	case "at::device":
		return CDevice
	case "const at::scalar &", "at::scalar":
		return CScalar
	case "at::scalartype":
		return pick(CScalarType, CScalarTypeOption)
	case "c10::string_view":
		return CString
	case "at::layout":
		return pick(CLayout, CLayoutOption)
	}
	return 0
}

// Returns is what a C function of gotch's gives back.
type Returns int

// The result kinds of gen.ml.
const (
	RetNothing Returns = iota + 1
	RetFixed           // Fixed tensors
	RetDynamic         // a tensor list
	RetBool
	RetInt64
	RetDouble
)

// CArg is an argument of a gotch C function.
type CArg struct {
	Arg
	C CType
}

// CFunc is a function of gotch's C layer (atg_<Exported>), with the Decl it wraps.
type CFunc struct {
	Decl     *Decl
	Exported string // the C name without atg_
	Args     []CArg // the arguments gotch passes, in C++ order
	Dropped  []Arg  // arguments of the Decl gotch leaves out (they take their defaults)
	Returns  Returns
	Fixed    int  // the number of tensors, for RetFixed
	Method   bool // gen.ml's kind: true when called as a method (not in namespace)
}

// The lists of gen.ml (gotch v0.9.1), reproduced so that this generator finds the same C functions.
var (
	gotchExcluded = set(`multi_margin_loss multi_margin_loss_out log_softmax_backward_data softmax_backward_data
		clone copy_ conv_transpose2d_backward_out conv_transpose3d_backward_out slow_conv_transpose2d_backward_out
		slow_conv_transpose3d_backward_out slow_conv3d_backward_out normal _cufft_set_plan_cache_max_size
		_cufft_clear_plan_cache backward set_data _amp_non_finite_check_and_unscale_
		_amp_foreach_non_finite_check_and_unscale_ _cummin_helper _cummax_helper retain_grad
		_validate_sparse_coo_tensor_args _validate_sparse_csr_tensor_args _backward size stride histogram_out
		histogram _assert_async gradient linalg_vector_norm linalg_vector_norm_out linalg_matrix_norm
		linalg_matrix_norm_out _histogramdd_bin_edges _histogramdd_from_bin_cts _linalg_check_errors _index_copy_
		_native_multi_head_self_attention normal_out bernoulli_out nested_tensor arange_out _assert_tensor_metadata
		_histogramdd_bin_edges_out _validate_compressed_sparse_indices _validate_sparse_bsc_tensor_args
		_validate_sparse_bsr_tensor_args _validate_sparse_compressed_tensor_args _validate_sparse_csc_tensor_args
		dequantize_out lstm_mps_backward_out quantize_per_tensor_out split_copy_out split_with_sizes_copy_out
		unbind_copy_out unsafe_split_out unsafe_split_with_sizes_out sym_numel sym_size sym_stride
		sym_storage_offset`)
	gotchNoTensorOptions    = set(`zeros_like empty_like full_like ones_like rand_like randint_like randn_like`)
	gotchOptionalScalarArgs = set(`arange baddbmm`)
	gotchExcludedPrefixes   = []string{"_thnn_", "_th_", "thnn_", "th_", "_foreach", "_amp_foreach", "_nested_tensor", "_fused_adam"}
	gotchExcludedSuffixes   = []string{"_forward", "_forward_out"}
)

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// gotchFuncs applies gen.ml's read_yaml and its naming of overloads to ds, giving the C functions
// gotch v0.9.1 generated, by exported name.
func gotchFuncs(ds []*Decl) map[string]*CFunc {
	var funcs []*CFunc
	for _, d := range ds {
		if f := gotchFunc(d); f != nil {
			funcs = append(funcs, f)
		}
	}
	// gen.ml groups by lower-cased operator name (scatter_reduce is renamed), sorts each group by
	// the length of the name then the number of arguments, and names overloads after the first.
	groups := map[string][]*CFunc{}
	for _, f := range funcs {
		op := strings.ToLower(f.Decl.OperatorName)
		switch op {
		case "scatter_reduce":
			op = "_scatter_reduce"
		case "scatter_reduce_":
			op = "_scatter_reduce_"
		}
		groups[op] = append(groups[op], f)
	}
	out := map[string]*CFunc{}
	for op, fs := range groups {
		if len(fs) == 1 {
			fs[0].Exported = op
			out[op] = fs[0]
			continue
		}
		// gen.ml's four hand-added methods have an empty overload name and join these groups.
		hasEmpty := gotchExtraMethods[op] || slices.ContainsFunc(fs, func(f *CFunc) bool { return f.Decl.OverloadName == "" })
		sort.SliceStable(fs, func(i, j int) bool {
			if a, b := len(fs[i].Decl.Name), len(fs[j].Decl.Name); a != b {
				return a < b
			}
			return len(fs[i].Args) < len(fs[j].Args)
		})
		for i, f := range fs {
			ov := strings.ToLower(f.Decl.OverloadName)
			name := op + "_" + ov
			switch {
			case ov == "" || (i == 0 && !hasEmpty):
				name = op
			case strings.HasSuffix(op, "_"):
				name = op + ov + "_"
			}
			f.Exported = name
			out[name] = f
		}
	}
	return out
}

// gotchFunc is gen.ml's filter and argument selection for one declaration, or nil.
func gotchFunc(d *Decl) *CFunc {
	if d.Deprecated || gotchExcluded[d.Name] {
		return nil
	}
	for _, p := range gotchExcludedPrefixes {
		if strings.HasPrefix(d.Name, p) {
			return nil
		}
	}
	for _, s := range gotchExcludedSuffixes {
		if strings.HasSuffix(d.Name, s) {
			return nil
		}
	}
	f := &CFunc{Decl: d}
	switch {
	case len(d.Returns) == 0:
		f.Returns = RetNothing
	case allTensors(d.Returns):
		f.Returns, f.Fixed = RetFixed, len(d.Returns)
	case len(d.Returns) == 1:
		switch d.Returns[0].DynamicType {
		case "bool":
			f.Returns = RetBool
		case "int64_t":
			f.Returns = RetInt64
		case "double":
			f.Returns = RetDouble
		case "at::TensorList":
			f.Returns = RetDynamic
		default:
			return nil
		}
	default:
		return nil
	}
	switch {
	case slices.Contains(d.MethodOf, "namespace"):
	case slices.Contains(d.MethodOf, "Tensor"):
		f.Method = true
	default:
		return nil
	}
	for _, a := range d.Arguments {
		t := cTypeOf(a.DynamicType, a.Nullable)
		switch {
		case t == CScalar && a.HasDefault() && !a.Nullable && !gotchOptionalScalarArgs[d.Name]:
			f.Dropped = append(f.Dropped, a)
		case t == CTensorOptions && a.HasDefault() && gotchNoTensorOptions[d.Name]:
			f.Dropped = append(f.Dropped, a)
		case t == 0 && a.HasDefault():
			f.Dropped = append(f.Dropped, a)
		case t == 0:
			return nil
		default:
			if a.Name == "self" && t == CScalar {
				a.Schema, a.Name = a.Name, "self_scalar"
			}
			// gen.ml's YAML reader reads the argument name N as a YAML 1.1 boolean, false, and writes
			// it back as "n".
			if a.Name == "N" {
				a.Schema, a.Name = a.Name, "n"
			}
			f.Args = append(f.Args, CArg{a, t})
		}
	}
	return f
}

func allTensors(rs []Ret) bool {
	for _, r := range rs {
		if r.DynamicType != "at::Tensor" {
			return false
		}
	}
	return true
}

// cParams is gen.ml's c_typed_args_list: the C parameters after the output pointer.
func (f *CFunc) cParams() string {
	var ps []string
	for _, a := range f.Args {
		n := a.Name
		switch a.C {
		case CIntList, CIntListOption:
			ps = append(ps, fmt.Sprintf("int64_t *%s_data, int %s_len", n, n))
		case CDoubleList:
			ps = append(ps, fmt.Sprintf("double *%s_data, int %s_len", n, n))
		case CTensorOptList, CTensorList:
			ps = append(ps, fmt.Sprintf("tensor *%s_data, int %s_len", n, n))
		case CTensorOptions:
			ps = append(ps, fmt.Sprintf("int %s_kind, int %s_device", n, n))
		case CString:
			ps = append(ps, fmt.Sprintf("char* %s_ptr, int %s_len", n, n))
		case CInt64Option:
			ps = append(ps, fmt.Sprintf("int64_t %s_v, uint8_t %s_null", n, n))
		case CDoubleOption:
			ps = append(ps, fmt.Sprintf("double %s_v, uint8_t %s_null", n, n))
		default:
			ps = append(ps, simpleCType(a.C)+" "+n)
		}
	}
	return strings.Join(ps, ", ")
}

func simpleCType(t CType) string {
	switch t {
	case CBool, CScalarType, CScalarTypeOption, CDevice:
		return "int"
	case CInt64:
		return "int64_t"
	case CDouble:
		return "double"
	case CTensor, CTensorOption:
		return "tensor"
	case CScalar:
		return "scalar"
	case CLayout, CLayoutOption:
		return "int8_t"
	}
	panic(fmt.Sprintf("no simple C type for %d", t))
}

// cDecl is the declaration gen.ml writes into torch_api_generated.h for f.
func (f *CFunc) cDecl() string {
	params := f.cParams()
	switch f.Returns {
	case RetNothing:
		return fmt.Sprintf("void atg_%s(%s);", f.Exported, params)
	case RetFixed:
		return fmt.Sprintf("void atg_%s(tensor *, %s);", f.Exported, params)
	case RetDynamic:
		return fmt.Sprintf("tensor *atg_%s(%s);", f.Exported, params)
	case RetBool:
		return fmt.Sprintf("int atg_%s(%s);", f.Exported, params)
	case RetInt64:
		return fmt.Sprintf("int64_t atg_%s(%s);", f.Exported, params)
	case RetDouble:
		return fmt.Sprintf("double atg_%s(%s);", f.Exported, params)
	}
	panic("unreachable")
}

// checkHeader compares the functions with gotch's torch_api_generated.h, line by line: this
// generator must call exactly the functions gotch compiled.
func checkHeader(funcs map[string]*CFunc, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	have := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		i := strings.Index(line, "atg_")
		j := strings.Index(line, "(")
		if i < 0 || j < i {
			continue
		}
		have[line[i+4:j]] = line
	}
	var problems []string
	for name, f := range funcs {
		if gotchExtraMethods[name] {
			problems = append(problems, "generated here under a name gen.ml gives its own methods: "+f.cDecl())
		} else if got, ok := have[name]; !ok {
			problems = append(problems, "missing from the header: "+f.cDecl())
		} else if norm(got) != norm(f.cDecl()) {
			problems = append(problems, fmt.Sprintf("header has %q, generator expects %q", got, f.cDecl()))
		}
	}
	for name := range have {
		if funcs[name] == nil && !gotchExtraMethods[name] {
			problems = append(problems, "not generated here: atg_"+name)
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		if len(problems) > 10 {
			problems = append(problems[:10], fmt.Sprintf("... and %d more", len(problems)-10))
		}
		return fmt.Errorf("%s does not match this generator's replica of gotch's gen.ml:\n  %s", path, strings.Join(problems, "\n  "))
	}
	return nil
}

// gotchExtraMethods are the four functions gen.ml adds by hand (grad, set_requires_grad, toType, to).
var gotchExtraMethods = set("grad set_requires_grad totype to")

func norm(s string) string { return strings.Join(strings.Fields(s), " ") }
