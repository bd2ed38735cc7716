package nn

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/aecifar/aecifar/torch"
	"github.com/aecifar/aecifar/torch/nn/nninit"
)

// The recurrent layers call ATen's own ops, as PyTorch's modules do through torch._VF:
// aten::rnn_tanh, rnn_relu, lstm and gru over the whole sequence (every layer and direction, the
// dropout between layers, batch_first), and rnn_tanh_cell, rnn_relu_cell, lstm_cell and gru_cell
// for one step. The modules only check shapes, supply the zero initial state and hold the weights,
// in PyTorch's order and under PyTorch's names (weight_ih_l0, weight_hh_l0, bias_ih_l0,
// bias_hh_l0, weight_hr_l0 with proj_size, then the _reverse set, then layer 1...).
//
// Packed sequences (nn.utils.rnn.PackedSequence) are not supported. On CUDA, PyTorch lays the
// weights out in one cuDNN buffer (flatten_parameters); these modules keep them apart, which cuDNN
// accepts, at the cost of a copy per call.

// Nonlinearity is nn.RNN's nonlinearity argument.
type Nonlinearity string

// The nonlinearities of nn.RNN and nn.RNNCell.
const (
	NonlinearityTanh Nonlinearity = "tanh"
	NonlinearityReLU Nonlinearity = "relu"
)

// RNNOptions are nn.RNN's keyword arguments; the zero value is PyTorch's defaults.
type RNNOptions struct {
	NumLayers     int64        // num_layers: 0 is 1
	Nonlinearity  Nonlinearity // nonlinearity: "" is NonlinearityTanh
	NoBias        bool         // bias=False
	BatchFirst    bool         // batch_first: input and output are (N, L, H) instead of (L, N, H)
	Dropout       float64      // dropout after every layer but the last, in training mode only
	Bidirectional bool         // bidirectional
}

// LSTMOptions are nn.LSTM's keyword arguments; the zero value is PyTorch's defaults.
type LSTMOptions struct {
	NumLayers     int64   // num_layers: 0 is 1
	NoBias        bool    // bias=False
	BatchFirst    bool    // batch_first: input and output are (N, L, H) instead of (L, N, H)
	Dropout       float64 // dropout after every layer but the last, in training mode only
	Bidirectional bool    // bidirectional
	ProjSize      int64   // proj_size: 0 is no projection; else h is projected to ProjSize features
}

// GRUOptions are nn.GRU's keyword arguments; the zero value is PyTorch's defaults.
type GRUOptions struct {
	NumLayers     int64   // num_layers: 0 is 1
	NoBias        bool    // bias=False
	BatchFirst    bool    // batch_first: input and output are (N, L, H) instead of (L, N, H)
	Dropout       float64 // dropout after every layer but the last, in training mode only
	Bidirectional bool    // bidirectional
}

// RNNBase is nn.RNNBase, what RNN, LSTM and GRU share: their hyperparameters (read-only after
// construction) and their weights.
type RNNBase struct {
	Base
	Mode          string // "RNN_TANH", "RNN_RELU", "LSTM" or "GRU"
	InputSize     int64
	HiddenSize    int64
	NumLayers     int64
	Bias          bool
	BatchFirst    bool
	Dropout       float64
	Bidirectional bool
	ProjSize      int64

	flatNames [][]string // per layer and direction, the names of its weights in _flat_weights order
	err       error      // a constructor argument PyTorch rejects; every Forward returns it
}

// init is RNNBase.__init__: it registers the weights of every layer and direction and initialises
// them all from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) in registration order, drawing from the
// global generator as PyTorch does.
func (r *RNNBase) init(mode string, inputSize, hiddenSize, numLayers int64, bias, batchFirst bool, dropout float64, bidirectional bool, projSize int64) {
	if numLayers == 0 {
		numLayers = 1
	}
	*r = RNNBase{Mode: mode, InputSize: inputSize, HiddenSize: hiddenSize, NumLayers: numLayers, Bias: bias,
		BatchFirst: batchFirst, Dropout: dropout, Bidirectional: bidirectional, ProjSize: projSize}
	switch {
	case math.IsNaN(dropout) || dropout < 0 || dropout > 1:
		r.err = errors.New("dropout should be a number in range [0, 1] representing the probability of an element being zeroed")
	case projSize < 0:
		r.err = errors.New("proj_size should be a positive integer or zero to disable projections")
	case projSize > 0 && projSize >= hiddenSize:
		r.err = errors.New("proj_size has to be smaller than hidden_size")
	case numLayers < 0 || inputSize < 0 || hiddenSize < 0:
		r.err = fmt.Errorf("sizes must be non-negative: input_size=%d, hidden_size=%d, num_layers=%d", inputSize, hiddenSize, numLayers)
	}
	if r.err != nil {
		r.err = fmt.Errorf("nn.%s: %w", r.typeName(), r.err)
		return
	}
	gates := map[string]int64{"LSTM": 4, "GRU": 3}[mode]
	if gates == 0 {
		gates = 1
	}
	gateSize := gates * hiddenSize
	realHidden := hiddenSize
	if projSize > 0 {
		realHidden = projSize
	}
	for layer := int64(0); layer < numLayers; layer++ {
		for dir := int64(0); dir < r.numDirections(); dir++ {
			layerInput := inputSize
			if layer > 0 {
				layerInput = realHidden * r.numDirections()
			}
			suffix := ""
			if dir == 1 {
				suffix = "_reverse"
			}
			name := func(kind string) string { return fmt.Sprintf("%s_l%d%s", kind, layer, suffix) }
			names := []string{name("weight_ih"), name("weight_hh")}
			r.RegisterParameter(names[0], newParameter(gateSize, layerInput))
			r.RegisterParameter(names[1], newParameter(gateSize, realHidden))
			if bias {
				names = append(names, name("bias_ih"), name("bias_hh"))
				r.RegisterParameter(names[2], newParameter(gateSize))
				r.RegisterParameter(names[3], newParameter(gateSize))
			}
			if projSize > 0 {
				names = append(names, name("weight_hr"))
				r.RegisterParameter(names[len(names)-1], newParameter(projSize, hiddenSize))
			}
			r.flatNames = append(r.flatNames, names)
		}
	}
	r.ResetParameters()
}

// ResetParameters is reset_parameters(): every weight from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)),
// in the order of Parameters.
func (r *RNNBase) ResetParameters() {
	uniformReset(&r.Base, r.HiddenSize)
}

// uniformReset draws every parameter of b from U(-1/sqrt(hidden), 1/sqrt(hidden)) in registration
// order, as RNNBase and RNNCellBase reset_parameters do, and makes it require grad.
func uniformReset(b *Base, hidden int64) {
	stdv := 0.0
	if hidden > 0 {
		stdv = 1 / math.Sqrt(float64(hidden))
	}
	for _, p := range b.Parameters() {
		hi := stdv
		nninit.Uniform_(p, nninit.UniformOptions{A: -stdv, B: &hi})
		p.SetRequiresGrad(true)
	}
}

func (r *RNNBase) numDirections() int64 {
	if r.Bidirectional {
		return 2
	}
	return 1
}

func (r *RNNBase) typeName() string {
	if strings.HasPrefix(r.Mode, "RNN") {
		return "RNN"
	}
	return r.Mode
}

// AllWeights is the all_weights property: for each layer and direction, its weights in the order
// the ATen op takes them (w_ih, w_hh, b_ih, b_hh, w_hr).
func (r *RNNBase) AllWeights() [][]*torch.Tensor {
	out := make([][]*torch.Tensor, len(r.flatNames))
	for i, names := range r.flatNames {
		for _, n := range names {
			out[i] = append(out[i], r.params[n])
		}
	}
	return out
}

// flatWeights is _flat_weights, read from the registry on every call so that a parameter replaced
// with RegisterParameter is the one used.
func (r *RNNBase) flatWeights() []*torch.Tensor {
	var out []*torch.Tensor
	for _, names := range r.flatNames {
		for _, n := range names {
			out = append(out, r.params[n])
		}
	}
	return out
}

// extraRepr is RNNBase.extra_repr: the sizes, then the arguments that differ from their defaults.
func (r *RNNBase) extraRepr() string {
	s := fmt.Sprintf("%d, %d", r.InputSize, r.HiddenSize)
	if r.ProjSize != 0 {
		s += fmt.Sprintf(", proj_size=%d", r.ProjSize)
	}
	if r.NumLayers != 1 {
		s += fmt.Sprintf(", num_layers=%d", r.NumLayers)
	}
	if !r.Bias {
		s += ", bias=False"
	}
	if r.BatchFirst {
		s += ", batch_first=True"
	}
	if r.Dropout != 0 {
		s += ", dropout=" + pyFloatRepr(r.Dropout)
	}
	if r.Bidirectional {
		s += ", bidirectional=True"
	}
	return s
}

// prepare does what RNNBase's forward does before calling the op: it adds the batch dimension to an
// unbatched (2-D) input and its states, makes the zero initial states when none are given, and
// checks every shape. hx holds no state, or one per entry of sizes (LSTM: h and c).
func (r *RNNBase) prepare(input *torch.Tensor, hx []*torch.Tensor, stateSizes []int64) (x *torch.Tensor, h []*torch.Tensor, batched bool, err error) {
	name := "nn." + r.typeName()
	if r.err != nil {
		return nil, nil, false, r.err
	}
	if len(hx) != 0 && len(hx) != len(stateSizes) {
		return nil, nil, false, fmt.Errorf("%s: %d initial states, want %d", name, len(hx), len(stateSizes))
	}
	if err := torch.InputErr(strings.ToLower(r.typeName()), append([]*torch.Tensor{input}, hx...)...); err != nil {
		return nil, nil, false, err
	}
	d := input.Dim()
	if d != 2 && d != 3 {
		return nil, nil, false, fmt.Errorf("%s: expected a 2-D (unbatched) or 3-D (batched) input, got %d-D", name, d)
	}
	batched = d == 3
	states := "hx"
	if len(stateSizes) == 2 {
		states = "hx and cx"
	}
	for _, t := range hx {
		if t.Dim() != d {
			dims := make([]string, len(hx))
			for i, t := range hx {
				dims[i] = fmt.Sprintf("%d-D", t.Dim())
			}
			kind := "batched 3-D"
			if !batched {
				kind = "unbatched 2-D"
			}
			return nil, nil, false, fmt.Errorf("%s: for %s input, %s should also be %d-D but got %s", name, kind, states, d, strings.Join(dims, ", "))
		}
	}
	x = input
	batchDim := int64(1)
	if r.BatchFirst {
		batchDim = 0
	}
	if !batched {
		x = input.Unsqueeze(batchDim)
		for _, t := range hx {
			h = append(h, t.Unsqueeze(1))
		}
	} else {
		h = hx
	}
	if got := x.Size(-1); got != r.InputSize {
		return nil, nil, false, fmt.Errorf("%s: input.size(-1) must be equal to input_size. Expected %d, got %d", name, r.InputSize, got)
	}
	batch := x.Size(int(batchDim))
	layers := r.NumLayers * r.numDirections()
	if len(h) == 0 {
		for _, size := range stateSizes {
			h = append(h, x.NewZeros([]int64{layers, batch, size}, torch.NewZerosOptions{DType: x.DType(), Device: x.Device()}))
		}
	}
	for i, size := range stateSizes {
		want := []int64{layers, batch, size}
		if !sameShape(h[i].Shape(), want) {
			which := "hidden"
			if len(stateSizes) == 2 {
				which = fmt.Sprintf("hidden[%d]", i)
			}
			return nil, nil, false, fmt.Errorf("%s: expected %s size (%d, %d, %d), got %v", name, which, want[0], want[1], want[2], h[i].Shape())
		}
	}
	return x, h, batched, nil
}

// finish removes the batch dimension that prepare added to an unbatched input.
func (r *RNNBase) finish(batched bool, out *torch.Tensor, states ...*torch.Tensor) (*torch.Tensor, []*torch.Tensor) {
	if batched {
		return out, states
	}
	batchDim := int64(1)
	if r.BatchFirst {
		batchDim = 0
	}
	for i, s := range states {
		states[i] = s.SqueezeDim(1)
	}
	return out.SqueezeDim(batchDim), states
}

// RNN is nn.RNN: an Elman RNN, h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or ReLU),
// over every layer and direction.
type RNN struct {
	RNNBase
	Nonlinearity Nonlinearity
}

// NewRNN is nn.RNN(input_size, hidden_size, **options).
func NewRNN(inputSize, hiddenSize int64, opts ...RNNOptions) *RNN {
	var o RNNOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	r := &RNN{Nonlinearity: o.Nonlinearity}
	if r.Nonlinearity == "" {
		r.Nonlinearity = NonlinearityTanh
	}
	mode := map[Nonlinearity]string{NonlinearityTanh: "RNN_TANH", NonlinearityReLU: "RNN_RELU"}[r.Nonlinearity]
	if mode == "" {
		r.err = fmt.Errorf("nn.RNN: unknown nonlinearity '%s'", r.Nonlinearity)
		r.Mode, r.InputSize, r.HiddenSize = "RNN_TANH", inputSize, hiddenSize
		return r
	}
	r.init(mode, inputSize, hiddenSize, o.NumLayers, !o.NoBias, o.BatchFirst, o.Dropout, o.Bidirectional, 0)
	return r
}

// Forward is rnn(input, h_0): it returns the output, (L, N, D*H) ((N, L, D*H) with batch_first;
// (L, D*H) for an unbatched input), the last layer's h_t for every t, and h_n, (D*num_layers, N, H),
// every layer's final state. h_0 defaults to zeros. Errors come back in both tensors.
func (r *RNN) Forward(input *torch.Tensor, h0 ...*torch.Tensor) (output, hn *torch.Tensor) {
	x, h, batched, err := r.prepare(input, h0, []int64{r.HiddenSize})
	if err != nil {
		e := torch.FromError(err)
		return e, e
	}
	op := torch.RNNTanhInput
	if r.Mode == "RNN_RELU" {
		op = torch.RNNReluInput
	}
	out, hn := op(x, h[0], r.flatWeights(), r.Bias, r.NumLayers, r.Dropout, r.Training(), r.Bidirectional, r.BatchFirst)
	out, states := r.finish(batched, out, hn)
	return out, states[0]
}

func (r *RNN) String() string { return "RNN(" + r.extraRepr() + ")" }

// LSTMState is an LSTM's (h, c) pair: the hidden state and the cell state.
type LSTMState struct {
	H, C *torch.Tensor
}

// LSTM is nn.LSTM, with PyTorch's gates (i, f, g, o) and optional projection (proj_size).
type LSTM struct {
	RNNBase
}

// NewLSTM is nn.LSTM(input_size, hidden_size, **options).
func NewLSTM(inputSize, hiddenSize int64, opts ...LSTMOptions) *LSTM {
	var o LSTMOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	l := &LSTM{}
	l.init("LSTM", inputSize, hiddenSize, o.NumLayers, !o.NoBias, o.BatchFirst, o.Dropout, o.Bidirectional, o.ProjSize)
	return l
}

// Forward is lstm(input, (h_0, c_0)): it returns the output, (L, N, D*H_out) ((N, L, D*H_out) with
// batch_first; (L, D*H_out) for an unbatched input), and (h_n, c_n), every layer's final states,
// (D*num_layers, N, H_out) and (D*num_layers, N, hidden_size). H_out is proj_size if set, else
// hidden_size. The initial state defaults to zeros. Errors come back in every tensor.
//
// mnist_rnn's `output, hidden = self.rnn(input)` and `output[:, -1, :]` are
//
//	output, _ := m.RNN.Forward(input)
//	last := output.At(torch.Colon, -1, torch.Colon)
func (l *LSTM) Forward(input *torch.Tensor, hx ...LSTMState) (*torch.Tensor, LSTMState) {
	if len(hx) > 1 {
		e := torch.FromError(fmt.Errorf("nn.LSTM: %d initial states, want one (h_0, c_0) pair", len(hx)))
		return e, LSTMState{e, e}
	}
	var given []*torch.Tensor
	if len(hx) == 1 {
		given = []*torch.Tensor{hx[0].H, hx[0].C}
	}
	realHidden := l.HiddenSize
	if l.ProjSize > 0 {
		realHidden = l.ProjSize
	}
	x, h, batched, err := l.prepare(input, given, []int64{realHidden, l.HiddenSize})
	if err != nil {
		e := torch.FromError(err)
		return e, LSTMState{e, e}
	}
	out, hn, cn := torch.LSTMInput(x, h, l.flatWeights(), l.Bias, l.NumLayers, l.Dropout, l.Training(), l.Bidirectional, l.BatchFirst)
	out, states := l.finish(batched, out, hn, cn)
	return out, LSTMState{states[0], states[1]}
}

func (l *LSTM) String() string { return "LSTM(" + l.extraRepr() + ")" }

// GRU is nn.GRU, with PyTorch's gates (r, z, n).
type GRU struct {
	RNNBase
}

// NewGRU is nn.GRU(input_size, hidden_size, **options).
func NewGRU(inputSize, hiddenSize int64, opts ...GRUOptions) *GRU {
	var o GRUOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	g := &GRU{}
	g.init("GRU", inputSize, hiddenSize, o.NumLayers, !o.NoBias, o.BatchFirst, o.Dropout, o.Bidirectional, 0)
	return g
}

// Forward is gru(input, h_0), with the shapes of RNN.Forward.
func (g *GRU) Forward(input *torch.Tensor, h0 ...*torch.Tensor) (output, hn *torch.Tensor) {
	x, h, batched, err := g.prepare(input, h0, []int64{g.HiddenSize})
	if err != nil {
		e := torch.FromError(err)
		return e, e
	}
	out, hn := torch.GRUInput(x, h[0], g.flatWeights(), g.Bias, g.NumLayers, g.Dropout, g.Training(), g.Bidirectional, g.BatchFirst)
	out, states := g.finish(batched, out, hn)
	return out, states[0]
}

func (g *GRU) String() string { return "GRU(" + g.extraRepr() + ")" }

// RNNCellOptions are the keyword arguments of nn.RNNCell (and, without Nonlinearity, of
// nn.LSTMCell and nn.GRUCell); the zero value is PyTorch's defaults.
type RNNCellOptions struct {
	NoBias       bool         // bias=False
	Nonlinearity Nonlinearity // nn.RNNCell only: "" is NonlinearityTanh
}

// RNNCellBase is nn.RNNCellBase, what RNNCell, LSTMCell and GRUCell share: weight_ih
// [chunks*hidden, input], weight_hh [chunks*hidden, hidden], and bias_ih, bias_hh [chunks*hidden]
// unless NoBias.
type RNNCellBase struct {
	Base
	InputSize, HiddenSize int64
	Bias                  bool
	WeightIH, WeightHH    *torch.Tensor
	BiasIH, BiasHH        *torch.Tensor // nil with bias=False
	name                  string
	err                   error
}

func (c *RNNCellBase) init(name string, inputSize, hiddenSize int64, bias bool, chunks int64) {
	*c = RNNCellBase{InputSize: inputSize, HiddenSize: hiddenSize, Bias: bias, name: name}
	c.WeightIH = c.RegisterParameter("weight_ih", newParameter(chunks*hiddenSize, inputSize))
	c.WeightHH = c.RegisterParameter("weight_hh", newParameter(chunks*hiddenSize, hiddenSize))
	if bias {
		c.BiasIH = c.RegisterParameter("bias_ih", newParameter(chunks*hiddenSize))
		c.BiasHH = c.RegisterParameter("bias_hh", newParameter(chunks*hiddenSize))
	}
	c.ResetParameters()
}

// ResetParameters is reset_parameters(): every weight from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
func (c *RNNCellBase) ResetParameters() { uniformReset(&c.Base, c.HiddenSize) }

// prepare adds the batch dimension to an unbatched (1-D) input and its states, and makes the zero
// states when none are given (nstates of them).
func (c *RNNCellBase) prepare(input *torch.Tensor, hx []*torch.Tensor, nstates int) (x *torch.Tensor, h []*torch.Tensor, batched bool, err error) {
	if c.err != nil {
		return nil, nil, false, c.err
	}
	if len(hx) != 0 && len(hx) != nstates {
		return nil, nil, false, fmt.Errorf("nn.%s: %d initial states, want %d", c.name, len(hx), nstates)
	}
	if err := torch.InputErr(strings.ToLower(c.name), append([]*torch.Tensor{input}, hx...)...); err != nil {
		return nil, nil, false, err
	}
	d := input.Dim()
	if d != 1 && d != 2 {
		return nil, nil, false, fmt.Errorf("nn.%s: expected input to be 1-D or 2-D but received %d-D tensor", c.name, d)
	}
	batched = d == 2
	x = input
	if !batched {
		x = input.Unsqueeze(0)
	}
	if len(hx) == 0 {
		z := x.NewZeros([]int64{x.Size(0), c.HiddenSize}, torch.NewZerosOptions{DType: x.DType(), Device: x.Device()})
		for i := 0; i < nstates; i++ {
			h = append(h, z)
		}
		return x, h, batched, nil
	}
	for _, t := range hx {
		if !batched {
			t = t.Unsqueeze(0)
		}
		h = append(h, t)
	}
	return x, h, batched, nil
}

func (c *RNNCellBase) finish(batched bool, states ...*torch.Tensor) []*torch.Tensor {
	if !batched {
		for i, s := range states {
			states[i] = s.SqueezeDim(0)
		}
	}
	return states
}

// extraRepr is RNNCellBase.extra_repr.
func (c *RNNCellBase) extraRepr() string {
	s := fmt.Sprintf("%d, %d", c.InputSize, c.HiddenSize)
	if !c.Bias {
		s += ", bias=False"
	}
	return s
}

// RNNCell is nn.RNNCell: one step of an Elman RNN.
type RNNCell struct {
	RNNCellBase
	Nonlinearity Nonlinearity
}

// NewRNNCell is nn.RNNCell(input_size, hidden_size, **options).
func NewRNNCell(inputSize, hiddenSize int64, opts ...RNNCellOptions) *RNNCell {
	var o RNNCellOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	c := &RNNCell{Nonlinearity: o.Nonlinearity}
	if c.Nonlinearity == "" {
		c.Nonlinearity = NonlinearityTanh
	}
	c.init("RNNCell", inputSize, hiddenSize, !o.NoBias, 1)
	if c.Nonlinearity != NonlinearityTanh && c.Nonlinearity != NonlinearityReLU {
		c.err = fmt.Errorf("nn.RNNCell: unknown nonlinearity: %s", c.Nonlinearity)
	}
	return c
}

// Forward is rnn_cell(input, hx): h' from input (N, input_size) or (input_size) and hx of the
// matching (N, hidden_size) or (hidden_size), zeros when omitted.
func (c *RNNCell) Forward(input *torch.Tensor, hx ...*torch.Tensor) *torch.Tensor {
	x, h, batched, err := c.prepare(input, hx, 1)
	if err != nil {
		return torch.FromError(err)
	}
	var out *torch.Tensor
	if c.Nonlinearity == NonlinearityReLU {
		out = torch.RNNReluCell(x, h[0], c.WeightIH, c.WeightHH, torch.RNNReluCellOptions{BIh: c.BiasIH, BHh: c.BiasHH})
	} else {
		out = torch.RNNTanhCell(x, h[0], c.WeightIH, c.WeightHH, torch.RNNTanhCellOptions{BIh: c.BiasIH, BHh: c.BiasHH})
	}
	return c.finish(batched, out)[0]
}

func (c *RNNCell) String() string {
	s := c.extraRepr()
	if c.Nonlinearity != NonlinearityTanh {
		s += ", nonlinearity=" + string(c.Nonlinearity)
	}
	return "RNNCell(" + s + ")"
}

// LSTMCell is nn.LSTMCell: one step of an LSTM.
type LSTMCell struct{ RNNCellBase }

// NewLSTMCell is nn.LSTMCell(input_size, hidden_size, **options); options.Nonlinearity must be unset.
func NewLSTMCell(inputSize, hiddenSize int64, opts ...RNNCellOptions) *LSTMCell {
	c := &LSTMCell{}
	c.init("LSTMCell", inputSize, hiddenSize, len(opts) == 0 || !opts[0].NoBias, 4)
	if len(opts) > 0 && opts[0].Nonlinearity != "" {
		c.err = errors.New("nn.LSTMCell: nonlinearity is an argument of RNNCell only")
	}
	return c
}

// Forward is lstm_cell(input, (h, c)): the next (h', c'), zeros for the state when omitted.
func (c *LSTMCell) Forward(input *torch.Tensor, hx ...LSTMState) LSTMState {
	if len(hx) > 1 {
		e := torch.FromError(fmt.Errorf("nn.LSTMCell: %d states, want one (h, c) pair", len(hx)))
		return LSTMState{e, e}
	}
	var given []*torch.Tensor
	if len(hx) == 1 {
		given = []*torch.Tensor{hx[0].H, hx[0].C}
	}
	x, h, batched, err := c.prepare(input, given, 2)
	if err != nil {
		e := torch.FromError(err)
		return LSTMState{e, e}
	}
	h1, c1 := torch.LSTMCell(x, h, c.WeightIH, c.WeightHH, torch.LSTMCellOptions{BIh: c.BiasIH, BHh: c.BiasHH})
	s := c.finish(batched, h1, c1)
	return LSTMState{s[0], s[1]}
}

func (c *LSTMCell) String() string { return "LSTMCell(" + c.extraRepr() + ")" }

// GRUCell is nn.GRUCell: one step of a GRU.
type GRUCell struct{ RNNCellBase }

// NewGRUCell is nn.GRUCell(input_size, hidden_size, **options); options.Nonlinearity must be unset.
func NewGRUCell(inputSize, hiddenSize int64, opts ...RNNCellOptions) *GRUCell {
	c := &GRUCell{}
	c.init("GRUCell", inputSize, hiddenSize, len(opts) == 0 || !opts[0].NoBias, 3)
	if len(opts) > 0 && opts[0].Nonlinearity != "" {
		c.err = errors.New("nn.GRUCell: nonlinearity is an argument of RNNCell only")
	}
	return c
}

// Forward is gru_cell(input, hx): h', zeros for hx when omitted.
func (c *GRUCell) Forward(input *torch.Tensor, hx ...*torch.Tensor) *torch.Tensor {
	x, h, batched, err := c.prepare(input, hx, 1)
	if err != nil {
		return torch.FromError(err)
	}
	out := torch.GRUCell(x, h[0], c.WeightIH, c.WeightHH, torch.GRUCellOptions{BIh: c.BiasIH, BHh: c.BiasHH})
	return c.finish(batched, out)[0]
}

func (c *GRUCell) String() string { return "GRUCell(" + c.extraRepr() + ")" }

// pyFloatRepr formats v as Python's repr(float) does: the shortest digits that round-trip, fixed
// notation with a ".0" for whole numbers when 1e-4 <= |v| < 1e16, scientific otherwise.
func pyFloatRepr(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	case math.IsNaN(v):
		return "nan"
	}
	if a := math.Abs(v); a != 0 && (a < 1e-4 || a >= 1e16) {
		return strconv.FormatFloat(v, 'e', -1, 64) // Go's e-05 and e+16 are Python's spelling too
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}
