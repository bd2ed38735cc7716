package optim

import (
	"testing"

	"github.com/aecifar/aecifar/torch"
)

// benchShapes are ten parameters, 0.6M values: two Linear layers, two Conv2d layers and a head.
var benchShapes = [][]int64{{256, 1024}, {256}, {1024, 256}, {1024}, {64, 3, 3, 3}, {64}, {128, 64, 3, 3}, {128}, {10, 128}, {10}}

// BenchmarkStep times one optimizer.step() over benchShapes on the CPU, for each optimizer in
// its single-tensor and foreach implementations (the gradients are computed once, before).
func BenchmarkStep(b *testing.B) {
	yes, no := true, false
	for _, c := range []struct {
		name string
		make func(ps []*torch.Tensor, foreach *bool) (interface {
			Optimizer
			Drop()
		}, error)
	}{
		{"SGD", func(ps []*torch.Tensor, f *bool) (interface {
			Optimizer
			Drop()
		}, error) {
			return NewSGD(ps, 0.01, SGDOptions{Momentum: 0.9, WeightDecay: 1e-4, Foreach: f})
		}},
		{"Adam", func(ps []*torch.Tensor, f *bool) (interface {
			Optimizer
			Drop()
		}, error) {
			return NewAdam(ps, AdamOptions{Foreach: f})
		}},
		{"AdamW", func(ps []*torch.Tensor, f *bool) (interface {
			Optimizer
			Drop()
		}, error) {
			return NewAdamW(ps, AdamWOptions{Foreach: f})
		}},
		{"RMSprop", func(ps []*torch.Tensor, f *bool) (interface {
			Optimizer
			Drop()
		}, error) {
			return NewRMSprop(ps, RMSpropOptions{Momentum: 0.9, Centered: true, Foreach: f})
		}},
		{"Adagrad", func(ps []*torch.Tensor, f *bool) (interface {
			Optimizer
			Drop()
		}, error) {
			return NewAdagrad(ps, AdagradOptions{LRDecay: 1e-3, Foreach: f})
		}},
		{"Adadelta", func(ps []*torch.Tensor, f *bool) (interface {
			Optimizer
			Drop()
		}, error) {
			return NewAdadelta(ps, AdadeltaOptions{Foreach: f})
		}},
	} {
		for _, impl := range []struct {
			name    string
			foreach *bool
		}{{"for-loop", &no}, {"foreach", &yes}} {
			b.Run(c.name+"/"+impl.name, func(b *testing.B) {
				var ps []*torch.Tensor
				for _, s := range benchShapes {
					p := torch.Randn(s).SetRequiresGrad(true)
					defer p.Drop()
					ps = append(ps, p)
				}
				torch.WithScope(func(s *torch.Scope) {
					var loss *torch.Tensor
					for _, p := range ps {
						term := s.Attach(p.Mul(p)).Sum()
						if loss == nil {
							loss = term
						} else {
							loss = loss.Add(term)
						}
					}
					if err := loss.Backward(); err != nil {
						b.Fatal(err)
					}
				})
				opt, err := c.make(ps, impl.foreach)
				if err != nil {
					b.Fatal(err)
				}
				defer opt.Drop()
				if err := opt.Step(); err != nil { // allocates the state
					b.Fatal(err)
				}
				b.ResetTimer()
				for b.Loop() {
					if err := opt.Step(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
