package report

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// dpi is the resolution of every chart: a 6 × 4.5 inch panel is 576 × 432 pixels.
const dpi = 96

// Panel size. PlotLosses puts two panels side by side.
const (
	panelW = 6 * vg.Inch
	panelH = 4.5 * vg.Inch
)

// matplotlib's first two default colours, so the charts read like the blog's.
var (
	colorTrain = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	colorValid = color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}
)

// PlotLosses draws the loss history as a PNG at path: on the left the autoencoder's training loss
// (MSE) by epoch, on the right the classifier's training and validation loss (cross-entropy). A
// stage with no epochs yet gets an empty panel saying so; a history with no finite loss at all is
// an error. Non-finite losses are left out.
func PlotLosses(path string, h History) error {
	ae := points(h.Stage(StageAutoencoder), func(e Epoch) float64 { return e.TrainLoss })
	ct := points(h.Stage(StageClassifier), func(e Epoch) float64 { return e.TrainLoss })
	cv := points(h.Stage(StageClassifier), func(e Epoch) float64 { return e.ValidLoss })
	if len(ae)+len(ct)+len(cv) == 0 {
		return fmt.Errorf("report: plot %s: the history has no finite losses", path)
	}
	left, err := linePlot("Autoencoder training loss", "loss (MSE)", series{"training", ae, colorTrain})
	if err != nil {
		return fmt.Errorf("report: plot %s: %w", path, err)
	}
	right, err := linePlot("Classifier loss", "loss (cross-entropy)", series{"training", ct, colorTrain}, series{"validation", cv, colorValid})
	if err != nil {
		return fmt.Errorf("report: plot %s: %w", path, err)
	}
	return savePNG(path, 2*panelW, panelH, func(c *vgimg.Canvas) {
		tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Inch / 3, PadTop: vg.Inch / 16, PadBottom: vg.Inch / 16, PadLeft: vg.Inch / 16, PadRight: vg.Inch / 6}
		cs := plot.Align([][]*plot.Plot{{left, right}}, tiles, draw.New(c))
		left.Draw(cs[0][0])
		right.Draw(cs[0][1])
	})
}

// PlotAccuracy draws the classifier's validation accuracy by epoch, in percent, as a PNG at path.
// A history without a finite classifier accuracy is an error.
func PlotAccuracy(path string, h History) error {
	acc := points(h.Stage(StageClassifier), func(e Epoch) float64 { return 100 * e.ValAcc })
	if len(acc) == 0 {
		return fmt.Errorf("report: plot %s: the history has no classifier validation accuracy", path)
	}
	p, err := linePlot("Classifier validation accuracy", "accuracy (%)", series{"validation", acc, colorTrain})
	if err != nil {
		return fmt.Errorf("report: plot %s: %w", path, err)
	}
	return savePNG(path, panelW, panelH, func(c *vgimg.Canvas) {
		p.Draw(draw.Crop(draw.New(c), vg.Inch/16, -vg.Inch/6, vg.Inch/16, -vg.Inch/16))
	})
}

// points returns (epoch, value) for the epochs whose value is finite, sorted by epoch (a resumed
// run appends, so the history is normally sorted already).
func points(h History, value func(Epoch) float64) plotter.XYs {
	var xys plotter.XYs
	for _, e := range h {
		v := value(e)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		xys = append(xys, plotter.XY{X: float64(e.Epoch), Y: v})
	}
	sort.SliceStable(xys, func(i, j int) bool { return xys[i].X < xys[j].X })
	return xys
}

type series struct {
	name  string
	xys   plotter.XYs
	color color.Color
}

// linePlot is a chart of epoch against y with one line-and-points per series, and a legend when
// there is more than one.
func linePlot(title, ylabel string, ss ...series) (*plot.Plot, error) {
	p := newPlot(title, "epoch", ylabel)
	p.X.Tick.Marker = epochTicks{}
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	empty := true
	for _, s := range ss {
		if len(s.xys) == 0 {
			continue
		}
		empty = false
		l, sc, err := plotter.NewLinePoints(s.xys)
		if err != nil {
			return nil, err
		}
		l.Color = s.color
		l.Width = vg.Points(1.5)
		sc.Color = s.color
		sc.Shape = draw.CircleGlyph{}
		sc.Radius = vg.Points(2)
		p.Add(l, sc)
		if len(ss) > 1 {
			p.Legend.Add(s.name, l, sc)
		}
	}
	if empty {
		p.Title.Text += " (no epochs yet)"
		p.HideAxes()
		p.X.Label.Text, p.Y.Label.Text = "", ""
		return p, nil
	}
	p.Y.Tick.Marker = valueTicks{}
	// A margin above and below, as matplotlib leaves, so that no point sits on the frame, and a
	// range around a single value that does not reach below zero for a positive loss.
	span := p.Y.Max - p.Y.Min
	if span == 0 {
		span = math.Max(math.Abs(p.Y.Max), 1e-12) * 2
	}
	p.Y.Min -= 0.05 * span
	p.Y.Max += 0.05 * span
	return p, nil
}

// valueTicks is gonum's default ticker with labels that have as many decimals as it takes to tell
// the ticks apart: its own labels can read 2, 2, 1.9 for 2, 1.95, 1.9.
type valueTicks struct{}

func (valueTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	var major []float64
	for _, t := range ticks {
		if t.Label != "" {
			major = append(major, t.Value)
		}
	}
	step := math.Inf(1)
	for i := 1; i < len(major); i++ {
		step = math.Min(step, math.Abs(major[i]-major[i-1]))
	}
	if len(major) < 2 || step == 0 || math.IsInf(step, 0) {
		return ticks
	}
	decimals := 0
	for ; decimals < 12; decimals++ {
		exact := true
		for _, v := range major {
			r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', decimals, 64), 64)
			if math.Abs(r-v) > step*1e-6 {
				exact = false
				break
			}
		}
		if exact {
			break
		}
	}
	for i, t := range ticks {
		if t.Label != "" {
			ticks[i].Label = strconv.FormatFloat(t.Value, 'f', decimals, 64)
		}
	}
	return ticks
}

// sans is the charts' typeface, as matplotlib's default is a sans-serif (gonum/plot's is a serif).
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// textStyle is sans text of the given size, aligned as given.
func textStyle(size vg.Length, x text.XAlignment, y text.YAlignment) text.Style {
	return text.Style{Color: color.Black, Font: font.From(sans, size), XAlign: x, YAlign: y, Handler: plot.DefaultTextHandler}
}

// newPlot is a plot with the charts' common look: a 14 pt title, 12 pt axis labels, sans text.
func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	for _, sty := range []*text.Style{&p.Title.TextStyle, &p.X.Label.TextStyle, &p.Y.Label.TextStyle,
		&p.X.Tick.Label, &p.Y.Tick.Label, &p.Legend.TextStyle} {
		sty.Font.Typeface, sty.Font.Variant = sans.Typeface, sans.Variant
	}
	p.Title.TextStyle.Font.Size = vg.Points(14)
	p.X.Label.TextStyle.Font.Size = vg.Points(12)
	p.Y.Label.TextStyle.Font.Size = vg.Points(12)
	p.Legend.TextStyle.Font.Size = vg.Points(11)
	return p
}

// epochTicks labels whole epochs only, every 1, 2, 5, 10, 20, 50, … so that at most about ten are
// labelled, with unlabelled marks on the epochs between when there is room.
type epochTicks struct{}

func (epochTicks) Ticks(min, max float64) []plot.Tick {
	lo, hi := math.Ceil(min), math.Floor(max)
	if hi < lo {
		return nil
	}
	step := 1.0
	for i := 0; (hi-lo)/step > 10; i++ {
		step *= []float64{2, 2.5, 2}[i%3] // 1, 2, 5, 10, 20, 50, …
	}
	var ticks []plot.Tick
	for v := lo; v <= hi; v++ {
		t := plot.Tick{Value: v}
		if math.Mod(v, step) == 0 {
			t.Label = strconv.FormatFloat(v, 'f', 0, 64)
		} else if (hi-lo)/step > 100 {
			continue
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// savePNG draws a width × height chart and writes it to path atomically. gonum/plot panics on
// some degenerate inputs; a report must not take a finished training run down with it, so a
// panic while drawing becomes an error.
func savePNG(path string, width, height vg.Length, drawFn func(*vgimg.Canvas)) (err error) {
	c := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(dpi))
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("report: plot %s: %v", path, r)
			}
		}()
		drawFn(c)
	}()
	if err != nil {
		return err
	}
	return writeFileAtomic(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: c}.WriteTo(w)
		return err
	})
}
