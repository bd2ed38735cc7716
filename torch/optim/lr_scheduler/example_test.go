package lr_scheduler_test

import (
	"encoding/json"
	"fmt"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/optim"
	"github.com/aecifar/aecifar/torch/optim/lr_scheduler"
)

// newSGD is an SGD optimizer over one parameter, for the examples.
func newSGD(lr float64) (*optim.SGD, func()) {
	p := torch.Zeros([]int64{1}).SetRequiresGrad(true)
	opt, err := optim.NewSGD([]*torch.Tensor{p}, lr, optim.SGDOptions{Momentum: 0.9})
	if err != nil {
		panic(err)
	}
	return opt, func() { opt.Drop(); p.Drop() }
}

// StepLR(optimizer, step_size=2, gamma=0.5), stepped once per epoch after the optimizer.
func ExampleNewStepLR() {
	opt, done := newSGD(0.1)
	defer done()
	sched, err := lr_scheduler.NewStepLR(opt, 2, lr_scheduler.StepLROptions{Gamma: 0.5})
	if err != nil {
		fmt.Println(err)
		return
	}
	for epoch := range 5 {
		// ... train: opt.Step() for each batch ...
		fmt.Printf("epoch %d: lr %g\n", epoch, sched.GetLastLR()[0])
		if err := sched.Step(); err != nil {
			fmt.Println(err)
		}
	}
	// Output:
	// epoch 0: lr 0.1
	// epoch 1: lr 0.1
	// epoch 2: lr 0.05
	// epoch 3: lr 0.05
	// epoch 4: lr 0.025
}

// OneCycleLR(optimizer, max_lr=1.0, total_steps=6), stepped once per batch; it cycles SGD's
// momentum inversely. (Every example's numbers are PyTorch 1.13's for the same calls.)
func ExampleNewOneCycleLR() {
	opt, done := newSGD(0.1)
	defer done()
	sched, err := lr_scheduler.NewOneCycleLR(opt, []float64{1.0}, lr_scheduler.OneCycleLROptions{TotalSteps: 6})
	if err != nil {
		fmt.Println(err)
		return
	}
	for range 6 {
		g := opt.ParamGroups()[0]
		fmt.Printf("lr %.5f momentum %.4f\n", g.LR, g.Momentum)
		if err := sched.Step(); err != nil {
			fmt.Println(err)
		}
	}
	// Output:
	// lr 0.04000 momentum 0.9500
	// lr 0.99442 momentum 0.8506
	// lr 0.81175 momentum 0.8688
	// lr 0.46264 momentum 0.9037
	// lr 0.13348 momentum 0.9367
	// lr 0.00000 momentum 0.9500
}

// A linear warm-up for 3 epochs, then cosine annealing: SequentialLR(optimizer,
// [LinearLR(optimizer, start_factor=0.1, total_iters=3), CosineAnnealingLR(optimizer, T_max=4)],
// milestones=[3]).
func ExampleNewSequentialLR() {
	opt, done := newSGD(1.0)
	defer done()
	warmup, err := lr_scheduler.NewLinearLR(opt, lr_scheduler.LinearLROptions{StartFactor: 0.1, TotalIters: 3})
	if err != nil {
		fmt.Println(err)
		return
	}
	cosine, err := lr_scheduler.NewCosineAnnealingLR(opt, 4)
	if err != nil {
		fmt.Println(err)
		return
	}
	sched, err := lr_scheduler.NewSequentialLR(opt, []lr_scheduler.Scheduler{warmup, cosine}, []int{3})
	if err != nil {
		fmt.Println(err)
		return
	}
	for epoch := range 8 {
		fmt.Printf("epoch %d: lr %.4f\n", epoch, sched.GetLastLR()[0])
		if err := sched.Step(); err != nil {
			fmt.Println(err)
		}
	}
	// Output:
	// epoch 0: lr 0.1000
	// epoch 1: lr 0.4000
	// epoch 2: lr 0.7000
	// epoch 3: lr 1.0000
	// epoch 4: lr 0.8536
	// epoch 5: lr 0.5000
	// epoch 6: lr 0.1464
	// epoch 7: lr 0.0000
}

// ReduceLROnPlateau(optimizer, mode='min', patience=1, verbose=True) on a loss that stops falling.
// The last rate is 0.1 * 0.1 * 0.1 in float64, as in Python.
func ExampleNewReduceLROnPlateau() {
	opt, done := newSGD(0.1)
	defer done()
	sched, err := lr_scheduler.NewReduceLROnPlateau(opt, lr_scheduler.ReduceLROnPlateauOptions{
		Mode: lr_scheduler.ModeMin, Patience: new(1), Verbose: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, loss := range []float64{1.0, 0.8, 0.8, 0.81, 0.79, 0.8, 0.8} {
		sched.Step(loss)
	}
	fmt.Println(sched.GetLastLR())
	// Output:
	// Epoch 00004: reducing learning rate of group 0 to 1.0000e-02.
	// Epoch 00007: reducing learning rate of group 0 to 1.0000e-03.
	// [0.0010000000000000002]
}

// A scheduler's state dict has PyTorch's keys and goes through JSON, for a checkpoint.
func ExampleStateDict() {
	opt, done := newSGD(0.1)
	defer done()
	sched, err := lr_scheduler.NewExponentialLR(opt, 0.5)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := sched.Step(); err != nil {
		fmt.Println(err)
	}
	data, err := json.Marshal(sched.StateDict())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(data))
	var sd lr_scheduler.StateDict
	if err := json.Unmarshal(data, &sd); err != nil {
		fmt.Println(err)
		return
	}
	again, _ := lr_scheduler.NewExponentialLR(opt, 0.9)
	if err := again.LoadStateDict(sd); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(again.Gamma, again.LastEpoch)
	// Output:
	// {"_get_lr_called_within_step":false,"_last_lr":[0.05],"_step_count":2,"base_lrs":[0.1],"gamma":0.5,"last_epoch":1,"verbose":false}
	// 0.5 1
}
