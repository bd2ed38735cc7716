// Package nn mirrors torch.nn: modules with named parameters and buffers, the standard layers and
// losses, and their default initialisation.
//
// # Modules
//
// A module is a struct that embeds Base. Its constructor registers children, parameters and buffers
// in the order PyTorch's __init__ assigns them, under the same names, so that NamedParameters and
// StateDict produce PyTorch's dotted state_dict keys (conv1.weight, modelA.0.bias, bn.running_mean):
//
//	type Net struct {
//		nn.Base
//		Conv1 *nn.Conv2d
//		BN    *nn.BatchNorm2d
//	}
//
//	func NewNet() *Net {
//		m := &Net{}
//		m.Conv1 = nn.Register(m, "conv1", nn.NewConv2d(3, 16, 3, nn.Conv2dOptions{Padding: 1}))
//		m.BN = nn.Register(m, "bn", nn.NewBatchNorm2d(16))
//		return m
//	}
//
//	func (m *Net) Forward(x *torch.Tensor) *torch.Tensor { return m.BN.Forward(m.Conv1.Forward(x)).Relu() }
//
// Any module can be registered as a child, whatever its Forward takes and returns (Module asks only
// for the embedded Base); Sequential's children must be Forwarders, one tensor in and one out. Base
// gives every module PyTorch's Module methods: Children, NamedModules, Apply, Parameters,
// NamedBuffers, StateDict, LoadStateDict, Train/Eval (recursing), ZeroGrad, To, Drop, and String,
// which prints the module as print(model) does.
//
// Parameters and buffers are *torch.Tensor values that belong to no scope and live as long as the
// module: Drop frees them all. Parameters are leaves that require grad.
//
// # Options
//
// Constructors take PyTorch's arguments the way every package of this module does (see package
// optim): the required positional parameters of the PyTorch signature are Go parameters, in
// PyTorch's order (NewConv2d(in, out, kernelSize)); the parameters with defaults go in one options
// struct named after the type (Conv2dOptions, BatchNormOptions), passed as an optional last
// variadic argument, whose zero value means PyTorch's defaults. Field names are PyTorch's keyword
// names in CamelCase. Where zero is a real setting different from the default, the field is a
// pointer and nil is the default: DropoutOptions{P: new(0.2)}, BatchNormOptions{Eps: new(1e-3)}.
// A boolean whose default is True is named for its opposite, so that its zero value is the default:
// bias=False is NoBias: true, affine=False is NoAffine: true. PyTorch's string choices are typed
// constants whose zero value "" is the default (ReductionSum, init.FanOut, UpsampleBilinear). So
//
//	nn.Conv2d(3, 16, 3, padding=1, bias=False)         nn.NewConv2d(3, 16, 3, nn.Conv2dOptions{Padding: 1, NoBias: true})
//	nn.BatchNorm1d(10, momentum=None)                  nn.NewBatchNorm1d(10, nn.BatchNormOptions{MomentumNone: true})
//	nn.CrossEntropyLoss(reduction='sum')               nn.NewCrossEntropyLoss(nn.CrossEntropyLossOptions{Reduction: nn.ReductionSum})
//
// # Errors
//
// A constructor returns the module, so that models compose in one expression. An argument that
// PyTorch's constructor rejects (nn.Conv2d(3, 16, 3, groups=2)) or a name registered twice is kept
// as the module's error: Err reports it (for the module or any descendant), and Forward returns it
// as an error tensor, which every later op passes on, as package torch does with a failed op.
//
// # Initialisation
//
// Layers draw their initial values from libtorch's default CPU generator in PyTorch's order, with
// the distributions of PyTorch's reset_parameters (package nn/init), so that after the same
// torch.ManualSeed a Go model starts with exactly the weights of the PyTorch one.
package nn
