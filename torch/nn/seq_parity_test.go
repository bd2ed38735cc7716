package nn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/testing/parity"
)

// The recurrent and attention layers against PyTorch 1.13: testdata/rnn.json, written by
// testdata/gen_rnn.py (its docstring is the schema). Tolerances are parity_test.go's: forward
// within 1e-5, gradients within 1e-5 absolute plus 1e-5 relative.

type seqFixture struct {
	TorchVersion string     `json:"torch_version"`
	Cases        []seqCase  `json:"cases"`
	Init         []seqInitC `json:"init"`
}

type seqArgs struct {
	// RNN, LSTM, GRU and the cells
	InputSize     int64   `json:"input_size"`
	HiddenSize    int64   `json:"hidden_size"`
	NumLayers     int64   `json:"num_layers"`
	Bias          *bool   `json:"bias"`
	BatchFirst    bool    `json:"batch_first"`
	Dropout       float64 `json:"dropout"`
	Bidirectional bool    `json:"bidirectional"`
	ProjSize      int64   `json:"proj_size"`
	Nonlinearity  string  `json:"nonlinearity"`
	// MultiheadAttention
	EmbedDim    int64 `json:"embed_dim"`
	NumHeads    int64 `json:"num_heads"`
	KDim        int64 `json:"kdim"`
	VDim        int64 `json:"vdim"`
	AddBiasKV   bool  `json:"add_bias_kv"`
	AddZeroAttn bool  `json:"add_zero_attn"`
	// TransformerEncoderLayer and TransformerEncoder
	DModel         int64    `json:"d_model"`
	NHead          int64    `json:"nhead"`
	DimFeedforward int64    `json:"dim_feedforward"`
	DropoutPtr     *float64 `json:"-"`
	Activation     string   `json:"activation"`
	LayerNormEps   float64  `json:"layer_norm_eps"`
	NormFirst      bool     `json:"norm_first"`
	Layer          *seqArgs `json:"layer"`
	Norm           *struct {
		NormalizedShape int64   `json:"normalized_shape"`
		Eps             float64 `json:"eps"`
	} `json:"norm"`
	raw map[string]json.RawMessage
}

// UnmarshalJSON keeps which keys were given, since a zero dropout and an absent one differ for
// TransformerEncoderLayer (whose default is 0.1).
func (a *seqArgs) UnmarshalJSON(b []byte) error {
	type plain seqArgs
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode((*plain)(a)); err != nil {
		return err
	}
	if err := json.Unmarshal(b, &a.raw); err != nil {
		return err
	}
	if _, ok := a.raw["dropout"]; ok {
		d := a.Dropout
		a.DropoutPtr = &d
	}
	return nil
}

func (a *seqArgs) bias() bool { return a.Bias == nil || *a.Bias }

type seqInput struct {
	Name   string `json:"name"`
	SameAs string `json:"same_as"`
	parity.DetTensor
	Grad []float64 `json:"grad"`
}

type seqMask struct {
	Name   string    `json:"name"`
	Shape  []int64   `json:"shape"`
	DType  string    `json:"dtype"`
	Values []float64 `json:"values"`
}

type seqOutput struct {
	Name   string           `json:"name"`
	None   bool             `json:"none"`
	Shape  []int64          `json:"shape"`
	Values []float64        `json:"values"`
	Weight parity.DetTensor `json:"weight"`
}

type seqGrad struct {
	Values []float64 `json:"values"`
	Sum    float64   `json:"sum"`
	SumAbs float64   `json:"sum_abs"`
	SumSq  float64   `json:"sum_sq"`
	AbsMax float64   `json:"abs_max"`
	First  []float64 `json:"first"`
}

type seqParam struct {
	Name string `json:"name"`
	parity.DetTensor
}

type seqCall struct {
	NeedWeights        *bool `json:"need_weights"`
	AverageAttnWeights *bool `json:"average_attn_weights"`
}

type seqCase struct {
	Name       string      `json:"name"`
	Type       string      `json:"type"`
	Args       seqArgs     `json:"args"`
	Training   bool        `json:"training"`
	Repr       string      `json:"repr"`
	Params     []seqParam  `json:"params"`
	Inputs     []seqInput  `json:"inputs"`
	Masks      []seqMask   `json:"masks"`
	Call       seqCall     `json:"call"`
	ManualSeed *uint64     `json:"manual_seed"`
	NoGrad     bool        `json:"no_grad"`
	Outputs    []seqOutput `json:"outputs"`
	ParamGrads []seqGrad   `json:"param_grads"`
	// DrawsVersionDependent says why the values depend on how the libtorch version draws dropout.
	DrawsVersionDependent string `json:"draws_version_dependent"`
	// NestedOutputLength is what TransformerEncoder's nested-tensor path padded the output to:
	// "longest" (1.13) or "src" (2.1 on); see nestedOutputFor.
	NestedOutputLength string `json:"nested_output_length"`
}

type seqInitC struct {
	Type   string  `json:"type"`
	Args   seqArgs `json:"args"`
	Seed   uint64  `json:"seed"`
	Repr   string  `json:"repr"`
	Params []struct {
		Name   string    `json:"name"`
		Shape  []int64   `json:"shape"`
		First  []float64 `json:"first"`
		Sum    float64   `json:"sum"`
		SumAbs float64   `json:"sum_abs"`
	} `json:"params"`
}

func loadSeqFixture(t *testing.T) *seqFixture {
	t.Helper()
	var f seqFixture
	if err := parity.Decode(filepath.Join("testdata", "rnn.json"), &f); err != nil {
		t.Fatalf("%v (run testdata/gen_rnn.py)", err)
	}
	return &f
}

// seqModule is a layer under test: its registry, and its forward over named inputs and masks,
// returning the outputs in the order gen_rnn.py lists them (nil for PyTorch's None).
type seqModule struct {
	base    *Base
	str     fmt.Stringer
	forward func(in map[string]*torch.Tensor, masks map[string]*torch.Tensor, call seqCall) []*torch.Tensor
}

func buildSeq(t *testing.T, kind string, a seqArgs) seqModule {
	t.Helper()
	switch kind {
	case "RNN":
		m := NewRNN(a.InputSize, a.HiddenSize, RNNOptions{NumLayers: a.NumLayers, Nonlinearity: Nonlinearity(a.Nonlinearity),
			NoBias: !a.bias(), BatchFirst: a.BatchFirst, Dropout: a.Dropout, Bidirectional: a.Bidirectional})
		return seqModule{&m.Base, m, func(in, _ map[string]*torch.Tensor, _ seqCall) []*torch.Tensor {
			var out, hn *torch.Tensor
			if h0, ok := in["h0"]; ok {
				out, hn = m.Forward(in["input"], h0)
			} else {
				out, hn = m.Forward(in["input"])
			}
			return []*torch.Tensor{out, hn}
		}}
	case "GRU":
		m := NewGRU(a.InputSize, a.HiddenSize, GRUOptions{NumLayers: a.NumLayers,
			NoBias: !a.bias(), BatchFirst: a.BatchFirst, Dropout: a.Dropout, Bidirectional: a.Bidirectional})
		return seqModule{&m.Base, m, func(in, _ map[string]*torch.Tensor, _ seqCall) []*torch.Tensor {
			var out, hn *torch.Tensor
			if h0, ok := in["h0"]; ok {
				out, hn = m.Forward(in["input"], h0)
			} else {
				out, hn = m.Forward(in["input"])
			}
			return []*torch.Tensor{out, hn}
		}}
	case "LSTM":
		m := NewLSTM(a.InputSize, a.HiddenSize, LSTMOptions{NumLayers: a.NumLayers, ProjSize: a.ProjSize,
			NoBias: !a.bias(), BatchFirst: a.BatchFirst, Dropout: a.Dropout, Bidirectional: a.Bidirectional})
		return seqModule{&m.Base, m, func(in, _ map[string]*torch.Tensor, _ seqCall) []*torch.Tensor {
			var out *torch.Tensor
			var s LSTMState
			if h0, ok := in["h0"]; ok {
				out, s = m.Forward(in["input"], LSTMState{h0, in["c0"]})
			} else {
				out, s = m.Forward(in["input"])
			}
			return []*torch.Tensor{out, s.H, s.C}
		}}
	case "RNNCell":
		m := NewRNNCell(a.InputSize, a.HiddenSize, RNNCellOptions{NoBias: !a.bias(), Nonlinearity: Nonlinearity(a.Nonlinearity)})
		return seqModule{&m.Base, m, func(in, _ map[string]*torch.Tensor, _ seqCall) []*torch.Tensor {
			if h0, ok := in["h0"]; ok {
				return []*torch.Tensor{m.Forward(in["input"], h0)}
			}
			return []*torch.Tensor{m.Forward(in["input"])}
		}}
	case "GRUCell":
		m := NewGRUCell(a.InputSize, a.HiddenSize, RNNCellOptions{NoBias: !a.bias()})
		return seqModule{&m.Base, m, func(in, _ map[string]*torch.Tensor, _ seqCall) []*torch.Tensor {
			if h0, ok := in["h0"]; ok {
				return []*torch.Tensor{m.Forward(in["input"], h0)}
			}
			return []*torch.Tensor{m.Forward(in["input"])}
		}}
	case "LSTMCell":
		m := NewLSTMCell(a.InputSize, a.HiddenSize, RNNCellOptions{NoBias: !a.bias()})
		return seqModule{&m.Base, m, func(in, _ map[string]*torch.Tensor, _ seqCall) []*torch.Tensor {
			var s LSTMState
			if h0, ok := in["h0"]; ok {
				s = m.Forward(in["input"], LSTMState{h0, in["c0"]})
			} else {
				s = m.Forward(in["input"])
			}
			return []*torch.Tensor{s.H, s.C}
		}}
	}
	if m, ok := buildAttention(t, kind, a); ok {
		return m
	}
	t.Fatalf("no Go layer for %s", kind)
	return seqModule{}
}

func makeMask(t *testing.T, m seqMask) *torch.Tensor {
	t.Helper()
	if m.DType == "bool" {
		v := make([]bool, len(m.Values))
		for i, x := range m.Values {
			v[i] = x != 0
		}
		return torch.FromSlice(v, m.Shape...)
	}
	v := make([]float32, len(m.Values))
	for i, x := range m.Values {
		v[i] = float32(x)
	}
	return torch.FromSlice(v, m.Shape...)
}

func compareGrad(t *testing.T, name string, g *torch.Tensor, want seqGrad) {
	t.Helper()
	if g == nil {
		t.Errorf("%s: no gradient", name)
		return
	}
	got := float32s(t, g)
	if want.Values != nil {
		if err := parity.Compare(got, want.Values, gradTol); err != nil {
			t.Errorf("grad of %s: %v", name, err)
		}
		return
	}
	s := parity.Summarize(name, got)
	if math.Abs(s.Sum-want.Sum) > 1e-5*want.SumAbs {
		t.Errorf("grad of %s: sum %g, PyTorch %g (sum_abs %g)", name, s.Sum, want.Sum, want.SumAbs)
	}
	if math.Abs(s.SumSq-want.SumSq) > 1e-5*want.SumSq {
		t.Errorf("grad of %s: sum of squares %g, PyTorch %g", name, s.SumSq, want.SumSq)
	}
	if err := parity.Compare(s.First, want.First, parity.Tol{Abs: 1e-5 * want.AbsMax}); err != nil {
		t.Errorf("grad of %s: first values: %v", name, err)
	}
}

func TestSequenceLayersMatchPyTorch(t *testing.T) {
	f := loadSeqFixture(t)
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			before := torch.LiveTensors()
			runSeqCase(t, c, f.TorchVersion)
			if after := torch.LiveTensors(); after != before {
				t.Errorf("%d live tensors after the case, %d before", after, before)
			}
		})
	}
}

// runSeqCase runs one case. A case whose draws depend on the version (gen_rnn.py's DRAWS) has its
// values compared only under the release of libtorch that wrote the fixture (1.13); under
// another it runs forward and backward, checks the shapes and is skipped, saying why.
func runSeqCase(t *testing.T, c seqCase, fixtureVersion string) {
	values := c.DrawsVersionDependent == "" || sameRelease(torch.Version(), fixtureVersion)
	c.Outputs = nestedOutputFor(c)
	m := buildSeq(t, c.Type, c.Args)
	defer m.base.Drop()
	m.base.Train(c.Training)
	if got := m.str.String(); got != c.Repr {
		t.Errorf("repr\n%s\nPyTorch\n%s", got, c.Repr)
	}
	named := m.base.NamedParameters()
	if len(named) != len(c.Params) {
		t.Fatalf("%d parameters %v, PyTorch %d", len(named), named, len(c.Params))
	}
	for i, p := range c.Params {
		if named[i].Name != p.Name || !sameShape(named[i].Tensor.Shape(), p.Shape) {
			t.Fatalf("parameter %d is %s %v, PyTorch %s %v", i, named[i].Name, named[i].Tensor.Shape(), p.Name, p.Shape)
		}
		setParam(t, named[i].Tensor, p.DetTensor)
	}
	s := torch.NewScope()
	defer s.Close()
	in := map[string]*torch.Tensor{}
	for _, x := range c.Inputs {
		if x.SameAs != "" {
			in[x.Name] = in[x.SameAs]
			continue
		}
		in[x.Name] = s.Attach(det(x.DetTensor)).SetRequiresGrad(!c.NoGrad)
	}
	masks := map[string]*torch.Tensor{}
	for _, mk := range c.Masks {
		masks[mk.Name] = s.Attach(makeMask(t, mk))
	}
	var outs []*torch.Tensor
	fwd := func() {
		if c.ManualSeed != nil {
			if err := torch.ManualSeed(*c.ManualSeed); err != nil {
				t.Fatal(err)
			}
		}
		outs = m.forward(in, masks, c.Call)
	}
	if c.NoGrad {
		torch.NoGrad(fwd)
	} else {
		fwd()
	}
	if len(outs) != len(c.Outputs) {
		t.Fatalf("%d outputs, PyTorch %d", len(outs), len(c.Outputs))
	}
	var loss *torch.Tensor
	for i, want := range c.Outputs {
		got := outs[i]
		if want.None {
			if got != nil {
				t.Errorf("%s: got a tensor, PyTorch None", want.Name)
			}
			continue
		}
		if got == nil {
			t.Fatalf("%s: nil, PyTorch %v", want.Name, want.Shape)
		}
		got = s.Attach(got)
		if err := got.Err(); err != nil {
			t.Fatalf("%s: %v", want.Name, err)
		}
		if !sameShape(got.Shape(), want.Shape) {
			t.Fatalf("%s: shape %v, PyTorch %v", want.Name, got.Shape(), want.Shape)
		}
		if values {
			if err := parity.Compare(float32s(t, got), want.Values, forwardTol); err != nil {
				t.Errorf("%s: %v", want.Name, err)
			}
		}
		term := got.Mul(s.Attach(det(want.Weight))).Sum()
		if loss == nil {
			loss = term
		} else {
			loss = loss.Add(term)
		}
	}
	if c.NoGrad {
		return
	}
	if err := loss.Backward(); err != nil {
		t.Fatal(err)
	}
	if !values {
		t.Skipf("values not compared under libtorch %s (rnn.json is from %s): %s", torch.Version(), fixtureVersion,
			c.DrawsVersionDependent)
	}
	for _, x := range c.Inputs {
		if x.SameAs == "" {
			compareGrad(t, x.Name, s.Attach(in[x.Name].Grad()), seqGrad{Values: x.Grad})
		}
	}
	for i, want := range c.ParamGrads {
		g := named[i].Tensor.Grad()
		if g == nil && allZero(want) {
			continue // PyTorch's grad was None (recorded as zeros): the parameter took no part
		}
		compareGrad(t, named[i].Name, s.Attach(g), want)
	}
}

// nestedOutputFor is gen_rnn.py's adjust: the outputs of a case whose nested-tensor output was
// padded under another libtorch's rule, turned into this one's (padded with zeros to src's length
// from 2.1 on, cut to the longest sequence before).
func nestedOutputFor(c seqCase) []seqOutput {
	here := "longest"
	if torch.VersionAtLeast(2, 1) {
		here = "src"
	}
	if c.NestedOutputLength == "" || c.NestedOutputLength == here {
		return c.Outputs
	}
	out, src, mask := c.Outputs[0], c.Inputs[0].Shape, c.Masks[0].Values
	n, length, e := out.Shape[0], out.Shape[1], out.Shape[2]
	to := src[1]
	if here == "longest" {
		to = 0
		for i := int64(0); i < n; i++ {
			kept := int64(0)
			for k := int64(0); k < src[1]; k++ {
				if mask[i*src[1]+k] == 0 {
					kept++
				}
			}
			to = max(to, kept)
		}
	}
	values := make([]float64, 0, n*to*e)
	for i := int64(0); i < n; i++ {
		rows := out.Values[i*length*e : (i+1)*length*e]
		values = append(values, rows[:min(length, to)*e]...)
		values = append(values, make([]float64, max(to-length, 0)*e)...)
	}
	out.Shape, out.Values = []int64{n, to, e}, values
	out.Weight.Shape = []int64{n, to, e}
	return append([]seqOutput{out}, c.Outputs[1:]...)
}

// sameRelease reports whether two torch versions ("1.13.0a0", "1.13.1") share major and minor.
func sameRelease(a, b string) bool {
	release := func(v string) string {
		parts := strings.SplitN(v, ".", 3)
		if len(parts) < 2 {
			return v
		}
		return parts[0] + "." + parts[1]
	}
	return release(a) == release(b)
}

func allZero(g seqGrad) bool {
	for _, v := range g.Values {
		if v != 0 {
			return false
		}
	}
	return g.Values != nil || (g.SumAbs == 0)
}

// TestSequenceInitMatchesPyTorch checks the default initialisation after torch.manual_seed: the same
// generator drawn in the same order gives PyTorch's first values exactly and its sums.
func TestSequenceInitMatchesPyTorch(t *testing.T) {
	f := loadSeqFixture(t)
	for _, c := range f.Init {
		t.Run(c.Repr, func(t *testing.T) {
			if err := torch.ManualSeed(c.Seed); err != nil {
				t.Fatal(err)
			}
			m := buildSeq(t, c.Type, c.Args)
			defer m.base.Drop()
			if got := m.str.String(); got != c.Repr {
				t.Errorf("repr\n%s\nPyTorch\n%s", got, c.Repr)
			}
			sd := m.base.StateDict()
			var names []string
			for _, nt := range sd {
				names = append(names, nt.Name)
			}
			if len(sd) != len(c.Params) {
				t.Fatalf("state_dict keys %v, PyTorch %d keys", names, len(c.Params))
			}
			for i, want := range c.Params {
				if sd[i].Name != want.Name || !sameShape(sd[i].Tensor.Shape(), want.Shape) {
					t.Fatalf("state_dict key %d: %s %v, PyTorch %s %v", i, sd[i].Name, sd[i].Tensor.Shape(), want.Name, want.Shape)
				}
				v := float32s(t, sd[i].Tensor)
				if err := parity.Compare(v[:len(want.First)], want.First, parity.Tol{}); err != nil {
					t.Errorf("%s: %v", want.Name, err)
				}
				if s := parity.Summarize(want.Name, v); math.Abs(s.Sum-want.Sum) > 1e-6*want.SumAbs {
					t.Errorf("%s: sum %g, PyTorch %g", want.Name, s.Sum, want.Sum)
				}
			}
		})
	}
}

// TestSequenceFixtureCoversEveryLayer guards against a gen_rnn.py that silently drops a layer.
func TestSequenceFixtureCoversEveryLayer(t *testing.T) {
	f := loadSeqFixture(t)
	count := map[string]int{}
	for _, c := range f.Cases {
		count[c.Type]++
	}
	var kinds []string
	for k := range count {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range []string{"RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "MultiheadAttention", "TransformerEncoderLayer", "TransformerEncoder"} {
		if count[k] == 0 {
			t.Errorf("no %s case in rnn.json (have %v)", k, kinds)
		}
	}
}

// TestNestedOutputFor checks the conversion between the two padding rules on a small case, in the
// direction this libtorch needs.
func TestNestedOutputFor(t *testing.T) {
	// src (1, 3, 2) with its last position padded: 1.13 outputs (1, 2, 2), 2.1 on (1, 3, 2).
	c := seqCase{Inputs: []seqInput{{DetTensor: parity.DetTensor{Shape: []int64{1, 3, 2}}}},
		Masks: []seqMask{{Values: []float64{0, 0, 1}}}}
	long := seqOutput{Shape: []int64{1, 2, 2}, Values: []float64{1, 2, 3, 4}, Weight: parity.DetTensor{Shape: []int64{1, 2, 2}}}
	src := seqOutput{Shape: []int64{1, 3, 2}, Values: []float64{1, 2, 3, 4, 0, 0}, Weight: parity.DetTensor{Shape: []int64{1, 3, 2}}}
	want := long
	c.NestedOutputLength, c.Outputs = "src", []seqOutput{src}
	if torch.VersionAtLeast(2, 1) {
		c.NestedOutputLength, c.Outputs, want = "longest", []seqOutput{long}, src
	}
	got := nestedOutputFor(c)[0]
	if fmt.Sprint(got.Shape, got.Values, got.Weight.Shape) != fmt.Sprint(want.Shape, want.Values, want.Weight.Shape) {
		t.Errorf("got %v %v %v, want %v %v %v", got.Shape, got.Values, got.Weight.Shape, want.Shape, want.Values, want.Weight.Shape)
	}
}
