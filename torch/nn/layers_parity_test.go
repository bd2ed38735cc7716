package nn

import (
	"encoding/json"
	"path/filepath"
	"sort"
	"testing"

	"github.com/aecifar/aecifar/torch"
	F "github.com/aecifar/aecifar/torch/nn/functional"
	"github.com/aecifar/aecifar/torch/testing/parity"
)

// The feed-forward layers and the losses not in torch/testdata/parity against PyTorch 1.13:
// testdata/layers.json, written by testdata/gen_layers.py (its docstring is the schema).
// Tolerances are parity_test.go's: forward outputs within 1e-5, gradients within 1e-5 absolute
// plus 1e-5 relative; the default init after torch.manual_seed exactly (same generator, same
// draws in the same order).

// detSpec is a det of gen_layers.py: parity.Det(Shape, Seed, Scale) plus Offset, added in float32
// as PyTorch adds a Python float to a float32 tensor.
type detSpec struct {
	Shape  []int64 `json:"shape"`
	Seed   int64   `json:"seed"`
	Scale  float64 `json:"scale"`
	Offset float64 `json:"offset"`
}

func (d detSpec) tensor() *torch.Tensor {
	v := parity.Det(d.Shape, d.Seed, d.Scale)
	if d.Offset != 0 {
		for i := range v {
			v[i] += float32(d.Offset)
		}
	}
	return torch.FromSlice(v, d.Shape...)
}

// labelSpec is parity.DetLabels(numel(Shape), Seed, Classes) with shape Shape.
type labelSpec struct {
	Shape   []int64 `json:"shape"`
	Seed    int     `json:"seed"`
	Classes int     `json:"classes"`
}

func (l labelSpec) tensor() *torch.Tensor {
	return torch.FromSlice(parity.DetLabels(int(parity.Numel(l.Shape)), l.Seed, l.Classes), l.Shape...)
}

type stateEntry struct {
	Name   string    `json:"name"`
	Shape  []int64   `json:"shape"`
	Values []float64 `json:"values"`
}

type layerCase struct {
	Name       string       `json:"name"`
	Type       string       `json:"type"`
	Args       layerArgs    `json:"args"`
	ManualSeed uint64       `json:"manual_seed"`
	Repr       string       `json:"repr"`
	StateDict  []string     `json:"state_dict"`
	Init       []stateEntry `json:"init"`
	Pretrained *struct {
		detSpec
		Freeze bool `json:"freeze"`
	} `json:"pretrained"`
	Params []struct {
		Name string `json:"name"`
		detSpec
	} `json:"params"`
	Warmup     []detSpec `json:"warmup"`
	Training   bool      `json:"training"`
	CloneInput bool      `json:"clone_input"`
	Input      *struct {
		detSpec
		Grad []float64 `json:"grad"`
	} `json:"input"`
	Indices *labelSpec `json:"indices"`
	Output  struct {
		Shape   []int64   `json:"shape"`
		Values  []float64 `json:"values"`
		Weight  detSpec   `json:"weight"`
		Indices []int64   `json:"indices"` // return_indices=True
	} `json:"output"`
	ParamGrads [][]float64  `json:"param_grads"` // nil: PyTorch's grad was None
	StateAfter []stateEntry `json:"state_after"`
}

type lossCase struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Args struct {
		Reduction   Reduction `json:"reduction"`
		Beta        *float64  `json:"beta"`
		Delta       *float64  `json:"delta"`
		LogTarget   bool      `json:"log_target"`
		IgnoreIndex *int64    `json:"ignore_index"`
		Weight      *detSpec  `json:"weight"`
		PosWeight   *detSpec  `json:"pos_weight"`
	} `json:"args"`
	Repr      string   `json:"repr"`
	StateDict []string `json:"state_dict"`
	Input     struct {
		detSpec
		Grad []float64 `json:"grad"`
	} `json:"input"`
	Target struct {
		detSpec
		Classes int       `json:"classes"` // labels when non-zero
		Grad    []float64 `json:"grad"`
	} `json:"target"`
	Output struct {
		Shape  []int64   `json:"shape"`
		Values []float64 `json:"values"`
	} `json:"output"`
	GradOutput *detSpec `json:"grad_output"`
}

type layersFixture struct {
	TorchVersion string      `json:"torch_version"`
	Cases        []layerCase `json:"cases"`
	Losses       []lossCase  `json:"losses"`
}

func loadLayersFixture(t *testing.T) *layersFixture {
	t.Helper()
	var f layersFixture
	if err := parity.Decode(filepath.Join("testdata", "layers.json"), &f); err != nil {
		t.Fatalf("%v (run testdata/gen_layers.py)", err)
	}
	if len(f.Cases) == 0 || len(f.Losses) == 0 {
		t.Fatal("testdata/layers.json holds no case")
	}
	return &f
}

// layerArgs are a case's constructor arguments as PyTorch took them: an int or a list, a
// number or null. A builder takes each one it understands; an argument left over fails the case,
// so that gen_layers.py cannot add an option that the Go side silently ignores.
type layerArgs struct {
	raw  map[string]json.RawMessage
	used map[string]bool
	t    *testing.T
}

func (a *layerArgs) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &a.raw) }

// take decodes argument k into v and reports whether it was given.
func (a *layerArgs) take(k string, v any) bool {
	a.t.Helper()
	raw, ok := a.raw[k]
	if !ok {
		return false
	}
	if a.used == nil {
		a.used = map[string]bool{}
	}
	a.used[k] = true
	if err := json.Unmarshal(raw, v); err != nil {
		a.t.Fatalf("args.%s = %s: %v", k, raw, err)
	}
	return true
}

func (a *layerArgs) isList(k string) bool {
	raw, ok := a.raw[k]
	return ok && len(raw) > 0 && raw[0] == '['
}

func (a *layerArgs) isNull(k string) bool {
	raw, ok := a.raw[k]
	return ok && string(raw) == "null"
}

func (a *layerArgs) int(k string) int64 {
	a.t.Helper()
	var v int64
	if !a.take(k, &v) {
		a.t.Fatalf("args.%s missing", k)
	}
	return v
}

func (a *layerArgs) intp(k string) *int64 {
	var v *int64
	a.take(k, &v)
	return v
}

func (a *layerArgs) floatp(k string) *float64 {
	var v *float64
	a.take(k, &v)
	return v
}

func (a *layerArgs) boolp(k string) *bool {
	var v *bool
	a.take(k, &v)
	return v
}

func (a *layerArgs) flag(k string) bool { v := a.boolp(k); return v != nil && *v }

// off is an argument given as False, where PyTorch's default is True.
func (a *layerArgs) off(k string) bool { v := a.boolp(k); return v != nil && !*v }

func (a *layerArgs) str(k string) string {
	var v string
	a.take(k, &v)
	return v
}

// ints is an int as one element or a list; null elements (AdaptiveAvgPool2d's None) are -1.
func (a *layerArgs) ints(k string) []int64 {
	a.t.Helper()
	if !a.isList(k) {
		if _, ok := a.raw[k]; !ok {
			return nil
		}
		return []int64{a.int(k)}
	}
	var l []*int64
	a.take(k, &l)
	out := make([]int64, len(l))
	for i, v := range l {
		out[i] = -1
		if v != nil {
			out[i] = *v
		}
	}
	return out
}

// intOrPair is an argument PyTorch takes as an int (v) or an (h, w) tuple (hw).
func (a *layerArgs) intOrPair(k string) (v int64, hw [2]int64) {
	a.t.Helper()
	l := a.ints(k)
	switch {
	case a.isList(k) && len(l) == 2:
		return 0, [2]int64{l[0], l[1]}
	case a.isList(k):
		a.t.Fatalf("args.%s: %v is not a pair", k, l)
	case len(l) == 1:
		return l[0], hw
	}
	return 0, hw
}

func (a *layerArgs) floats(k string) []float64 {
	var l []float64
	if a.isList(k) {
		a.take(k, &l)
		return l
	}
	if v := a.floatp(k); v != nil {
		return []float64{*v}
	}
	return nil
}

// done fails the case for arguments no builder took.
func (a *layerArgs) done() {
	a.t.Helper()
	var left []string
	for k := range a.raw {
		if !a.used[k] {
			left = append(left, k)
		}
	}
	sort.Strings(left)
	if len(left) > 0 {
		a.t.Fatalf("arguments %v not passed to the Go layer", left)
	}
}

func buildLayer(t *testing.T, c *layerCase) Forwarder {
	t.Helper()
	a := &c.Args
	a.t = t
	var m Forwarder
	switch c.Type {
	case "BatchNorm1d", "BatchNorm2d":
		o := BatchNormOptions{Eps: a.floatp("eps"), NoAffine: a.off("affine"), NoTrackRunningStats: a.off("track_running_stats")}
		o.MomentumNone = a.isNull("momentum")
		o.Momentum = a.floatp("momentum")
		if c.Type == "BatchNorm1d" {
			m = NewBatchNorm1d(a.int("num_features"), o)
		} else {
			m = NewBatchNorm2d(a.int("num_features"), o)
		}
	case "GroupNorm":
		m = NewGroupNorm(a.int("num_groups"), a.int("num_channels"), GroupNormOptions{Eps: a.floatp("eps"), NoAffine: a.off("affine")})
	case "LayerNorm":
		m = NewLayerNorm(a.ints("normalized_shape"), LayerNormOptions{Eps: a.floatp("eps"), NoElementwiseAffine: a.off("elementwise_affine")})
	case "Embedding":
		o := EmbeddingOptions{PaddingIdx: a.intp("padding_idx"), MaxNorm: a.floatp("max_norm"), NormType: a.floatp("norm_type"),
			ScaleGradByFreq: a.flag("scale_grad_by_freq")}
		if p := c.Pretrained; p != nil {
			m = NewEmbeddingFromPretrained(p.tensor(), p.Freeze, o)
		} else {
			m = NewEmbedding(a.int("num_embeddings"), a.int("embedding_dim"), o)
		}
	case "Conv1d":
		o := Conv1dOptions{Stride: or(a.intp("stride"), 0), Dilation: or(a.intp("dilation"), 0), Groups: or(a.intp("groups"), 0),
			NoBias: a.off("bias"), PaddingMode: PaddingMode(a.str("padding_mode"))}
		if raw, ok := a.raw["padding"]; ok && raw[0] == '"' {
			o.PaddingString = PaddingString(a.str("padding"))
		} else {
			o.Padding = or(a.intp("padding"), 0)
		}
		m = NewConv1d(a.int("in_channels"), a.int("out_channels"), a.int("kernel_size"), o)
	case "AvgPool2d":
		var o AvgPool2dOptions
		var k int64
		k, o.KernelHW = a.intOrPair("kernel_size")
		o.Stride, o.StrideHW = a.intOrPair("stride")
		o.Padding, o.PaddingHW = a.intOrPair("padding")
		o.CeilMode, o.NoCountIncludePad, o.DivisorOverride = a.flag("ceil_mode"), a.off("count_include_pad"), a.intp("divisor_override")
		m = NewAvgPool2d(k, o)
	case "AdaptiveAvgPool2d":
		m = NewAdaptiveAvgPool2d(a.ints("output_size")...)
	case "MaxPool1d":
		m = NewMaxPool1d(a.int("kernel_size"), MaxPool1dOptions{Stride: or(a.intp("stride"), 0), Padding: or(a.intp("padding"), 0),
			Dilation: or(a.intp("dilation"), 0), CeilMode: a.flag("ceil_mode")})
		a.returnIndices(c)
	case "MaxPool2d":
		var o MaxPool2dOptions
		var k int64
		k, o.KernelHW = a.intOrPair("kernel_size")
		o.Stride, o.StrideHW = a.intOrPair("stride")
		o.Padding, o.PaddingHW = a.intOrPair("padding")
		o.Dilation, o.DilationHW = a.intOrPair("dilation")
		o.CeilMode = a.flag("ceil_mode")
		m = NewMaxPool2d(k, o)
		a.returnIndices(c)
	case "F.interpolate":
		o := F.InterpolateOptions{Size: a.ints("size"), ScaleFactor: a.floats("scale_factor"), Mode: F.InterpolateMode(a.str("mode")),
			AlignCorners: a.boolp("align_corners"), RecomputeScaleFactor: a.flag("recompute_scale_factor"), Antialias: a.flag("antialias")}
		m = bind(&functional{fn: func(x *torch.Tensor) *torch.Tensor { return F.Interpolate(x, o) }})
	case "Flatten":
		m = NewFlatten(FlattenOptions{StartDim: a.intp("start_dim"), EndDim: a.intp("end_dim")})
	case "Unflatten":
		m = NewUnflatten(a.int("dim"), a.ints("unflattened_size"))
	case "Identity":
		m = NewIdentity()
	case "Upsample":
		m = NewUpsample(UpsampleOptions{Size: a.ints("size"), ScaleFactor: a.floats("scale_factor"), Mode: UpsampleMode(a.str("mode")),
			AlignCorners: a.boolp("align_corners"), RecomputeScaleFactor: a.flag("recompute_scale_factor")})
	case "LeakyReLU":
		m = NewLeakyReLU(LeakyReLUOptions{NegativeSlope: a.floatp("negative_slope"), Inplace: a.flag("inplace")})
	case "Tanh":
		m = NewTanh()
	case "GELU":
		m = NewGELU(GELUOptions{Approximate: GELUApproximate(a.str("approximate"))})
	case "SiLU":
		m = NewSiLU(InplaceOptions{Inplace: a.flag("inplace")})
	case "ELU":
		m = NewELU(ELUOptions{Alpha: a.floatp("alpha"), Inplace: a.flag("inplace")})
	case "Softmax":
		m = NewSoftmax(a.int("dim"))
	case "LogSoftmax":
		m = NewLogSoftmax(a.int("dim"))
	default:
		t.Fatalf("no Go layer for %s", c.Type)
	}
	a.done()
	if err := m.base().Err(); err != nil {
		t.Fatalf("construction: %v", err)
	}
	return m
}

// returnIndices takes return_indices, which the Go layers spell as ForwardWithIndices: the case
// must then have recorded the indices, and only then.
func (a *layerArgs) returnIndices(c *layerCase) {
	a.t.Helper()
	if a.flag("return_indices") != (c.Output.Indices != nil) {
		a.t.Fatalf("return_indices=%v but the case has %d indices", a.flag("return_indices"), len(c.Output.Indices))
	}
}

// functional is an nn.functional function with fixed arguments as a layer, as gen_layers.py's
// Functional is (no parameters, no repr).
type functional struct {
	Base
	fn func(*torch.Tensor) *torch.Tensor
}

func (m *functional) Forward(x *torch.Tensor) *torch.Tensor { return m.fn(x) }
func (m *functional) String() string                        { return "" }

// compareState checks a state_dict against recorded values: names, shapes and values within tol
// (int64 buffers exactly).
func compareState(t *testing.T, what string, m Module, want []stateEntry, tol parity.Tol) {
	t.Helper()
	sd := m.base().StateDict()
	if len(sd) != len(want) {
		t.Fatalf("%s: %d state_dict entries, PyTorch %d", what, len(sd), len(want))
	}
	for i, w := range want {
		nt := sd[i]
		if nt.Name != w.Name || !sameShape(nt.Tensor.Shape(), w.Shape) {
			t.Fatalf("%s: entry %d is %s %v, PyTorch %s %v", what, i, nt.Name, nt.Tensor.Shape(), w.Name, w.Shape)
		}
		if nt.Tensor.DType() == torch.Int64 {
			got, err := nt.Tensor.Int64s()
			if err != nil {
				t.Fatal(err)
			}
			for j := range got {
				if float64(got[j]) != w.Values[j] {
					t.Errorf("%s: %s = %v, PyTorch %v", what, w.Name, got, w.Values)
					break
				}
			}
			continue
		}
		if err := parity.Compare(float32s(t, nt.Tensor), w.Values, tol); err != nil {
			t.Errorf("%s: %s: %v", what, w.Name, err)
		}
	}
}

// TestFeedForwardLayersMatchPyTorch runs every case of layers.json: repr, state_dict keys and the
// default init after torch.manual_seed, then with det parameters (and BatchNorm's warmup batches)
// the output, the gradients of sum(out*w) with respect to input and parameters, and the
// state_dict after the forward (running statistics, an Embedding renormalised by max_norm).
func TestFeedForwardLayersMatchPyTorch(t *testing.T) {
	f := loadLayersFixture(t)
	for i := range f.Cases {
		c := &f.Cases[i]
		t.Run(c.Name, func(t *testing.T) {
			before := torch.LiveTensors()
			runLayerCase(t, c)
			if after := torch.LiveTensors(); after != before {
				t.Errorf("%d live tensors after the case, %d before", after, before)
			}
		})
	}
}

func runLayerCase(t *testing.T, c *layerCase) {
	if err := torch.ManualSeed(c.ManualSeed); err != nil {
		t.Fatal(err)
	}
	m := buildLayer(t, c)
	defer m.base().Drop()
	if got := m.(interface{ String() string }).String(); got != c.Repr {
		t.Errorf("repr %q, PyTorch %q", got, c.Repr)
	}
	var keys []string
	for _, nt := range m.base().StateDict() {
		keys = append(keys, nt.Name)
	}
	if !equalStrings(keys, c.StateDict) {
		t.Fatalf("state_dict keys %v, PyTorch %v", keys, c.StateDict)
	}
	compareState(t, "default init", m, c.Init, parity.Tol{})

	named := m.base().NamedParameters()
	if len(named) != len(c.ParamGrads) {
		t.Fatalf("%d parameters, PyTorch %d", len(named), len(c.ParamGrads))
	}
	if c.Pretrained != nil {
		if got := named[0].Tensor.RequiresGrad(); got == c.Pretrained.Freeze {
			t.Errorf("weight.requires_grad %v with freeze=%v", got, c.Pretrained.Freeze)
		}
	} else {
		if len(c.Params) != len(named) {
			t.Fatalf("%d parameters, PyTorch %d", len(named), len(c.Params))
		}
		for i, p := range c.Params {
			if named[i].Name != p.Name {
				t.Fatalf("parameter %d is %q, PyTorch %q", i, named[i].Name, p.Name)
			}
			v := p.tensor()
			torch.NoGrad(func() { named[i].Tensor.Copy_(v) })
			v.Drop()
			if err := named[i].Tensor.Err(); err != nil {
				t.Fatal(err)
			}
		}
	}

	s := torch.NewScope()
	defer s.Close()
	if len(c.Warmup) > 0 {
		m.base().Train(true)
		for _, w := range c.Warmup {
			torch.NoGrad(func() {
				if err := m.Forward(s.Attach(w.tensor())).Err(); err != nil {
					t.Fatalf("warmup: %v", err)
				}
			})
		}
	}
	m.base().Train(c.Training)
	var x, out *torch.Tensor
	if c.Indices != nil {
		out = m.Forward(s.Attach(c.Indices.tensor()))
	} else {
		x = s.Attach(c.Input.tensor()).SetRequiresGrad(true)
		in := x
		if c.CloneInput {
			in = x.Clone()
		}
		if c.Output.Indices != nil {
			var idx *torch.Tensor
			out, idx = m.(interface {
				ForwardWithIndices(*torch.Tensor) (*torch.Tensor, *torch.Tensor)
			}).ForwardWithIndices(in)
			compareIndices(t, s.Attach(idx), c.Output.Shape, c.Output.Indices)
		} else {
			out = m.Forward(in)
		}
	}
	if err := out.Err(); err != nil {
		t.Fatalf("forward: %v", err)
	}
	s.Attach(out)
	if !sameShape(out.Shape(), c.Output.Shape) {
		t.Fatalf("output shape %v, PyTorch %v", out.Shape(), c.Output.Shape)
	}
	if err := parity.Compare(float32s(t, out), c.Output.Values, forwardTol); err != nil {
		t.Errorf("forward: %v", err)
	}
	if out.RequiresGrad() {
		if err := out.Mul(s.Attach(c.Output.Weight.tensor())).Sum().Backward(); err != nil {
			t.Fatal(err)
		}
	}
	if x != nil {
		compareGrad(t, "input", s.Attach(x.Grad()), seqGrad{Values: c.Input.Grad})
	}
	for i, want := range c.ParamGrads {
		g := s.Attach(named[i].Tensor.Grad())
		if want == nil {
			if g != nil {
				t.Errorf("%s: a gradient, PyTorch none", named[i].Name)
			}
			continue
		}
		compareGrad(t, named[i].Name, g, seqGrad{Values: want})
	}
	if c.StateAfter != nil {
		compareState(t, "after forward", m, c.StateAfter, gradTol)
	}
}

// compareIndices checks return_indices' int64 indices exactly.
func compareIndices(t *testing.T, idx *torch.Tensor, shape []int64, want []int64) {
	t.Helper()
	if idx.DType() != torch.Int64 || !sameShape(idx.Shape(), shape) {
		t.Fatalf("indices %v %v, PyTorch int64 %v", idx.DType(), idx.Shape(), shape)
	}
	got, err := idx.Int64s()
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("indices %v, PyTorch %v", got, want)
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

type lossForwarder interface {
	Module
	Forward(input, target *torch.Tensor) *torch.Tensor
}

func buildLoss(t *testing.T, c *lossCase) lossForwarder {
	t.Helper()
	a := c.Args
	weight := func(d *detSpec) *torch.Tensor { // the loss owns it: Drop frees it
		if d == nil {
			return nil
		}
		return d.tensor()
	}
	used := map[string]bool{"reduction": true}
	var l lossForwarder
	switch c.Type {
	case "L1Loss":
		l = NewL1Loss(L1LossOptions{Reduction: a.Reduction})
	case "SmoothL1Loss":
		l, used["beta"] = NewSmoothL1Loss(SmoothL1LossOptions{Reduction: a.Reduction, Beta: a.Beta}), true
	case "HuberLoss":
		l, used["delta"] = NewHuberLoss(HuberLossOptions{Reduction: a.Reduction, Delta: a.Delta}), true
	case "NLLLoss":
		l = NewNLLLoss(NLLLossOptions{Weight: weight(a.Weight), IgnoreIndex: a.IgnoreIndex, Reduction: a.Reduction})
		used["weight"], used["ignore_index"] = true, true
	case "BCELoss":
		l, used["weight"] = NewBCELoss(BCELossOptions{Weight: weight(a.Weight), Reduction: a.Reduction}), true
	case "BCEWithLogitsLoss":
		l = NewBCEWithLogitsLoss(BCEWithLogitsLossOptions{Weight: weight(a.Weight), PosWeight: weight(a.PosWeight), Reduction: a.Reduction})
		used["weight"], used["pos_weight"] = true, true
	case "KLDivLoss":
		l, used["log_target"] = NewKLDivLoss(KLDivLossOptions{Reduction: a.Reduction, LogTarget: a.LogTarget}), true
	default:
		t.Fatalf("no Go loss for %s", c.Type)
	}
	given := map[string]bool{"beta": a.Beta != nil, "delta": a.Delta != nil, "log_target": a.LogTarget,
		"ignore_index": a.IgnoreIndex != nil, "weight": a.Weight != nil, "pos_weight": a.PosWeight != nil}
	for k, g := range given {
		if g && !used[k] {
			t.Fatalf("argument %s not passed to the Go loss", k)
		}
	}
	if err := l.base().Err(); err != nil {
		t.Fatalf("construction: %v", err)
	}
	return l
}

// TestFeedForwardLossesMatchPyTorch runs every loss of layers.json under its reduction and
// options: repr, state_dict keys (the weight buffers), the output and the gradients with respect to
// input and (a float) target.
func TestFeedForwardLossesMatchPyTorch(t *testing.T) {
	f := loadLayersFixture(t)
	for i := range f.Losses {
		c := &f.Losses[i]
		t.Run(c.Name, func(t *testing.T) {
			before := torch.LiveTensors()
			runLossCase(t, c)
			if after := torch.LiveTensors(); after != before {
				t.Errorf("%d live tensors after the case, %d before", after, before)
			}
		})
	}
}

func runLossCase(t *testing.T, c *lossCase) {
	l := buildLoss(t, c)
	defer l.base().Drop()
	if got := l.(interface{ String() string }).String(); got != c.Repr {
		t.Errorf("repr %q, PyTorch %q", got, c.Repr)
	}
	var keys []string
	for _, nt := range l.base().StateDict() {
		keys = append(keys, nt.Name)
	}
	if !equalStrings(keys, c.StateDict) {
		t.Errorf("state_dict keys %v, PyTorch %v", keys, c.StateDict)
	}
	s := torch.NewScope()
	defer s.Close()
	x := s.Attach(c.Input.tensor()).SetRequiresGrad(true)
	var y *torch.Tensor
	if c.Target.Classes != 0 {
		y = s.Attach(labelSpec{Shape: c.Target.Shape, Seed: int(c.Target.Seed), Classes: c.Target.Classes}.tensor())
	} else {
		y = s.Attach(c.Target.tensor()).SetRequiresGrad(true)
	}
	out := l.Forward(x, y)
	if err := out.Err(); err != nil {
		t.Fatalf("forward: %v", err)
	}
	s.Attach(out)
	if !sameShape(out.Shape(), c.Output.Shape) {
		t.Fatalf("output shape %v, PyTorch %v", out.Shape(), c.Output.Shape)
	}
	if err := parity.Compare(float32s(t, out), c.Output.Values, forwardTol); err != nil {
		t.Errorf("forward: %v", err)
	}
	loss := out
	if c.GradOutput != nil {
		loss = out.Mul(s.Attach(c.GradOutput.tensor())).Sum()
	}
	if err := loss.Backward(); err != nil {
		t.Fatal(err)
	}
	compareGrad(t, "input", s.Attach(x.Grad()), seqGrad{Values: c.Input.Grad})
	if c.Target.Classes == 0 {
		compareGrad(t, "target", s.Attach(y.Grad()), seqGrad{Values: c.Target.Grad})
	}
}

// TestFeedForwardFixtureCoversEveryLayer guards against a gen_layers.py that silently drops a
// layer or a loss.
func TestFeedForwardFixtureCoversEveryLayer(t *testing.T) {
	f := loadLayersFixture(t)
	count := map[string]int{}
	for _, c := range f.Cases {
		count[c.Type]++
	}
	for _, c := range f.Losses {
		count[c.Type]++
	}
	for _, k := range []string{"BatchNorm1d", "BatchNorm2d", "GroupNorm", "LayerNorm", "Embedding", "Conv1d", "AvgPool2d",
		"AdaptiveAvgPool2d", "MaxPool1d", "MaxPool2d", "F.interpolate", "Flatten", "Unflatten", "Identity", "Upsample", "LeakyReLU", "Tanh", "GELU", "SiLU",
		"ELU", "Softmax", "LogSoftmax", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "L1Loss", "SmoothL1Loss", "HuberLoss",
		"KLDivLoss"} {
		if count[k] == 0 {
			t.Errorf("no %s case in layers.json", k)
		}
	}
}
