package nn

import (
	"github.com/aecifar/aecifar/torch"
	F "github.com/aecifar/aecifar/torch/nn/functional"
)

// DropoutOptions are the keyword arguments of nn.Dropout and nn.Dropout2d: P (nil: 0.5) and
// Inplace. The seed's nn.Dropout(0.2) is NewDropout(nn.DropoutOptions{P: new(0.2)}).
type DropoutOptions struct {
	P       *float64
	Inplace bool
}

type dropout struct {
	Base
	P       float64
	Inplace bool
}

func (d *dropout) init(layer string, opts []DropoutOptions) {
	o := options(&d.Base, layer, opts)
	d.P, d.Inplace = or(o.P, 0.5), o.Inplace
	if d.P < 0 || d.P > 1 {
		d.errorf(layer, "dropout probability has to be between 0 and 1, but got %v", d.P)
	}
}

func (d *dropout) options() F.DropoutOptions {
	return F.DropoutOptions{P: &d.P, NoTraining: !d.Training(), Inplace: d.Inplace}
}

// ExtraRepr is _DropoutNd.extra_repr.
func (d *dropout) ExtraRepr() string { return "p=" + pyFloat(d.P) + ", inplace=" + pyBool(d.Inplace) }

// Dropout is nn.Dropout: in training mode it zeroes each element with probability P and scales the
// rest by 1/(1-P); in eval mode it is the identity.
type Dropout struct{ dropout }

// NewDropout is nn.Dropout(p=0.5, inplace=False).
func NewDropout(opts ...DropoutOptions) *Dropout {
	d := bind(&Dropout{})
	d.init("Dropout", opts)
	return d
}

// Forward is F.dropout(x, p, training, inplace).
func (d *Dropout) Forward(x *torch.Tensor) *torch.Tensor {
	if e := d.forwardErr(); e != nil {
		return e
	}
	return F.Dropout(x, d.options())
}

func (d *Dropout) String() string { return Repr(d) }

// clone is copy.deepcopy(d).
func (d *Dropout) clone() *Dropout {
	c := bind(&Dropout{dropout{P: d.P, Inplace: d.Inplace}})
	d.copyInto(&c.Base)
	return c
}

// Dropout2d is nn.Dropout2d: in training mode whole channels (of (N, C, H, W) input) are zeroed
// with probability P and the rest scaled by 1/(1-P). As in PyTorch 1.13 a 3-D input is taken as
// (N, C, L), and a 2-D (N, C) one gets element-wise dropout (see F.Dropout2d).
type Dropout2d struct{ dropout }

// NewDropout2d is nn.Dropout2d(p=0.5, inplace=False).
func NewDropout2d(opts ...DropoutOptions) *Dropout2d {
	d := bind(&Dropout2d{})
	d.init("Dropout2d", opts)
	return d
}

// Forward is F.dropout2d(x, p, training, inplace).
func (d *Dropout2d) Forward(x *torch.Tensor) *torch.Tensor {
	if e := d.forwardErr(); e != nil {
		return e
	}
	return F.Dropout2d(x, d.options())
}

func (d *Dropout2d) String() string { return Repr(d) }

var (
	_ Forwarder = (*Dropout)(nil)
	_ Forwarder = (*Dropout2d)(nil)
)
