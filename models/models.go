// Package models holds the blog's two models, written with torch/nn as literally as the Python.
//
// Their state_dict keys equal the Python models' (conv1.weight ... t_conv2.bias for the autoencoder;
// modelA.0.weight ... out.bias for the classifier), so checkpoints move between Go and Python.
package models

import (
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/nn"
)

// ConvAutoencoder is the blog's ConvAutoencoder: two conv+pool encoder layers (3 -> 16 -> 4
// channels, 32x32 -> 8x8) and two stride-2 transposed convolutions back to 3x32x32.
type ConvAutoencoder struct {
	nn.Base
	Conv1  *nn.Conv2d
	Conv2  *nn.Conv2d
	Pool   *nn.MaxPool2d
	TConv1 *nn.ConvTranspose2d
	TConv2 *nn.ConvTranspose2d
}

// NewConvAutoencoder registers the layers in the blog's order, which fixes both the state_dict keys
// and the order in which default initialisation draws from the generator.
func NewConvAutoencoder() *ConvAutoencoder {
	m := &ConvAutoencoder{}
	// encoder: conv layer (depth 3 --> 16), 3x3 kernels; conv layer (depth 16 --> 4), 3x3 kernels
	m.Conv1 = nn.Register(m, "conv1", nn.NewConv2d(3, 16, 3, nn.Conv2dOptions{Padding: 1}))
	m.Conv2 = nn.Register(m, "conv2", nn.NewConv2d(16, 4, 3, nn.Conv2dOptions{Padding: 1}))
	// pooling layer to reduce x-y dims by two; kernel and stride of 2
	m.Pool = nn.Register(m, "pool", nn.NewMaxPool2d(2, nn.MaxPool2dOptions{Stride: 2}))
	// decoder: a kernel of 2 and a stride of 2 increase the spatial dims by 2
	m.TConv1 = nn.Register(m, "t_conv1", nn.NewConvTranspose2d(4, 16, 2, nn.ConvTranspose2dOptions{Stride: 2}))
	m.TConv2 = nn.Register(m, "t_conv2", nn.NewConvTranspose2d(16, 3, 2, nn.ConvTranspose2dOptions{Stride: 2}))
	return m
}

// Forward is relu(conv1) -> pool -> relu(conv2) -> pool -> relu(t_conv1) -> sigmoid(t_conv2).
// The sigmoid squashes to (0, 1) although the training target is the normalised image, which
// ranges over about [-2, 2]: the blog's recipe, kept as it is.
func (m *ConvAutoencoder) Forward(x *torch.Tensor) *torch.Tensor {
	x = m.Conv1.Forward(x).Relu()
	x = m.Pool.Forward(x)
	x = m.Conv2.Forward(x).Relu()
	x = m.Pool.Forward(x) // compressed representation
	x = m.TConv1.Forward(x).Relu()
	return m.TConv2.Forward(x).Sigmoid()
}

// Classifier is the blog's MyModel: the autoencoder's encoder, frozen, under three Linear layers.
type Classifier struct {
	nn.Base
	ModelA *nn.Sequential
	FC1    *nn.Linear
	FC2    *nn.Linear
	Out    *nn.Linear
	// Dropout is the blog's `drop`; Drop is taken by nn.Base's method that frees the parameters.
	Dropout *nn.Dropout
}

// NewClassifier builds MyModel on ae. Like the blog's `nn.Sequential(*list(ae_model.children())[:-2])`
// it keeps the autoencoder's children but the last two: conv1, conv2 and pool. That encoder has no
// ReLU and pools once (forward never calls them as the autoencoder does), so its output is 4x16x16 =
// 1024 features, which is why fc1 is Linear(4*16*16, 1024). The layers are shared with ae, not copied.
func NewClassifier(ae *ConvAutoencoder) *Classifier {
	m := &Classifier{}
	children := ae.Children()
	m.ModelA = nn.Register(m, "modelA", nn.NewSequential(children[:len(children)-2]...))
	m.FC1 = nn.Register(m, "fc1", nn.NewLinear(4*16*16, 1024))
	m.FC2 = nn.Register(m, "fc2", nn.NewLinear(1024, 512))
	m.Out = nn.Register(m, "out", nn.NewLinear(512, 10))
	m.Dropout = nn.Register(m, "drop", nn.NewDropout(nn.DropoutOptions{P: new(0.2)}))
	return m
}

// Forward is modelA -> view(B, 1024) -> relu(fc1) -> drop -> relu(fc2) -> drop -> out.
func (m *Classifier) Forward(x *torch.Tensor) *torch.Tensor {
	x = m.ModelA.Forward(x)
	x = x.View(x.Size(0), 4*16*16)
	x = m.Dropout.Forward(m.FC1.Forward(x).Relu())
	x = m.Dropout.Forward(m.FC2.Forward(x).Relu())
	return m.Out.Forward(x)
}

// FreezeEncoder makes only the Linear layers trainable, as the blog's loop over model.children()
// does: it prints "Setting Layer Linear(...) to be trainable" for each Linear child (through print)
// and turns off requires_grad for the parameters of every other child.
func (m *Classifier) FreezeEncoder(print func(string)) {
	for _, child := range m.Children() {
		_, linear := child.(*nn.Linear)
		if linear && print != nil {
			print("Setting Layer " + child.(*nn.Linear).String() + " to be trainable")
		}
		for _, p := range nn.ParametersOf(child) {
			p.SetRequiresGrad(linear)
		}
	}
}

var (
	_ nn.Forwarder = (*ConvAutoencoder)(nil)
	_ nn.Forwarder = (*Classifier)(nil)
)
