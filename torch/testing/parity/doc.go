// Package parity loads reference numbers recorded from PyTorch, so that tests of the Go torch
// package can compare their results with what PyTorch computes for the same layers, losses,
// initializers, optimizers, schedulers and training runs.
//
// # Where the numbers come from
//
// torch/testdata/parity/gen.py (python3 with Debian's python3-torch 1.13.1; it re-executes
// itself with /usr/bin/python3 when the python3 on PATH lacks torch) writes the JSON files
// beside it, on one CPU thread:
//
//	python3 torch/testdata/parity/gen.py           # rewrite the files
//	python3 torch/testdata/parity/gen.py --check   # regenerate in memory; exit 1 if the files differ
//
// --check writes nothing. It compares each float32 result within 1e-5 of a scale of what was
// summed to make it (a summary's sum against its sum_abs, a tensor's values against their largest
// magnitude), so that it holds on any CPU and under any kernel choice; gen.py states the rule and
// the differences measured. Integers, strings and shapes are compared exactly.
// The files are generated: change gen.py, never the JSON.
//
// No weight and no input is stored. Every tensor is made by [Det], which Go and Python
// compute bit for bit alike, and a file names it by shape, seed and scale ([DetTensor]).
// Class labels come from [DetLabels]. det.json records values of both so that any drift
// between the two implementations fails a test here.
//
// # Numbers
//
// All numbers are JSON numbers read as float64. Tensor values are float32 in PyTorch and are
// written exactly (their widening to float64), so float32(v) recovers the bits. Losses are
// loss.item() (a float32 widened); sums and sums of squares are computed in float64. Arrays
// are flat and row-major; shapes are separate fields. Every file has "torch_version"
// (torch.__version__; Debian's 1.13.1 reports "1.13.0a0").
//
// # Schema
//
// Objects below are written as {key: type}; "det" stands for {"shape": [int], "seed": int,
// "scale": number}, meaning Det(shape, seed, scale).
//
// det.json ([DetFile], [Load]):
//
//	{"torch_version", "det": [{"n", "seed", "scale", "index": [int], "values": [number], "sum"}],
//	 "labels": [{"n", "seed", "classes", "values": [int]}]}
//
// values[j] = Det([n], seed, scale)[index[j]]; sum is the float64 sum of all n values.
//
// layers.json ([Layers], [Load]): {"torch_version", "cases": [case]}, where case is
//
//	{"name": string,
//	 "module": {"type": "Conv2d"|"ConvTranspose2d"|"Linear"|"MaxPool2d"|"ReLU"|"Sigmoid"|"Dropout",
//	            "args": {every constructor argument; pairs as [h, w]}, "training": bool, "repr": string},
//	 "input": det + {"grad": [number]},
//	 "params": [{"name": "weight"|"bias"} + det + {"grad": [number]}],
//	 "output": {"shape": [int], "values": [number]},
//	 "loss_weight": det, "loss": number, "loss_abs": number, "note"?: string}
//
// Each parameter is set to its det (scale 0.3), the input is its det, and
// loss = (output * loss_weight).sum() is back-propagated: the grads are d loss / d input and
// d loss / d parameter. Cases: Conv2d(3,16,3,padding=1), Conv2d(16,4,3,padding=1),
// Conv2d(3,6,3,stride=2,padding=2,dilation=2), Conv2d(3,4,(3,2),stride=(2,1),padding=(0,1),
// bias=False), MaxPool2d(2,2), MaxPool2d(3,stride=2,padding=1), ConvTranspose2d(4,16,2,stride=2),
// ConvTranspose2d(16,3,2,stride=2), ConvTranspose2d(3,5,3,stride=2,padding=1,output_padding=1),
// Linear(20,7), Linear(20,7,bias=False), ReLU (its input holds an exact 0, where the gradient is
// 0), Sigmoid, Dropout(0.2) in eval mode (identity). Batch 2 throughout.
//
// losses.json ([Losses], [Load]): {"torch_version", "cases": [case]}, where case is
//
//	{"loss": "MSELoss"|"CrossEntropyLoss", "reduction": "mean"|"sum"|"none",
//	 "input": det, "target": det (MSELoss) | {"n", "seed", "classes"} (CrossEntropyLoss: DetLabels),
//	 "output": {"shape", "values"}, "grad_output"?: det, "input_grad": [number]}
//
// input_grad is d output / d input for "mean" and "sum", and d (output*grad_output).sum() / d input
// for "none". MSELoss on [4,5] and [2,3,4,4]; CrossEntropyLoss on [6,10] logits at scale 1 and
// at scale 30 (large logits: log-softmax must be stable).
//
// init.json ([Init], [Load]): {"torch_version", "cases": [case]}, where case is
//
//	{"module", "weight_shape", "bias_shape", "fan_in", "weight_bound", "bias_bound",
//	 "weight_bound_simple", "weight_bound_f32", "bias_bound_f32", "samples", "manual_seed",
//	 "weight": moments, "bias": moments, "uniform_std_weight", "uniform_std_bias",
//	 "seed0_weight_first": [5 numbers], "seed0_bias_first": [up to 5 numbers]}
//
// with moments = {"count", "min", "max", "mean", "std"} pooled over all values of "samples"
// fresh modules built after torch.manual_seed(manual_seed); see [InitCase] for the bounds.
// Modules: Conv2d(3,16,3), Conv2d(16,4,3), ConvTranspose2d(4,16,2,stride=2),
// ConvTranspose2d(16,3,2,stride=2), Linear(1024,1024), Linear(512,10), 300 of each.
//
// train.json ([Train], [Load]):
//
//	{"torch_version", "num_threads",
//	 "autoencoder": {"state_dict_keys": [string], "params": [{"name"} + det], "batch": batches,
//	                 "loss": string, "optimizer": options, "steps", "losses": [number],
//	                 "grads_step0": [summary], "final": [summary]},
//	 "classifier": {"state_dict_keys", "params", "frozen": [string], "batch": batches,
//	                "labels": {"n", "seed_base", "classes"}, "loss", "optimizer", "steps",
//	                "eval": run, "train": run}}
//
// with batches = {"shape", "seed_base", "scale"} (batch k is Det(shape, seed_base+k, scale)),
// labels of batch k DetLabels(n, seed_base+k, classes), summary = {"name", "sum", "sum_abs",
// "sum_sq", "abs_max", "first": [5 numbers]} of a parameter (or gradient) by state_dict key, and
// run = {"mode": "eval"|"train", "manual_seed"?: int, "losses", "grads_step0", "final"}.
// The models are the seed's, exactly: see [AutoencoderRun] and [ClassifierRun]. Each
// parameter starts as Det(shape, seed, 1/sqrt(fan_in of its layer)); the classifier's modelA
// reuses the autoencoder's starting conv1/conv2 seeds (modelA.0.* = conv1.*, modelA.1.* = conv2.*).
//
// optim.json ([Optim], [Load]):
//
//	{"torch_version", "param": det, "target": det, "weight": det, "loss": string, "steps",
//	 "cases": [{"name", "type": "SGD"|"Adam", "args": {keyword arguments},
//	            "options": {the whole param group}, "losses": [number], "params": [[number]]}]}
//
// p = Det(param) is optimized on ((p - target)**2 * |weight|).sum() for 10 steps; params[k] is p
// after step k. Cases: SGD(lr=0.1) alone, with momentum=0.9, with momentum and dampening=0.5,
// with nesterov, with weight_decay=0.01; Adam(lr=0.01), Adam(lr=0.01, betas=(0.8,0.99),
// eps=1e-6), Adam(weight_decay=0.1), Adam(amsgrad=True), Adam(lr=0.1, amsgrad=True).
//
// plateau.json ([Plateau], [Load]):
//
//	{"torch_version", "verbose_format": string, "metrics": {name: [number]},
//	 "configs": [{"name", "lrs": [number], "args": {"mode", "factor", "patience", "threshold",
//	              "threshold_mode", "cooldown", "min_lr": number | [number], "eps"}}],
//	 "runs": [{"config", "metrics", "lrs": [[number]] (group, step), "best": [number],
//	           "num_bad_epochs": [int], "cooldown_counter": [int], "stdout": [string]}]}
//
// Every config is run on every metric sequence with verbose=True; "stdout" holds the printed
// lines exactly. In 1.13.1 a line is
// 'Epoch {}: reducing learning rate of group {} to {:.4e}.'.format('%.5d' % epoch, i, new_lr),
// i.e. Go's fmt.Sprintf("Epoch %05d: reducing learning rate of group %d to %.4e.", ...), and
// it is printed only when the lr really changes: new_lr = max(old*factor, min_lr) is applied
// only if old - new_lr > eps, so the lr stops at 1e-8 with factor 0.1 and the default eps.
//
// # Using it
//
//	cases, err := parity.Load[parity.Layers]() // any file: Load[parity.Train]() reads train.json
//	...
//	x := c.Input.Values()                     // []float32 with shape c.Input.Shape
//	err = parity.Compare(got, c.Output.Values, parity.Tol{Abs: 1e-6, Rel: 1e-5})
//
// Files are found through [Dir] (relative to this package's source, or $AECIFAR_PARITY_DIR).
// [Load] returns an error for a missing file or an unknown field; the package never panics.
package parity
