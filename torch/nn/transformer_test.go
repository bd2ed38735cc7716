package nn

import (
	"testing"

	"github.com/aecifar/aecifar/torch"
)

// TestTransformerEncoderCopiesTheLayer checks _get_clones' deepcopy: the layers start with the
// given layer's weights but are their own tensors, keep its requires_grad, and building them draws
// nothing from the generator.
func TestTransformerEncoderCopiesTheLayer(t *testing.T) {
	before := torch.LiveTensors()
	if err := torch.ManualSeed(3); err != nil {
		t.Fatal(err)
	}
	layer := NewTransformerEncoderLayer(8, 2, TransformerEncoderLayerOptions{DimFeedforward: 16})
	layer.Linear2.Bias.SetRequiresGrad(false)
	layer.Eval()
	s := torch.NewScope()
	state := s.Attach(torch.GetRNGState())
	enc := NewTransformerEncoder(layer, 2)
	if same, err := state.Equal(s.Attach(torch.GetRNGState())); err != nil || !same {
		t.Errorf("building the encoder moved the generator (err %v)", err)
	}
	if err := enc.Err(); err != nil {
		t.Fatal(err)
	}
	want := layer.NamedParameters()
	for i := 0; i < 2; i++ {
		l := enc.Layer(i)
		if l.Training() {
			t.Errorf("layers.%d is in training mode, the layer it copies in eval", i)
		}
		got := l.NamedParameters()
		if len(got) != len(want) {
			t.Fatalf("layers.%d has %d parameters, the layer %d", i, len(got), len(want))
		}
		for j, p := range got {
			if p.Name != want[j].Name || p.Tensor == want[j].Tensor {
				t.Errorf("layers.%d parameter %d: %s (same tensor: %v), want a copy of %s", i, j, p.Name, p.Tensor == want[j].Tensor, want[j].Name)
			}
			if p.Tensor.RequiresGrad() != want[j].Tensor.RequiresGrad() {
				t.Errorf("layers.%d.%s: requires_grad %v, the layer's %v", i, p.Name, p.Tensor.RequiresGrad(), want[j].Tensor.RequiresGrad())
			}
			if same, err := p.Tensor.Equal(want[j].Tensor); err != nil || !same {
				t.Errorf("layers.%d.%s is not a copy of the layer's (err %v)", i, p.Name, err)
			}
		}
	}
	// Training one copy leaves the other and the layer alone.
	torch.NoGrad(func() { enc.Layer(0).Linear1.Weight.Fill_(1.0) })
	if v := float32s(t, enc.Layer(1).Linear1.Weight)[0]; v == 1 {
		t.Error("layers.1.linear1.weight changed with layers.0's")
	}
	if v := float32s(t, layer.Linear1.Weight)[0]; v == 1 {
		t.Error("the prototype's linear1.weight changed with layers.0's")
	}
	s.Close()
	layer.Drop()
	enc.Drop()
	if after := torch.LiveTensors(); after != before {
		t.Errorf("%d live tensors after, %d before", after, before)
	}
}
