package nn

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unsafe"

	"github.com/aecifar/aecifar/csrc"
	"github.com/aecifar/aecifar/torch"
)

// Module is torch.nn.Module: anything that embeds Base. What its Forward takes and returns is the
// module's own business (an LSTM returns its output and state), so Module asks for no Forward;
// Forwarder is the module that maps one tensor to one tensor, as Sequential's children must.
type Module interface {
	base() *Base
}

// Forwarder is a Module whose Forward takes and returns one tensor: nn.Linear, nn.Conv2d, the
// activations, Sequential itself.
type Forwarder interface {
	Module
	Forward(x *torch.Tensor) *torch.Tensor
}

// NamedModule is a module with its dotted name, as named_modules() and named_children() yield.
type NamedModule struct {
	Name   string
	Module Module
}

// Base holds a module's registered children, parameters and buffers, in registration order, and its
// training flag. Embed it in every module.
type Base struct {
	self Module // the module that embeds this Base, once known (see Register)

	childNames []string
	children   map[string]Module
	paramNames []string
	params     map[string]*torch.Tensor
	bufNames   []string
	buffers    map[string]*torch.Tensor
	transient  map[string]bool // buffers registered with persistent=false

	evalMode bool  // the zero value is training mode, as a new PyTorch module is
	err      error // the first construction error (an invalid argument, a clashing name)
}

func (b *Base) base() *Base { return b }

// module is the module that embeds b: the value passed to Register (as parent or child) or to a
// layer constructor of this package. A module never registered anywhere is known only as its Base.
func (b *Base) module() Module {
	if b.self != nil {
		return b.self
	}
	return b
}

// bind records m as the module that embeds its Base. Every constructor here calls it.
func bind[M Module](m M) M {
	m.base().self = m
	return m
}

// setErr records a construction error; the first one wins.
func (b *Base) setErr(err error) {
	if b.err == nil && err != nil {
		b.err = err
	}
}

// Err is the first error made while building the module or any of its descendants: an argument
// PyTorch's constructor rejects (nn.Conv2d(3, 16, 3, groups=2)), or a name registered twice. A
// module with such an error returns it from Forward as an error tensor; checking Err after building
// a model reports it earlier.
func (b *Base) Err() error {
	if b.err != nil {
		return b.err
	}
	for _, c := range b.NamedChildren() {
		if err := c.Module.base().Err(); err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
	}
	return nil
}

// checkName is PyTorch's check of a new attribute name: not empty, no dot, not already taken by
// another kind of member.
func (b *Base) checkName(kind, name string, taken ...map[string]bool) bool {
	switch {
	case name == "":
		b.setErr(fmt.Errorf("%s name can't be empty string \"\"", kind))
		return false
	case strings.Contains(name, "."):
		b.setErr(fmt.Errorf("%s name can't contain \".\", got: %s", kind, name))
		return false
	}
	for _, t := range taken {
		if t[name] {
			b.setErr(fmt.Errorf("attribute '%s' already exists", name))
			return false
		}
	}
	return true
}

func keys[V any](m map[string]V) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

// Register adds child under name to parent, like assigning a module attribute in __init__, and
// returns child. Registering a name again replaces the child in its place, as reassigning the
// attribute does. Any Module can be a child, whatever its Forward looks like.
func Register[M Module](parent Module, name string, child M) M {
	b := parent.base()
	if b.self == nil {
		b.self = parent
	}
	cb := child.base()
	if cb.self == nil {
		cb.self = child
	}
	if !b.checkName("module", name, keys(b.params), keys(b.buffers)) {
		return child
	}
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
	if !b.checkName("parameter", name, keys(b.children), keys(b.buffers)) {
		return p
	}
	if b.params == nil {
		b.params = map[string]*torch.Tensor{}
	}
	if _, ok := b.params[name]; !ok {
		b.paramNames = append(b.paramNames, name)
	}
	b.params[name] = p
	return p
}

// RegisterBuffer is module.register_buffer(name, tensor, persistent=True): a tensor that is part of
// the module's state but not a parameter (BatchNorm's running_mean). Persistent buffers are in
// StateDict after the module's parameters; a buffer registered with persistent false is not. To
// moves buffers with the parameters, Drop frees them. It returns t.
func (b *Base) RegisterBuffer(name string, t *torch.Tensor, persistent ...bool) *torch.Tensor {
	if !b.checkName("buffer", name, keys(b.children), keys(b.params)) {
		return t
	}
	if b.buffers == nil {
		b.buffers = map[string]*torch.Tensor{}
		b.transient = map[string]bool{}
	}
	if _, ok := b.buffers[name]; !ok {
		b.bufNames = append(b.bufNames, name)
	}
	b.buffers[name] = t
	b.transient[name] = len(persistent) > 0 && !persistent[0]
	return t
}

// Children is module.children(): the direct children in registration order, each once.
func (b *Base) Children() []Module {
	nc := b.NamedChildren()
	out := make([]Module, len(nc))
	for i, c := range nc {
		out[i] = c.Module
	}
	return out
}

// NamedChildren is module.named_children(): a child registered under two names is listed once,
// under the first.
func (b *Base) NamedChildren() []NamedModule {
	out := make([]NamedModule, 0, len(b.childNames))
	seen := map[*Base]bool{}
	for _, n := range b.childNames {
		c := b.children[n]
		if !seen[c.base()] {
			seen[c.base()] = true
			out = append(out, NamedModule{Name: n, Module: c})
		}
	}
	return out
}

// NamedModules is module.named_modules(): the module itself under "", then every descendant in
// depth-first registration order under its dotted name; a module reachable twice is listed once.
func (b *Base) NamedModules() []NamedModule {
	var out []NamedModule
	seen := map[*Base]bool{}
	var walk func(m Module, prefix string)
	walk = func(m Module, prefix string) {
		mb := m.base()
		if seen[mb] {
			return
		}
		seen[mb] = true
		out = append(out, NamedModule{Name: prefix, Module: m})
		for _, n := range mb.childNames {
			name := n
			if prefix != "" {
				name = prefix + "." + n
			}
			walk(mb.children[n], name)
		}
	}
	walk(b.module(), "")
	return out
}

// Modules is module.modules(): NamedModules without the names.
func (b *Base) Modules() []Module {
	nm := b.NamedModules()
	out := make([]Module, len(nm))
	for i, m := range nm {
		out[i] = m.Module
	}
	return out
}

// Apply is module.apply(fn): fn on every child's subtree first (children in order, each applied
// recursively), then on the module itself, as PyTorch's weight-initialisation idiom expects:
//
//	model.Apply(func(m nn.Module) {
//		if c, ok := m.(*nn.Conv2d); ok {
//			init.Normal_(c.Weight, 0, 0.02)
//		}
//	})
func (b *Base) Apply(fn func(Module)) {
	for _, c := range b.Children() {
		c.base().Apply(fn)
	}
	fn(b.module())
}

// NamedTensor is a tensor with its dotted state_dict name.
type NamedTensor = torch.NamedTensor

// members walks the module tree as PyTorch's _named_members does: own members of each module in
// named_modules order, each tensor once.
func (b *Base) members(get func(*Base) ([]string, map[string]*torch.Tensor)) []NamedTensor {
	var out []NamedTensor
	seen := map[*torch.Tensor]bool{}
	for _, m := range b.NamedModules() {
		names, ts := get(m.Module.base())
		for _, n := range names {
			t := ts[n]
			if t == nil || seen[t] {
				continue
			}
			seen[t] = true
			name := n
			if m.Name != "" {
				name = m.Name + "." + n
			}
			out = append(out, NamedTensor{Name: name, Tensor: t})
		}
	}
	return out
}

// NamedParameters is module.named_parameters(): own parameters first, then each child's, prefixed
// with the child's name. A parameter shared by two modules is listed once, as PyTorch does.
func (b *Base) NamedParameters() []NamedTensor {
	return b.members(func(m *Base) ([]string, map[string]*torch.Tensor) { return m.paramNames, m.params })
}

// Parameters is module.parameters().
func (b *Base) Parameters() []*torch.Tensor { return tensors(b.NamedParameters()) }

// NamedBuffers is module.named_buffers(): every buffer, persistent or not, in the order of
// NamedParameters.
func (b *Base) NamedBuffers() []NamedTensor {
	return b.members(func(m *Base) ([]string, map[string]*torch.Tensor) { return m.bufNames, m.buffers })
}

// Buffers is module.buffers().
func (b *Base) Buffers() []*torch.Tensor { return tensors(b.NamedBuffers()) }

func tensors(nts []NamedTensor) []*torch.Tensor {
	out := make([]*torch.Tensor, len(nts))
	for i, nt := range nts {
		out[i] = nt.Tensor
	}
	return out
}

// Train is module.train(mode=True): it sets training mode (or eval mode, for false) on this module
// and all its descendants.
func (b *Base) Train(mode ...bool) {
	on := len(mode) == 0 || mode[0]
	b.evalMode = !on
	for _, c := range b.Children() {
		c.base().Train(on)
	}
}

// Eval is module.eval().
func (b *Base) Eval() { b.Train(false) }

// Training is module.training.
func (b *Base) Training() bool { return !b.evalMode }

// RequiresGrad_ is module.requires_grad_(requires_grad=True): it sets requires_grad on every
// parameter, to freeze (false) or unfreeze a whole subtree.
func (b *Base) RequiresGrad_(requiresGrad ...bool) {
	on := len(requiresGrad) == 0 || requiresGrad[0]
	for _, p := range b.Parameters() {
		p.SetRequiresGrad(on)
	}
}

// ZeroGrad is module.zero_grad() of PyTorch 1.13 (set_to_none=False): every parameter's gradient,
// where there is one, is zeroed in place.
func (b *Base) ZeroGrad() error {
	ps := b.Parameters()
	hs := make([]unsafe.Pointer, len(ps))
	for i, p := range ps {
		if err := p.Err(); err != nil {
			return fmt.Errorf("zero_grad: %w", err)
		}
		hs[i] = p.Handle()
	}
	if err := csrc.ZeroGrad(hs, false); err != nil {
		return fmt.Errorf("zero_grad: %w", err)
	}
	return nil
}

// Drop frees every parameter and buffer of the module and its descendants.
func (b *Base) Drop() {
	for _, p := range b.Parameters() {
		p.Drop()
	}
	for _, t := range b.Buffers() {
		t.Drop()
	}
}

// To moves every parameter and buffer to device d in place, like module.to(device): the layers'
// fields and every other holder of the tensors see the moved ones.
func (b *Base) To(d torch.Device) error {
	for _, nt := range append(b.NamedParameters(), b.NamedBuffers()...) {
		if err := nt.Tensor.MoveTo_(d); err != nil {
			return fmt.Errorf("%s.to(%s): %w", nt.Name, d, err)
		}
	}
	return nil
}

// String is repr(module): see Repr.
func (b *Base) String() string { return Repr(b.module()) }

// Repr is PyTorch's Module.__repr__ for m: the type's name, then its ExtraRepr (if it has one) and
// each child's repr indented under "(name): ", as print(model) shows. A module type defines
//
//	func (m *MyLayer) ExtraRepr() string
//
// for the arguments between the parentheses, as PyTorch's extra_repr does.
func Repr(m Module) string {
	var extra []string
	if e, ok := m.(interface{ ExtraRepr() string }); ok {
		if s := e.ExtraRepr(); s != "" {
			extra = strings.Split(s, "\n")
		}
	}
	var lines []string
	b := m.base()
	for _, n := range b.childNames {
		lines = append(lines, "("+n+"): "+strings.ReplaceAll(reprOf(b.children[n]), "\n", "\n  "))
	}
	s := typeName(m) + "("
	switch {
	case len(extra) == 1 && len(lines) == 0:
		s += extra[0]
	case len(extra)+len(lines) > 0:
		s += "\n  " + strings.Join(append(extra, lines...), "\n  ") + "\n"
	}
	return s + ")"
}

// reprOf is repr(child): its own String when it has one, else Repr.
func reprOf(m Module) string {
	if s, ok := m.(fmt.Stringer); ok {
		return s.String()
	}
	return Repr(m)
}

// typeName is the module's class name: its Go type without package or pointer.
func typeName(m Module) string {
	t := reflect.TypeOf(m)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	name := t.Name()
	if i := strings.IndexByte(name, '['); i >= 0 { // a generic type: Name[Args]
		name = name[:i]
	}
	return name
}

// Sequential is torch.nn.Sequential: children named "0", "1", ..., applied in order.
type Sequential struct {
	Base
}

// NewSequential is nn.Sequential(*modules). The modules are shared, not copied: a Sequential of
// another model's children uses (and trains) the same parameters, as in PyTorch. Each must be a
// Forwarder (take and return one tensor); one that is not makes Err and Forward report it, as
// PyTorch's forward would fail on it.
func NewSequential(modules ...Module) *Sequential {
	s := bind(&Sequential{})
	for _, m := range modules {
		s.Append(m)
	}
	return s
}

// Append is Sequential.append(module): m becomes the next child.
func (s *Sequential) Append(m Module) *Sequential {
	i := len(s.childNames)
	if _, ok := m.(Forwarder); !ok {
		s.setErr(fmt.Errorf("nn.Sequential: module %d (%s) has no Forward(*torch.Tensor) *torch.Tensor", i, typeName(m)))
	}
	Register(s, fmt.Sprint(i), m)
	return s
}

// Len is len(sequential).
func (s *Sequential) Len() int { return len(s.childNames) }

// At is sequential[i]; a negative i counts from the end, as in Python. It returns nil when i is out
// of range.
func (s *Sequential) At(i int) Module {
	if i < 0 {
		i += len(s.childNames)
	}
	if i < 0 || i >= len(s.childNames) {
		return nil
	}
	return s.children[s.childNames[i]]
}

// Forward applies each module in turn.
func (s *Sequential) Forward(x *torch.Tensor) *torch.Tensor {
	if s.err != nil {
		return torch.FromError(s.err)
	}
	for _, n := range s.childNames {
		f, ok := s.children[n].(Forwarder)
		if !ok {
			return torch.FromError(errors.New("nn.Sequential: module " + n + " has no Forward(*torch.Tensor) *torch.Tensor"))
		}
		x = f.Forward(x)
	}
	return x
}

var _ Forwarder = (*Sequential)(nil)

// ParametersOf is m.parameters() for any module.
func ParametersOf(m Module) []*torch.Tensor { return m.base().Parameters() }

// NamedParametersOf is m.named_parameters() for any module.
func NamedParametersOf(m Module) []NamedTensor { return m.base().NamedParameters() }

// ModuleList is torch.nn.ModuleList: children named "0", "1", ..., registered so that their
// parameters are the container's (layers.0.weight), with no Forward of its own.
type ModuleList struct {
	Base
}

// NewModuleList is nn.ModuleList(modules). As in PyTorch the modules are held, not copied.
func NewModuleList(modules ...Module) *ModuleList {
	l := bind(&ModuleList{})
	for _, m := range modules {
		l.Append(m)
	}
	return l
}

// Append is ModuleList.append(module).
func (l *ModuleList) Append(m Module) *ModuleList {
	Register(l, fmt.Sprint(len(l.childNames)), m)
	return l
}

// Len is len(module_list).
func (l *ModuleList) Len() int { return len(l.childNames) }

// At is module_list[i]; a negative i counts from the end, as in Python. It returns nil when i is
// out of range.
func (l *ModuleList) At(i int) Module {
	if i < 0 {
		i += len(l.childNames)
	}
	if i < 0 || i >= len(l.childNames) {
		return nil
	}
	return l.children[l.childNames[i]]
}
