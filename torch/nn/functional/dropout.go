package functional

import "github.com/aecifar/aecifar/torch"

// DropoutOptions are the keyword arguments of F.dropout and F.dropout2d: P (nil: 0.5), NoTraining
// (training=False: the identity) and Inplace.
type DropoutOptions struct {
	P          *float64
	NoTraining bool
	Inplace    bool
}

func dropoutP(name string, opts []DropoutOptions) (DropoutOptions, float64, error) {
	o, err := options(name, opts)
	if err != nil {
		return o, 0, err
	}
	p := or(o.P, 0.5)
	if p < 0 || p > 1 {
		return o, 0, errorf("dropout probability has to be between 0 and 1, but got %v", p)
	}
	return o, p, nil
}

// Dropout is F.dropout(input, p=0.5, training=True, inplace=False): in training, each element is
// zeroed with probability p and the others scaled by 1/(1-p).
func Dropout(input *torch.Tensor, opts ...DropoutOptions) *torch.Tensor {
	o, p, err := dropoutP("dropout", opts)
	if err != nil {
		return fail("dropout", err)
	}
	if o.Inplace {
		return torch.Dropout_(input, p, !o.NoTraining)
	}
	return torch.Dropout(input, p, !o.NoTraining)
}

// Dropout2d is F.dropout2d(input, p=0.5, training=True, inplace=False): whole channels are zeroed.
// As in PyTorch 1.13, a 3-D input is taken as (N, C, L) (channel-wise 1-D dropout), not as an
// unbatched (C, H, W) one; PyTorch warns about that, and about inputs that are neither 3-D nor 4-D.
// Such an input goes to feature_dropout unchanged, as in PyTorch: a 2-D (N, C) one (pytorch/examples
// mnist_rnn's) has no dimension past the channels, so each element is a channel and the dropout is
// element-wise, with F.dropout's masks on CPU. This port does not print PyTorch's warnings.
func Dropout2d(input *torch.Tensor, opts ...DropoutOptions) *torch.Tensor {
	o, p, err := dropoutP("dropout2d", opts)
	if err != nil {
		return fail("dropout2d", err)
	}
	if o.Inplace {
		return torch.FeatureDropout_(input, p, !o.NoTraining)
	}
	return torch.FeatureDropout(input, p, !o.NoTraining)
}
