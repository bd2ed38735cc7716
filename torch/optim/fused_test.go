package optim

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/csrc"
	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/testing/parity"
)

// fusedOnCPU reports whether the libtorch has a CPU kernel of _fused_adam_ (2.4 and later).
func fusedOnCPU(t *testing.T) bool {
	parts := strings.SplitN(csrc.TorchVersion(), ".", 3)
	if len(parts) < 2 {
		t.Fatalf("libtorch version %q", csrc.TorchVersion())
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		t.Fatalf("libtorch version %q", csrc.TorchVersion())
	}
	return major > 2 || major == 2 && minor >= 4
}

// TestFusedAdamStep runs the fused step on the CPU, which NewAdam refuses as PyTorch 1.13 does
// but a group can be switched to after construction: where libtorch has the CPU kernel (2.4 and
// later) every Adam case must follow PyTorch's for-loop values (the kernel computes the bias
// corrections in its own order: within 3e-5 of each tensor's scale, as capturable); where it has
// not, the step must fail with libtorch's error, leaving the parameters as they were.
func TestFusedAdamStep(t *testing.T) {
	f := loadOptimizers(t)
	cpu := fusedOnCPU(t)
	ran := 0
	for i := range f.Cases {
		c := f.Cases[i]
		if c.Type != "Adam" {
			continue
		}
		ran++
		t.Run(c.Name, func(t *testing.T) {
			p := newProblem(f)
			defer p.drop()
			groups, groupOpts := p.groups(&c)
			args := fusedArgs(&c)
			opt, err := newOptimizer(c.Type, args, groups, groupOpts)
			if err != nil {
				t.Fatal(err)
			}
			defer opt.Drop()
			for _, g := range opt.ParamGroups() {
				g.Fused, g.Foreach = true, nil
			}
			fusedSteps(t, f, &c, p, opt, cpu)
		})
	}
	if ran == 0 {
		t.Fatal("no Adam case in optimizers.json")
	}
}

// TestFusedAdamOnCUDA runs every Adam case as NewAdam(..., Fused: true) on cuda:0, against
// PyTorch's for-loop values as TestFusedAdamStep does.
func TestFusedAdamOnCUDA(t *testing.T) {
	if !torch.CUDAIsAvailable() {
		t.Skip("no CUDA device: the fused kernel on CUDA not run")
	}
	f := loadOptimizers(t)
	for i := range f.Cases {
		c := f.Cases[i]
		if c.Type != "Adam" {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			p := newProblem(f)
			defer p.drop()
			for _, ts := range []*[]*torch.Tensor{&p.params, &p.targets, &p.weights} {
				for j, x := range *ts {
					moved := x.To(torch.CUDA(0))
					if x.RequiresGrad() { // a leaf on the device, as model.to(device) makes it
						leaf := moved.Detach().SetRequiresGrad(true)
						moved.Drop()
						moved = leaf
					}
					x.Drop()
					(*ts)[j] = torch.Keep(moved)
				}
			}
			groups, groupOpts := p.groups(&c)
			args := fusedArgs(&c)
			args["fused"] = true
			for _, o := range groupOpts {
				if o != nil {
					o["fused"] = true
				}
			}
			opt, err := newOptimizer(c.Type, args, groups, groupOpts)
			if err != nil {
				t.Fatal(err)
			}
			defer opt.Drop()
			fusedSteps(t, f, &c, p, opt, true)
		})
	}
}

// fusedSteps runs case c's steps with a fused optimizer and compares them with PyTorch's for-loop
// values; where run is false (no kernel for the parameters' device), it checks the refusal.
func fusedSteps(t *testing.T, f *optimFile, c *optimCase, p *problem, opt testOptimizer, run bool) {
	t.Helper()
	const tol = 3e-5
	if !run {
		before, _ := p.params[0].Float32s()
		_, err := p.tryStep(t, opt, c.Sign)
		if err == nil || !strings.Contains(err.Error(), "_fused_adam_") {
			t.Fatalf("libtorch %s has no CPU kernel of _fused_adam_, yet the step gave %v", csrc.TorchVersion(), err)
		}
		after, _ := p.params[0].Float32s()
		if !slices.Equal(after, before) {
			t.Errorf("a failed fused step moved the parameters: %v, before %v", after, before)
		}
		return
	}
	for k := range f.Steps {
		loss := p.step(t, opt, c.Sign)
		if err := parity.Compare([]float64{loss}, c.Losses[k:k+1], parity.Tol{Rel: tol}); err != nil {
			t.Fatalf("loss before step %d: %v", k+1, err)
		}
		for j, w := range c.Params[k] {
			got, err := p.params[j].Float32s()
			if err != nil {
				t.Fatal(err)
			}
			if err := parity.Compare(got, w, parity.Tol{Abs: tol * scaleOf(w)}); err != nil {
				t.Fatalf("parameter %d after step %d: %v", j, k+1, err)
			}
		}
	}
	sd := opt.StateDict()
	defer sd.Drop()
	if st := sd.Get("state.0.step"); st == nil || st.DType().Name() != "float32" {
		t.Errorf("state.0.step: %v, want the float32 step tensor", st)
	}
}

// fusedArgs are c's options less foreach, which when true takes precedence over fused.
func fusedArgs(c *optimCase) kwargs {
	args := kwargs{}
	for k, v := range c.Args {
		if k != "foreach" {
			args[k] = v
		}
	}
	return args
}
