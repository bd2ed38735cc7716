package parity

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// DirEnv names the environment variable that overrides Dir, for binaries built with -trimpath
// or run away from the source tree.
const DirEnv = "AECIFAR_PARITY_DIR"

// Dir is the folder holding gen.py and the JSON files: torch/testdata/parity, found from this
// source file's location so that tests in any package can load the expectations.
func Dir() string {
	if d := os.Getenv(DirEnv); d != "" {
		return d
	}
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return filepath.Join("torch", "testdata", "parity")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "parity")
}

// A fixture is the Go form of one of gen.py's JSON files: it names its file, and its Header tells
// which torch wrote it.
type fixture interface {
	fileName() string
	version() string
}

// Header is what every file holds besides its cases: the version of torch that wrote it.
type Header struct {
	TorchVersion string `json:"torch_version"`
}

func (h *Header) version() string { return h.TorchVersion }

// Decode reads the JSON file at path into v strictly, as Load does: a field v's type does not know
// is an error. It is for the fixtures other packages keep beside their own tests.
func Decode(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// Load reads the file F is the form of: parity.Load[parity.Train]() reads train.json. Decoding is
// strict: a field the Go types do not know is an error, so that a change of schema in gen.py cannot
// go unnoticed.
func Load[F any, P interface {
	*F
	fixture
}]() (*F, error) {
	f := new(F)
	p := P(f)
	path := filepath.Join(Dir(), p.fileName())
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("parity: %w (set %s, or run torch/testdata/parity/gen.py)", err, DirEnv)
	}
	if err := Decode(path, f); err != nil {
		return nil, fmt.Errorf("parity: %w", err)
	}
	if p.version() == "" {
		return nil, fmt.Errorf("parity: %s: no torch_version", path)
	}
	return f, nil
}

// DetTensor names a tensor made by Det: no data is stored.
type DetTensor struct {
	Shape []int64 `json:"shape"`
	Seed  int64   `json:"seed"`
	Scale float64 `json:"scale"`
}

// Values returns the tensor's data, Det(Shape, Seed, Scale).
func (d DetTensor) Values() []float32 { return Det(d.Shape, d.Seed, d.Scale) }

// Numel is the number of elements.
func (d DetTensor) Numel() int64 { return Numel(d.Shape) }

// Output is a recorded tensor: its shape and its exact float32 values widened to float64.
type Output struct {
	Shape  []int64   `json:"shape"`
	Values []float64 `json:"values"`
}

// Summary describes a large tensor by a few numbers: the float64 sum of its float32 values with
// the sum of their magnitudes (the scale of a sum whose terms cancel), the sum of squares, the
// largest magnitude and the first five values.
type Summary struct {
	Name   string    `json:"name"`
	Sum    float64   `json:"sum"`
	SumAbs float64   `json:"sum_abs"`
	SumSq  float64   `json:"sum_sq"`
	AbsMax float64   `json:"abs_max"`
	First  []float64 `json:"first"`
}

// ---- det.json ----

// DetFile is det.json: values of det() and det_labels() as Python computed them.
type DetFile struct {
	Header
	Det    []DetSample   `json:"det"`
	Labels []LabelSample `json:"labels"`
}

func (*DetFile) fileName() string { return "det.json" }

// DetSample holds det([N], Seed, Scale) at the listed indices, and the float64 sum of all N values.
type DetSample struct {
	N      int64     `json:"n"`
	Seed   int64     `json:"seed"`
	Scale  float64   `json:"scale"`
	Index  []int64   `json:"index"`
	Values []float64 `json:"values"`
	Sum    float64   `json:"sum"`
}

// LabelSample holds det_labels(N, Seed, Classes) in full.
type LabelSample struct {
	N       int     `json:"n"`
	Seed    int     `json:"seed"`
	Classes int     `json:"classes"`
	Values  []int64 `json:"values"`
}

// ---- layers.json ----

// Layers is layers.json: one forward and backward pass per layer configuration.
type Layers struct {
	Header
	Cases []LayerCase `json:"cases"`
}

func (*Layers) fileName() string { return "layers.json" }

// LayerCase is one layer run on a Det input with Det parameters. The loss is
// (output * LossWeight.Values()).sum(), so the output's gradient is LossWeight itself.
type LayerCase struct {
	Name       string       `json:"name"`
	Module     Module       `json:"module"`
	Input      TensorGrad   `json:"input"`
	Params     []TensorGrad `json:"params"`
	Output     Output       `json:"output"`
	LossWeight DetTensor    `json:"loss_weight"`
	Loss       float64      `json:"loss"`
	LossAbs    float64      `json:"loss_abs"` // sum of |output * LossWeight|: the scale of Loss
	Note       string       `json:"note,omitempty"`
}

// TensorGrad is a Det tensor (an input, or a parameter named as in state_dict) and the
// gradient of the case's loss with respect to it.
type TensorGrad struct {
	Name string `json:"name,omitempty"`
	DetTensor
	Grad []float64 `json:"grad"`
}

// Param returns the parameter called name ("weight", "bias"), or nil.
func (c *LayerCase) Param(name string) *TensorGrad {
	for i := range c.Params {
		if c.Params[i].Name == name {
			return &c.Params[i]
		}
	}
	return nil
}

// Module is a layer as PyTorch built it: its class name, every constructor argument (as the
// module stores them, pairs written as two-element lists), its training flag and its repr.
type Module struct {
	Type     string     `json:"type"`
	Args     ModuleArgs `json:"args"`
	Training bool       `json:"training"`
	Repr     string     `json:"repr"`
}

// ModuleArgs is the union of the constructor arguments of the recorded layer types; a field
// a type does not have is zero. Conv2d and ConvTranspose2d: InChannels, OutChannels,
// KernelSize, Stride, Padding, Dilation, Groups, Bias, PaddingMode (and OutputPadding for
// ConvTranspose2d). Linear: InFeatures, OutFeatures, Bias. MaxPool2d: KernelSize, Stride,
// Padding, Dilation, CeilMode, ReturnIndices. Dropout: P, Inplace. ReLU: Inplace. Sigmoid: none.
type ModuleArgs struct {
	InChannels    int64   `json:"in_channels,omitempty"`
	OutChannels   int64   `json:"out_channels,omitempty"`
	KernelSize    []int64 `json:"kernel_size,omitempty"`
	Stride        []int64 `json:"stride,omitempty"`
	Padding       []int64 `json:"padding,omitempty"`
	OutputPadding []int64 `json:"output_padding,omitempty"`
	Dilation      []int64 `json:"dilation,omitempty"`
	Groups        int64   `json:"groups,omitempty"`
	Bias          bool    `json:"bias,omitempty"`
	PaddingMode   string  `json:"padding_mode,omitempty"`
	InFeatures    int64   `json:"in_features,omitempty"`
	OutFeatures   int64   `json:"out_features,omitempty"`
	CeilMode      bool    `json:"ceil_mode,omitempty"`
	ReturnIndices bool    `json:"return_indices,omitempty"`
	P             float64 `json:"p,omitempty"`
	Inplace       bool    `json:"inplace,omitempty"`
}

// ---- losses.json ----

// Losses is losses.json: MSELoss and CrossEntropyLoss under each reduction.
type Losses struct {
	Header
	Cases []LossCase `json:"cases"`
}

func (*Losses) fileName() string { return "losses.json" }

// LossCase is loss(input, target) with Reduction "mean", "sum" or "none". For "mean" and "sum"
// InputGrad is the gradient of the scalar loss; for "none" it is the gradient of
// (output * GradOutput.Values()).sum().
type LossCase struct {
	Loss       string     `json:"loss"` // "MSELoss" or "CrossEntropyLoss"
	Reduction  string     `json:"reduction"`
	Input      DetTensor  `json:"input"`
	Target     LossTarget `json:"target"`
	Output     Output     `json:"output"` // shape [] for mean and sum
	GradOutput *DetTensor `json:"grad_output,omitempty"`
	InputGrad  []float64  `json:"input_grad"`
}

// LossTarget is a Det tensor for MSELoss (Shape, Seed, Scale) or class labels for
// CrossEntropyLoss: DetLabels(N, Seed, Classes).
type LossTarget struct {
	Shape   []int64 `json:"shape,omitempty"`
	Seed    int64   `json:"seed"`
	Scale   float64 `json:"scale,omitempty"`
	N       int     `json:"n,omitempty"`
	Classes int     `json:"classes,omitempty"`
}

// Tensor is the MSELoss target.
func (t LossTarget) Tensor() DetTensor {
	return DetTensor{Shape: t.Shape, Seed: t.Seed, Scale: t.Scale}
}

// Labels is the CrossEntropyLoss target.
func (t LossTarget) Labels() []int64 { return DetLabels(t.N, int(t.Seed), t.Classes) }

// ---- init.json ----

// Init is init.json: statistics of PyTorch's default initialization.
type Init struct {
	Header
	Cases []InitCase `json:"cases"`
}

func (*Init) fileName() string { return "init.json" }

// InitCase pools the weights and the biases of Samples fresh modules built after
// torch.manual_seed(ManualSeed).
//
// WeightBound is kaiming_uniform_(a=sqrt(5))'s bound computed with PyTorch's own float64
// arithmetic, sqrt(3) * (sqrt(2/(1+a**2)) / sqrt(fan_in)); it can sit one ulp below
// WeightBoundSimple = 1/sqrt(fan_in). BiasBound is 1/sqrt(fan_in). The draws are float32, and
// uniform_ may return the float32-rounded bound itself (Linear(1024, 1024) draws -0.03125), so
// the exact range check is |x| <= WeightBoundF32 (BiasBoundF32). FanIn comes from
// weight.size(1) * kH * kW for both Conv2d ([out, in/groups, kH, kW]) and ConvTranspose2d
// ([in, out/groups, kH, kW]). UniformStd* = bound/sqrt(3), the std of U(-bound, bound).
// Seed0* are the first five values of a module built right after torch.manual_seed(0),
// which libtorch's generator reproduces when the same draws happen in the same order
// (weight, then bias).
type InitCase struct {
	Module            Module    `json:"module"`
	WeightShape       []int64   `json:"weight_shape"`
	BiasShape         []int64   `json:"bias_shape"`
	FanIn             int64     `json:"fan_in"`
	WeightBound       float64   `json:"weight_bound"`
	BiasBound         float64   `json:"bias_bound"`
	WeightBoundSimple float64   `json:"weight_bound_simple"`
	WeightBoundF32    float64   `json:"weight_bound_f32"`
	BiasBoundF32      float64   `json:"bias_bound_f32"`
	Samples           int       `json:"samples"`
	ManualSeed        int64     `json:"manual_seed"`
	Weight            Moments   `json:"weight"`
	Bias              Moments   `json:"bias"`
	UniformStdWeight  float64   `json:"uniform_std_weight"`
	UniformStdBias    float64   `json:"uniform_std_bias"`
	Seed0WeightFirst  []float64 `json:"seed0_weight_first"`
	Seed0BiasFirst    []float64 `json:"seed0_bias_first"`
}

// Moments of Count pooled values; Std is the population standard deviation.
type Moments struct {
	Count int64   `json:"count"`
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
	Mean  float64 `json:"mean"`
	Std   float64 `json:"std"`
}

// ---- train.json ----

// Train is train.json: the seed's autoencoder and classifier trained for a few steps on CPU.
type Train struct {
	Header
	NumThreads  int            `json:"num_threads"`
	Autoencoder AutoencoderRun `json:"autoencoder"`
	Classifier  ClassifierRun  `json:"classifier"`
}

func (*Train) fileName() string { return "train.json" }

// NamedTensor is a parameter, by state_dict key, and the Det tensor it starts from.
type NamedTensor struct {
	Name string `json:"name"`
	DetTensor
}

// Batches describes batch k of a run: Det(Shape, SeedBase+k, Scale).
type Batches struct {
	Shape    []int64 `json:"shape"`
	SeedBase int64   `json:"seed_base"`
	Scale    float64 `json:"scale"`
}

// Batch is the k-th batch (k from 0).
func (b Batches) Batch(k int) DetTensor {
	return DetTensor{Shape: b.Shape, Seed: b.SeedBase + int64(k), Scale: b.Scale}
}

// LabelBatches describes the labels of batch k: DetLabels(N, SeedBase+k, Classes).
type LabelBatches struct {
	N        int `json:"n"`
	SeedBase int `json:"seed_base"`
	Classes  int `json:"classes"`
}

// Labels are the k-th batch's labels (k from 0).
func (l LabelBatches) Labels(k int) []int64 { return DetLabels(l.N, l.SeedBase+k, l.Classes) }

// OptimizerSpec holds every option of an SGD or Adam parameter group as PyTorch filled it in;
// options the type lacks are zero.
type OptimizerSpec struct {
	Type        string    `json:"type,omitempty"` // "SGD" or "Adam"
	LR          float64   `json:"lr"`
	Momentum    float64   `json:"momentum,omitempty"`
	Dampening   float64   `json:"dampening,omitempty"`
	WeightDecay float64   `json:"weight_decay"`
	Nesterov    bool      `json:"nesterov,omitempty"`
	Betas       []float64 `json:"betas,omitempty"`
	Eps         float64   `json:"eps,omitempty"`
	Amsgrad     bool      `json:"amsgrad,omitempty"`
	Maximize    bool      `json:"maximize,omitempty"`
	Foreach     *bool     `json:"foreach,omitempty"` // Adam: None (null), True or False
}

// AutoencoderRun trains ConvAutoencoder for Steps steps: batch k is Batch.Batch(k), the loss is
// MSELoss(model(x), x), the optimizer Adam. Losses[k] is loss.item() of step k (before its
// update); GradsStep0 summarizes the gradients of step 0; Final the parameters after the
// last step. Params lists every parameter's starting Det tensor, each scaled by its layer's
// default init bound 1/sqrt(fan_in).
type AutoencoderRun struct {
	StateDictKeys []string      `json:"state_dict_keys"`
	Params        []NamedTensor `json:"params"`
	Batch         Batches       `json:"batch"`
	Loss          string        `json:"loss"`
	Optimizer     OptimizerSpec `json:"optimizer"`
	Steps         int           `json:"steps"`
	Losses        []float64     `json:"losses"`
	GradsStep0    []Summary     `json:"grads_step0"`
	Final         []Summary     `json:"final"`
}

// ClassifierRun trains MyModel (modelA = Sequential(conv1, conv2, pool) holding the
// autoencoder's starting Det weights, then fc1, fc2, out and dropout) with only the Linear
// parameters trainable (Frozen lists the others, which SGD receives but skips, having no
// gradient). Batch k is Batch.Batch(k) with labels Labels.Labels(k); the loss is
// CrossEntropyLoss. Eval runs in model.eval() (no dropout, deterministic); Train in
// model.train() after torch.manual_seed(ManualSeed) right before step 0, so dropout's masks
// come from the CPU generator (bernoulli_ on an empty_like tensor, as at::dropout does).
type ClassifierRun struct {
	StateDictKeys []string      `json:"state_dict_keys"`
	Params        []NamedTensor `json:"params"`
	Frozen        []string      `json:"frozen"`
	Batch         Batches       `json:"batch"`
	Labels        LabelBatches  `json:"labels"`
	Loss          string        `json:"loss"`
	Optimizer     OptimizerSpec `json:"optimizer"`
	Steps         int           `json:"steps"`
	Eval          Trajectory    `json:"eval"`
	Train         Trajectory    `json:"train"`
}

// Trajectory is one classifier run: Mode "eval" or "train" (with ManualSeed).
type Trajectory struct {
	Mode       string    `json:"mode"`
	ManualSeed *int64    `json:"manual_seed,omitempty"`
	Losses     []float64 `json:"losses"`
	GradsStep0 []Summary `json:"grads_step0"`
	Final      []Summary `json:"final"`
}

// ---- optim.json ----

// Optim is optim.json: optimizers on a small quadratic. p starts at Param.Values(); the loss is
// ((p - Target.Values())**2 * |Weight.Values()|).sum().
type Optim struct {
	Header
	Param  DetTensor   `json:"param"`
	Target DetTensor   `json:"target"`
	Weight DetTensor   `json:"weight"`
	Loss   string      `json:"loss"`
	Steps  int         `json:"steps"`
	Cases  []OptimCase `json:"cases"`
}

func (*Optim) fileName() string { return "optim.json" }

// OptimCase runs one optimizer for Steps steps. Args are the constructor's keyword arguments
// as written in Name; Options the whole parameter group after construction. Losses[k] is the
// loss before update k; Params[k] is p after update k (row-major).
type OptimCase struct {
	Name    string                 `json:"name"`
	Type    string                 `json:"type"`
	Args    map[string]interface{} `json:"args"`
	Options OptimizerSpec          `json:"options"`
	Losses  []float64              `json:"losses"`
	Params  [][]float64            `json:"params"`
}

// ---- plateau.json ----

// Plateau is plateau.json: ReduceLROnPlateau on every named metric sequence under each config.
type Plateau struct {
	Header
	VerboseFormat string               `json:"verbose_format"`
	Metrics       map[string][]float64 `json:"metrics"`
	Configs       []PlateauConfig      `json:"configs"`
	Runs          []PlateauRun         `json:"runs"`
}

func (*Plateau) fileName() string { return "plateau.json" }

// Config returns the config called name, or nil.
func (f *Plateau) Config(name string) *PlateauConfig {
	for i := range f.Configs {
		if f.Configs[i].Name == name {
			return &f.Configs[i]
		}
	}
	return nil
}

// PlateauConfig is a scheduler over an SGD optimizer with one parameter group per entry of
// LRs (the group's starting lr). Args holds every constructor argument, defaults filled in.
type PlateauConfig struct {
	Name string      `json:"name"`
	LRs  []float64   `json:"lrs"`
	Args PlateauArgs `json:"args"`
}

// PlateauArgs are ReduceLROnPlateau's arguments (verbose=True in every run).
type PlateauArgs struct {
	Mode          string  `json:"mode"` // "min" or "max"
	Factor        float64 `json:"factor"`
	Patience      int     `json:"patience"`
	Threshold     float64 `json:"threshold"`
	ThresholdMode string  `json:"threshold_mode"` // "rel" or "abs"
	Cooldown      int     `json:"cooldown"`
	MinLR         MinLR   `json:"min_lr"`
	Eps           float64 `json:"eps"`
}

// MinLR is min_lr: one number for every group, or a list with one per group.
type MinLR struct {
	Values   []float64
	PerGroup bool // written as a list
}

// For is the min_lr of group g.
func (m MinLR) For(g int) float64 {
	if m.PerGroup {
		return m.Values[g]
	}
	return m.Values[0]
}

// UnmarshalJSON accepts a number or a list of numbers.
func (m *MinLR) UnmarshalJSON(b []byte) error {
	var one float64
	if err := json.Unmarshal(b, &one); err == nil {
		*m = MinLR{Values: []float64{one}}
		return nil
	}
	var list []float64
	if err := json.Unmarshal(b, &list); err != nil {
		return errors.New("min_lr: want a number or a list of numbers")
	}
	*m = MinLR{Values: list, PerGroup: true}
	return nil
}

// MarshalJSON writes the form UnmarshalJSON read.
func (m MinLR) MarshalJSON() ([]byte, error) {
	if m.PerGroup {
		return json.Marshal(m.Values)
	}
	if len(m.Values) != 1 {
		return nil, errors.New("min_lr: a scalar needs exactly one value")
	}
	return json.Marshal(m.Values[0])
}

// PlateauRun steps the Config's scheduler once per value of Metrics[metrics], in order. After
// step k (epoch k+1): LRs[g][k] is group g's lr, Best[k] the scheduler's best,
// NumBadEpochs[k] and CooldownCounter[k] its counters. Stdout is every line the verbose
// scheduler printed, in order, e.g. "Epoch 00005: reducing learning rate of group 0 to 1.0000e-04.".
type PlateauRun struct {
	Config          string      `json:"config"`
	Metrics         string      `json:"metrics"`
	LRs             [][]float64 `json:"lrs"`
	Best            []float64   `json:"best"`
	NumBadEpochs    []int       `json:"num_bad_epochs"`
	CooldownCounter []int       `json:"cooldown_counter"`
	Stdout          []string    `json:"stdout"`
}

// LoadLayers is Load[Layers], kept for torch/nn's tests until they call Load.
func LoadLayers() (*Layers, error) { return Load[Layers]() }

// LoadLosses is Load[Losses], kept for torch/nn's tests until they call Load.
func LoadLosses() (*Losses, error) { return Load[Losses]() }

// LoadInit is Load[Init], kept for torch/nn's tests until they call Load.
func LoadInit() (*Init, error) { return Load[Init]() }
