package lr_scheduler

import (
	"fmt"
	"sort"

	"github.com/aecifar/aecifar/torch/optim"
)

// SequentialLROptions are SequentialLR's keyword arguments besides schedulers and milestones;
// zero values are PyTorch's defaults (last_epoch -1; its verbose does nothing and is left out).
type SequentialLROptions struct {
	LastEpoch *int
}

// SequentialLR is torch.optim.lr_scheduler.SequentialLR: it steps the first scheduler until the
// first milestone, then the second (which restarts there, stepped to epoch 0 in its closed form),
// and so on.
type SequentialLR struct {
	Optimizer  optim.Optimizer
	Schedulers []Scheduler
	Milestones []int
	LastEpoch  int
	lastLR     []float64
}

var _ Scheduler = (*SequentialLR)(nil)

// sequenced is what SequentialLR needs of its schedulers: this package's epoch schedulers.
type sequenced interface {
	Scheduler
	StepEpoch(epoch int) error
	lrScheduler() *LRScheduler
}

// NewSequentialLR is SequentialLR(optimizer, schedulers, milestones, **options). The schedulers
// must be this package's (any but SequentialLR and ReduceLROnPlateau), made on optimizer.
func NewSequentialLR(opt optim.Optimizer, schedulers []Scheduler, milestones []int, opts ...SequentialLROptions) (*SequentialLR, error) {
	o, err := one("SequentialLR", opts)
	if err != nil {
		return nil, err
	}
	if len(schedulers) == 0 {
		return nil, fmt.Errorf("lr_scheduler.SequentialLR: no schedulers")
	}
	kids := make([]sequenced, len(schedulers))
	for i, s := range schedulers {
		k, ok := s.(sequenced)
		if !ok {
			return nil, fmt.Errorf("lr_scheduler.SequentialLR: scheduler %d, a %T, cannot be stepped to an epoch", i, s)
		}
		if k.lrScheduler().Optimizer != opt {
			return nil, fmt.Errorf("lr_scheduler.SequentialLR: Sequential Schedulers expects all schedulers to belong to the same optimizer, but got schedulers at index %d to be different than the optimizer passed in", i)
		}
		kids[i] = k
	}
	if len(milestones) != len(schedulers)-1 {
		return nil, fmt.Errorf("lr_scheduler.SequentialLR: Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers %d and the number of milestones to be equal to %d", len(schedulers), len(milestones))
	}
	s := &SequentialLR{Optimizer: opt, Schedulers: append([]Scheduler(nil), schedulers...),
		Milestones: append([]int(nil), milestones...), LastEpoch: orPtr(o.LastEpoch, -1) + 1}
	// Reset the learning rates to their initial values and undo the schedulers' initial steps,
	// then perform the first scheduler's again.
	for i, g := range opt.ParamGroups() {
		if g.InitialLR == nil {
			return nil, fmt.Errorf("lr_scheduler.SequentialLR: param_groups[%d] has no initial_lr", i)
		}
		g.LR = *g.InitialLR
	}
	for _, k := range kids {
		k.lrScheduler().LastEpoch--
	}
	if err := kids[0].lrScheduler().initialStep(); err != nil {
		return nil, err
	}
	s.lastLR = kids[0].GetLastLR()
	return s, nil
}

// Step is scheduler.step().
func (s *SequentialLR) Step() error {
	s.LastEpoch++
	idx := sort.Search(len(s.Milestones), func(i int) bool { return s.Milestones[i] > s.LastEpoch }) // bisect_right
	k := s.Schedulers[idx].(sequenced)
	var err error
	if idx > 0 && s.Milestones[idx-1] == s.LastEpoch {
		err = k.StepEpoch(0)
	} else {
		err = k.Step()
	}
	s.lastLR = k.GetLastLR()
	return err
}

// GetLastLR is scheduler.get_last_lr(): the learning rates of the last step, one per group.
func (s *SequentialLR) GetLastLR() []float64 { return append([]float64(nil), s.lastLR...) }

// StateDict is scheduler.state_dict(): _milestones, last_epoch, _last_lr and the schedulers'
// state dicts as _schedulers.
func (s *SequentialLR) StateDict() StateDict {
	kids := make([]StateDict, len(s.Schedulers))
	for i, k := range s.Schedulers {
		kids[i] = k.StateDict()
	}
	return StateDict{"_milestones": append([]int(nil), s.Milestones...), "last_epoch": s.LastEpoch,
		"_last_lr": s.GetLastLR(), "_schedulers": kids}
}

// LoadStateDict is scheduler.load_state_dict(d), the schedulers' states included.
func (s *SequentialLR) LoadStateDict(d StateDict) error {
	l := &loader{d: d}
	milestones, lastEpoch, lastLR := s.Milestones, s.LastEpoch, s.lastLR
	l.ints("_milestones", &milestones)
	l.int("last_epoch", &lastEpoch)
	l.floats("_last_lr", &lastLR)
	kids, ok := l.dicts("_schedulers")
	if l.err != nil {
		return fmt.Errorf("lr_scheduler: load_state_dict: %w", l.err)
	}
	if ok && len(kids) != len(s.Schedulers) {
		return fmt.Errorf("lr_scheduler: load_state_dict: %d scheduler states for %d schedulers", len(kids), len(s.Schedulers))
	}
	if len(milestones) != len(s.Schedulers)-1 {
		return fmt.Errorf("lr_scheduler: load_state_dict: %d milestones for %d schedulers", len(milestones), len(s.Schedulers))
	}
	for i, kd := range kids {
		if err := s.Schedulers[i].LoadStateDict(kd); err != nil {
			return err
		}
	}
	s.Milestones, s.LastEpoch, s.lastLR = milestones, lastEpoch, lastLR
	return nil
}
