package nn

import (
	"fmt"
	"strings"

	"github.com/aecifar/aecifar/torch"
)

// StateDict is module.state_dict(): for each module in depth-first registration order, its
// parameters, then its persistent buffers, under their dotted names. As in PyTorch a module
// registered under two names contributes its tensors under both. The tensors are the parameters and
// buffers themselves, not copies (PyTorch's are detached references to the same storage).
func (b *Base) StateDict() torch.StateDict {
	var sd torch.StateDict
	b.stateDict("", &sd)
	return sd
}

func (b *Base) stateDict(prefix string, sd *torch.StateDict) {
	for _, n := range b.paramNames {
		if p := b.params[n]; p != nil {
			*sd = append(*sd, torch.NamedTensor{Name: prefix + n, Tensor: p})
		}
	}
	for _, n := range b.bufNames {
		if t := b.buffers[n]; t != nil && !b.transient[n] {
			*sd = append(*sd, torch.NamedTensor{Name: prefix + n, Tensor: t})
		}
	}
	for _, n := range b.childNames {
		b.children[n].base().stateDict(prefix+n+".", sd)
	}
}

// LoadStateDict is module.load_state_dict(state_dict, strict): it copies each tensor into the
// parameter or persistent buffer of the same name (across devices and dtypes if needed). With
// strict, missing and unexpected keys are errors, as in PyTorch; a shape mismatch always is.
// Nothing is copied unless every key checks.
func (b *Base) LoadStateDict(sd torch.StateDict, strict bool) error {
	own := b.StateDict()
	have := map[string]*torch.Tensor{}
	for _, nt := range own {
		have[nt.Name] = nt.Tensor
	}
	given := map[string]bool{}
	var problems, unexpected []string
	for _, nt := range sd {
		given[nt.Name] = true
		p, ok := have[nt.Name]
		if !ok {
			unexpected = append(unexpected, fmt.Sprintf("%q", nt.Name))
			continue
		}
		if err := nt.Tensor.Err(); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", nt.Name, err))
			continue
		}
		if got, want := nt.Tensor.Shape(), p.Shape(); !sameShape(got, want) {
			problems = append(problems, fmt.Sprintf("size mismatch for %s: copying a param with shape %v from checkpoint, the shape in current model is %v.", nt.Name, got, want))
		}
	}
	var missing []string
	for _, nt := range own {
		if !given[nt.Name] {
			missing = append(missing, fmt.Sprintf("%q", nt.Name))
		}
	}
	if strict && len(missing) > 0 {
		problems = append(problems, "Missing key(s) in state_dict: "+strings.Join(missing, ", ")+".")
	}
	if strict && len(unexpected) > 0 {
		problems = append(problems, "Unexpected key(s) in state_dict: "+strings.Join(unexpected, ", ")+".")
	}
	if len(problems) > 0 {
		return fmt.Errorf("error(s) in loading state_dict: %s", strings.Join(problems, " "))
	}
	var err error
	torch.NoGrad(func() {
		for _, nt := range sd {
			if p, ok := have[nt.Name]; ok && err == nil {
				err = p.Copy_(nt.Tensor).Err()
			}
		}
	})
	return err
}

func sameShape(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
