package nn

import (
	"fmt"

	"github.com/aecifar/aecifar/torch"
)

// FlattenOptions are nn.Flatten's keyword arguments: StartDim (nil: 1) and EndDim (nil: -1).
type FlattenOptions struct {
	StartDim, EndDim *int64
}

// Flatten is nn.Flatten: dimensions StartDim..EndDim made one.
type Flatten struct {
	Base
	StartDim, EndDim int64
}

// NewFlatten is nn.Flatten(start_dim=1, end_dim=-1).
func NewFlatten(opts ...FlattenOptions) *Flatten {
	m := bind(&Flatten{})
	o := options(&m.Base, "Flatten", opts)
	m.StartDim, m.EndDim = or(o.StartDim, 1), or(o.EndDim, -1)
	return m
}

// Forward is input.flatten(start_dim, end_dim).
func (m *Flatten) Forward(x *torch.Tensor) *torch.Tensor {
	if e := m.forwardErr(); e != nil {
		return e
	}
	return x.Flatten(torch.FlattenOptions{StartDim: m.StartDim, EndDim: &m.EndDim})
}

// ExtraRepr is Flatten.extra_repr.
func (m *Flatten) ExtraRepr() string {
	return fmt.Sprintf("start_dim=%d, end_dim=%d", m.StartDim, m.EndDim)
}

func (m *Flatten) String() string { return Repr(m) }

// Unflatten is nn.Unflatten: dimension Dim split into UnflattenedSize.
type Unflatten struct {
	Base
	Dim             int64
	UnflattenedSize []int64
}

// NewUnflatten is nn.Unflatten(dim, unflattened_size).
func NewUnflatten(dim int64, unflattenedSize []int64) *Unflatten {
	return bind(&Unflatten{Dim: dim, UnflattenedSize: append([]int64(nil), unflattenedSize...)})
}

// Forward is input.unflatten(dim, unflattened_size).
func (m *Unflatten) Forward(x *torch.Tensor) *torch.Tensor {
	return x.Unflatten(m.Dim, m.UnflattenedSize)
}

// ExtraRepr is Unflatten.extra_repr.
func (m *Unflatten) ExtraRepr() string {
	return fmt.Sprintf("dim=%d, unflattened_size=%s", m.Dim, pyTuple(m.UnflattenedSize))
}

func (m *Unflatten) String() string { return Repr(m) }

var (
	_ Forwarder = (*Flatten)(nil)
	_ Forwarder = (*Unflatten)(nil)
)
