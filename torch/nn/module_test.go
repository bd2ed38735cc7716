package nn

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/torch"
)

// leaf and net are the test's modules: a parameter, a persistent and a transient buffer in each
// leaf; a parent parameter and buffer registered after a child; a child registered twice.
type leaf struct{ Base }

func newLeaf() *leaf {
	l := &leaf{}
	l.RegisterParameter("w", torch.Zeros([]int64{2}).SetRequiresGrad(true))
	l.RegisterBuffer("stat", torch.Zeros([]int64{2}))
	l.RegisterBuffer("tmp", torch.Zeros([]int64{1}), false)
	return l
}

func (l *leaf) Forward(x *torch.Tensor) *torch.Tensor { return x }

type net struct {
	Base
	A   *leaf
	Seq *Sequential
}

func newNet() *net {
	m := &net{}
	m.A = Register(m, "a", newLeaf())
	m.RegisterParameter("p", torch.Zeros([]int64{1}).SetRequiresGrad(true))
	m.Seq = Register(m, "seq", NewSequential(NewLinear(2, 3), newLeaf()))
	m.RegisterBuffer("b", torch.Zeros([]int64{1}))
	Register(m, "again", m.A)
	return m
}

func names(nts []NamedTensor) []string {
	var out []string
	for _, nt := range nts {
		out = append(out, nt.Name)
	}
	return out
}

// TestModuleRegistry checks the orders PyTorch 1.13 gives for the same module tree (printed by
// the Python twin of newNet in torch/nn/testdata/gen.py's module case).
func TestModuleRegistry(t *testing.T) {
	m := newNet()
	defer m.Drop()
	if err := m.Err(); err != nil {
		t.Fatal(err)
	}
	var mods []string
	for _, nm := range m.NamedModules() {
		mods = append(mods, nm.Name)
	}
	var applied []string
	m.Apply(func(x Module) { applied = append(applied, typeName(x)) })
	for _, c := range []struct {
		what      string
		got, want []string
	}{
		{"state_dict", names(m.StateDict()), []string{"p", "b", "a.w", "a.stat", "seq.0.weight", "seq.0.bias", "seq.1.w", "seq.1.stat", "again.w", "again.stat"}},
		{"named_modules", mods, []string{"", "a", "seq", "seq.0", "seq.1"}},
		{"named_parameters", names(m.NamedParameters()), []string{"p", "a.w", "seq.0.weight", "seq.0.bias", "seq.1.w"}},
		{"named_buffers", names(m.NamedBuffers()), []string{"b", "a.stat", "a.tmp", "seq.1.stat", "seq.1.tmp"}},
		{"apply", applied, []string{"leaf", "Linear", "leaf", "Sequential", "net"}},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: %q, PyTorch %q", c.what, c.got, c.want)
		}
	}
	if m.Modules()[0] != Module(m) {
		t.Errorf("modules()[0] is %T, not the module itself", m.Modules()[0])
	}
	want := "net(\n  (a): leaf()\n  (seq): Sequential(\n    (0): Linear(in_features=2, out_features=3, bias=True)\n    (1): leaf()\n  )\n  (again): leaf()\n)"
	if got := m.String(); got != want {
		t.Errorf("repr\n%s\nPyTorch\n%s", got, want)
	}
}

func TestTrainEvalRecurse(t *testing.T) {
	m := newNet()
	defer m.Drop()
	m.Eval()
	for _, x := range m.Modules() {
		if x.base().Training() {
			t.Errorf("%T in training mode after Eval", x)
		}
	}
	m.Train()
	for _, x := range m.Modules() {
		if !x.base().Training() {
			t.Errorf("%T in eval mode after Train", x)
		}
	}
}

func TestLoadStateDict(t *testing.T) {
	m := newNet()
	defer m.Drop()
	err := m.LoadStateDict(torch.StateDict{{Name: "p", Tensor: torch.Ones([]int64{1})}, {Name: "x", Tensor: torch.Ones([]int64{1})}}, true)
	for _, want := range []string{`Missing key(s) in state_dict: "b", "a.w", "a.stat", "seq.0.weight", "seq.0.bias", "seq.1.w", "seq.1.stat", "again.w", "again.stat".`,
		`Unexpected key(s) in state_dict: "x".`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("strict load: %v, want %s", err, want)
		}
	}
	// Not strict: the known keys load, buffers too; the transient buffer is not a key.
	sd := torch.StateDict{{Name: "b", Tensor: torch.Full([]int64{1}, 7)}, {Name: "seq.1.stat", Tensor: torch.Full([]int64{2}, 3)},
		{Name: "a.tmp", Tensor: torch.Ones([]int64{1})}}
	defer sd.Drop()
	if err := m.LoadStateDict(sd, false); err != nil {
		t.Fatal(err)
	}
	if v, _ := m.buffers["b"].Item(); v != 7 {
		t.Errorf("buffer b = %v after loading 7", v)
	}
	if v, _ := m.Seq.At(1).base().buffers["stat"].Float32s(); v[1] != 3 {
		t.Errorf("seq.1.stat = %v after loading 3", v)
	}
	if v, _ := m.A.buffers["tmp"].Item(); v != 0 {
		t.Errorf("transient buffer loaded: %v", v)
	}
	bad := torch.StateDict{{Name: "b", Tensor: torch.Zeros([]int64{2})}}
	defer bad.Drop()
	if err := m.LoadStateDict(bad, false); err == nil || !strings.Contains(err.Error(), "size mismatch for b") {
		t.Errorf("shape mismatch: %v", err)
	}
}

func TestZeroGrad(t *testing.T) {
	m := newNet()
	defer m.Drop()
	torch.WithScope(func(s *torch.Scope) {
		x := torch.Ones([]int64{4, 2})
		if err := m.Seq.Forward(x).Sum().Backward(); err != nil {
			t.Fatal(err)
		}
	})
	w := m.Seq.At(0).(*Linear).Weight
	g := w.Grad()
	if v, _ := g.Abs().Sum().Item(); v == 0 {
		t.Fatal("no gradient to zero")
	}
	g.Drop()
	if err := m.ZeroGrad(); err != nil {
		t.Fatal(err)
	}
	g = w.Grad()
	defer g.Drop()
	if v, _ := g.Abs().Sum().Item(); v != 0 {
		t.Errorf("gradient %v after ZeroGrad", v)
	}
}

// An LSTM-like module, whose Forward is not one tensor to one tensor, registers as a child; a
// Sequential of it reports it.
type pairOut struct{ Base }

func (pairOut) Forward(x, h *torch.Tensor) (*torch.Tensor, *torch.Tensor) { return x, h }

func TestAnyModuleRegisters(t *testing.T) {
	m := newNet()
	defer m.Drop()
	p := Register(m, "rnn", &pairOut{})
	if m.NamedChildren()[2].Module != Module(p) {
		t.Errorf("children: %v", m.NamedChildren())
	}
	s := NewSequential(NewReLU(), p)
	if err := s.Err(); err == nil || !strings.Contains(err.Error(), "module 1 (pairOut) has no Forward") {
		t.Errorf("Sequential of a pair module: %v", err)
	}
	torch.WithScope(func(_ *torch.Scope) {
		if err := s.Forward(torch.Ones([]int64{1})).Err(); err == nil {
			t.Error("Sequential.Forward ran a non-Forwarder")
		}
	})
	bad := &leaf{}
	bad.RegisterParameter("w", torch.Zeros([]int64{1}))
	bad.RegisterBuffer("w", torch.Zeros([]int64{1}))
	defer bad.Drop()
	if err := bad.Err(); err == nil || err.Error() != "attribute 'w' already exists" {
		t.Errorf("a buffer named as a parameter: %v", err)
	}
}

func TestModuleLeaksNothing(t *testing.T) {
	before := torch.LiveTensors()
	m := newNet()
	if err := m.To(torch.CPU); err != nil {
		t.Fatal(err)
	}
	m.Drop()
	if n := torch.LiveTensors() - before; n != 0 {
		t.Errorf("%d tensors alive after Drop", n)
	}
}
