// Package nn mirrors torch.nn: modules with named parameters, the layers and losses the seed uses,
// and their default initialisation.
//
// A module is a struct that embeds Base and implements Forward. Its constructor registers children
// and parameters in the order PyTorch's __init__ assigns them, under the same names, so that
// NamedParameters and StateDict produce PyTorch's dotted state_dict keys (conv1.weight, modelA.0.bias):
//
//	type Net struct {
//		nn.Base
//		Conv1 *nn.Conv2d
//	}
//	func NewNet() *Net {
//		m := &Net{}
//		m.Conv1 = nn.Register(m, "conv1", nn.NewConv2d(3, 16, 3, nn.Conv2dOptions{Padding: 1}))
//		return m
//	}
//
// Parameters are *torch.Tensor leaves that require grad; they belong to no scope and live as long as
// the module (Drop frees them all).
package nn

import (
	"fmt"

	"github.com/aecifar/aecifar/torch"
)

// Module is torch.nn.Module: Forward, plus the registry that Base provides.
type Module interface {
	Forward(x *torch.Tensor) *torch.Tensor
	base() *Base
}

// Base holds a module's registered children and parameters, in registration order, and its
// training flag. Embed it in every module.
type Base struct {
	childNames []string
	children   map[string]Module
	paramNames []string
	params     map[string]*torch.Tensor
	evalMode   bool // the zero value is training mode, as a new PyTorch module is
}

func (b *Base) base() *Base { return b }

// Register adds child under name to parent, like assigning a module attribute in __init__, and
// returns child.
func Register[M Module](parent Module, name string, child M) M {
	b := parent.base()
	if b.children == nil {
		b.children = map[string]Module{}
	}
	if _, ok := b.children[name]; !ok {
		b.childNames = append(b.childNames, name)
	}
	b.children[name] = child
	return child
}

// RegisterParameter adds a parameter under name, like assigning an nn.Parameter, and returns it.
func (b *Base) RegisterParameter(name string, p *torch.Tensor) *torch.Tensor {
	if b.params == nil {
		b.params = map[string]*torch.Tensor{}
	}
	if _, ok := b.params[name]; !ok {
		b.paramNames = append(b.paramNames, name)
	}
	b.params[name] = p
	return p
}

// Children is module.children(): the direct children in registration order.
func (b *Base) Children() []Module {
	out := make([]Module, 0, len(b.childNames))
	for _, n := range b.childNames {
		out = append(out, b.children[n])
	}
	return out
}

// NamedTensor is a tensor with its dotted state_dict name.
type NamedTensor = torch.NamedTensor

// NamedParameters is module.named_parameters(): own parameters first, then each child's, prefixed
// with the child's name. A parameter shared by two modules is listed once, as PyTorch does.
func (b *Base) NamedParameters() []NamedTensor {
	var out []NamedTensor
	seen := map[*torch.Tensor]bool{}
	b.walk("", func(name string, p *torch.Tensor) {
		if p != nil && !seen[p] {
			seen[p] = true
			out = append(out, NamedTensor{Name: name, Tensor: p})
		}
	})
	return out
}

func (b *Base) walk(prefix string, f func(string, *torch.Tensor)) {
	for _, n := range b.paramNames {
		f(prefix+n, b.params[n])
	}
	for _, n := range b.childNames {
		b.children[n].base().walk(prefix+n+".", f)
	}
}

// Parameters is module.parameters().
func (b *Base) Parameters() []*torch.Tensor {
	nps := b.NamedParameters()
	out := make([]*torch.Tensor, len(nps))
	for i, np := range nps {
		out[i] = np.Tensor
	}
	return out
}

// Train sets training mode on this module and all its descendants, like module.train(mode).
func (b *Base) Train(mode bool) {
	b.evalMode = !mode
	for _, c := range b.Children() {
		c.base().Train(mode)
	}
}

// Eval is module.eval().
func (b *Base) Eval() { b.Train(false) }

// Training is module.training.
func (b *Base) Training() bool { return !b.evalMode }

// Drop frees every parameter of the module and its descendants.
func (b *Base) Drop() {
	for _, p := range b.Parameters() {
		p.Drop()
	}
}

// Sequential is torch.nn.Sequential: children named "0", "1", ..., applied in order.
type Sequential struct {
	Base
}

// NewSequential is nn.Sequential(*modules). The modules are shared, not copied: a Sequential of
// another model's children uses (and trains) the same parameters, as in PyTorch.
func NewSequential(modules ...Module) *Sequential {
	s := &Sequential{}
	for i, m := range modules {
		Register(s, fmt.Sprint(i), m)
	}
	return s
}

// Forward applies each module in turn.
func (s *Sequential) Forward(x *torch.Tensor) *torch.Tensor {
	for _, m := range s.Children() {
		x = m.Forward(x)
	}
	return x
}

var _ Module = (*Sequential)(nil)

// ParametersOf is m.parameters() for any module.
func ParametersOf(m Module) []*torch.Tensor { return m.base().Parameters() }

// NamedParametersOf is m.named_parameters() for any module.
func NamedParametersOf(m Module) []NamedTensor { return m.base().NamedParameters() }

// To moves every parameter to device d in place, like module.to(device).
func (b *Base) To(d torch.Device) error {
	for _, np := range b.NamedParameters() {
		if err := np.Tensor.MoveTo_(d); err != nil {
			return fmt.Errorf("%s.to(%s): %w", np.Name, d, err)
		}
	}
	return nil
}
