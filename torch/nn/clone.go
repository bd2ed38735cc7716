package nn

import "github.com/aecifar/aecifar/torch"

// copyInto gives dst what copy.deepcopy copies of a module besides its children: copies of b's own
// parameters and buffers, in b's order and under b's names, its training mode and its error. The
// copies are new leaves holding the same values, with the originals' requires_grad; gradients are
// not copied, as Parameter.__deepcopy__ does not copy them. Nothing is drawn from the generator.
func (b *Base) copyInto(dst *Base) {
	for _, n := range b.paramNames {
		dst.RegisterParameter(n, dst.copyTensor(b.params[n]))
	}
	for _, n := range b.bufNames {
		dst.RegisterBuffer(n, dst.copyTensor(b.buffers[n]), !b.transient[n])
	}
	dst.evalMode = b.evalMode
	dst.setErr(b.err)
}

func (b *Base) copyTensor(t *torch.Tensor) *torch.Tensor {
	if t == nil {
		return nil
	}
	var c *torch.Tensor
	torch.NoGrad(func() { c = torch.Keep(t.Clone()) })
	b.setErr(c.Err())
	return c.SetRequiresGrad(t.RequiresGrad())
}
