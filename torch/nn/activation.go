package nn

import (
	"fmt"

	"github.com/aecifar/aecifar/torch"
)

// ReLU is nn.ReLU.
type ReLU struct{ Base }

// NewReLU is nn.ReLU().
func NewReLU() *ReLU { return bind(&ReLU{}) }

// Forward is relu(x).
func (*ReLU) Forward(x *torch.Tensor) *torch.Tensor { return x.Relu() }

// Sigmoid is nn.Sigmoid.
type Sigmoid struct{ Base }

// NewSigmoid is nn.Sigmoid().
func NewSigmoid() *Sigmoid { return bind(&Sigmoid{}) }

// Forward is sigmoid(x).
func (*Sigmoid) Forward(x *torch.Tensor) *torch.Tensor { return x.Sigmoid() }

// Dropout is nn.Dropout: in training mode it zeroes each element with probability P and scales the
// rest by 1/(1-P); in eval mode it is the identity.
type Dropout struct {
	Base
	P float64
}

// NewDropout is nn.Dropout(p).
func NewDropout(p float64) *Dropout { return bind(&Dropout{P: p}) }

// Forward is dropout(x, p, training).
func (d *Dropout) Forward(x *torch.Tensor) *torch.Tensor { return torch.Dropout(x, d.P, d.Training()) }

func (d *Dropout) String() string { return fmt.Sprintf("Dropout(p=%v, inplace=False)", d.P) }

var (
	_ Forwarder = (*ReLU)(nil)
	_ Forwarder = (*Sigmoid)(nil)
	_ Forwarder = (*Dropout)(nil)
)
