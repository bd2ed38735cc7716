package report

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	vgdraw "gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The charts of the ported tutorials (cmd/blitz, cmd/mnist, cmd/mnist_rnn): their histories are not
// the seed's two stages but a loss logged every few batches and a test pass per epoch, so they get
// charts of their own, in the seed charts' style.

// Curve is one line of a chart: points (X[i], Y[i]); non-finite points are left out.
type Curve struct {
	Name string
	X, Y []float64
}

func (c Curve) xys() plotter.XYs {
	var xys plotter.XYs
	for i := range min(len(c.X), len(c.Y)) {
		if x, y := c.X[i], c.Y[i]; !math.IsNaN(x) && !math.IsInf(x, 0) && !math.IsNaN(y) && !math.IsInf(y, 0) {
			xys = append(xys, plotter.XY{X: x, Y: y})
		}
	}
	sort.SliceStable(xys, func(i, j int) bool { return xys[i].X < xys[j].X })
	return xys
}

// matplotlib's default colour cycle, after the two the seed's charts use.
var cycle = []color.Color{colorTrain, colorValid,
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}}

// PlotCurves draws curves against xlabel as a PNG at path (x may be fractional: an epoch and a
// half is 1.5). A single curve of many points is drawn as a bare line, as matplotlib's plot()
// draws it; otherwise each point is marked. Curves with no finite point are left out; none at all
// is an error.
func PlotCurves(path, title, xlabel, ylabel string, curves ...Curve) error {
	var ss []series
	for i, c := range curves {
		if xys := c.xys(); len(xys) > 0 {
			ss = append(ss, series{c.Name, xys, cycle[i%len(cycle)]})
		}
	}
	if len(ss) == 0 {
		return fmt.Errorf("report: plot %s: no finite points", path)
	}
	var p *plot.Plot
	var err error
	if len(ss) == 1 && len(ss[0].xys) > 60 {
		p, err = lineOnly(title, xlabel, ylabel, ss[0])
	} else {
		p, err = linePlot(title, ylabel, ss...)
	}
	if err != nil {
		return fmt.Errorf("report: plot %s: %w", path, err)
	}
	p.X.Label.Text = xlabel
	p.X.Tick.Marker = plot.DefaultTicks{}
	return savePNG(path, panelW, panelH, func(c *vgimg.Canvas) {
		p.Draw(vgdraw.Crop(vgdraw.New(c), vg.Inch/16, -vg.Inch/6, vg.Inch/16, -vg.Inch/16))
	})
}

func lineOnly(title, xlabel, ylabel string, s series) (*plot.Plot, error) {
	p := newPlot(title, xlabel, ylabel)
	p.Add(plotter.NewGrid())
	l, err := plotter.NewLine(s.xys)
	if err != nil {
		return nil, err
	}
	l.Color = s.color
	l.Width = vg.Points(1.2)
	p.Add(l)
	p.Y.Tick.Marker = valueTicks{}
	return p, nil
}

// PlotClassAccuracy draws each class's test accuracy (percent) as a bar chart at path, with the
// overall accuracy as a dashed line. correct and total are per class, in the order of classes.
func PlotClassAccuracy(path, title string, classes []string, correct, total []int) error {
	if len(classes) == 0 || len(correct) != len(classes) || len(total) != len(classes) {
		return fmt.Errorf("report: plot %s: %d classes, %d correct counts, %d totals", path, len(classes), len(correct), len(total))
	}
	values := make(plotter.Values, len(classes))
	var sumC, sumT int
	for i := range classes {
		if correct[i] < 0 || total[i] < 0 || correct[i] > total[i] {
			return fmt.Errorf("report: plot %s: class %q: %d correct of %d", path, classes[i], correct[i], total[i])
		}
		if total[i] > 0 {
			values[i] = 100 * float64(correct[i]) / float64(total[i])
		}
		sumC += correct[i]
		sumT += total[i]
	}
	p := newPlot(title, "class", "accuracy (%)")
	p.Add(plotter.NewGrid())
	bars, err := plotter.NewBarChart(values, vg.Points(22))
	if err != nil {
		return fmt.Errorf("report: plot %s: %w", path, err)
	}
	bars.Color = colorTrain
	bars.LineStyle.Width = 0
	p.Add(bars)
	if sumT > 0 {
		overall := 100 * float64(sumC) / float64(sumT)
		l, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: overall}, {X: float64(len(classes)) - 0.5, Y: overall}})
		if err != nil {
			return fmt.Errorf("report: plot %s: %w", path, err)
		}
		l.Color = colorValid
		l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("overall %.1f%%", overall), l)
		p.Legend.Top = true
	}
	p.NominalX(classes...)
	p.X.Tick.Label.Rotation = math.Pi / 4
	p.X.Tick.Label.XAlign = text.XRight
	p.X.Tick.Label.YAlign = text.YTop
	p.Y.Min, p.Y.Max = 0, 100
	return savePNG(path, panelW, panelH, func(c *vgimg.Canvas) {
		p.Draw(vgdraw.Crop(vgdraw.New(c), vg.Inch/16, -vg.Inch/6, vg.Inch/16, -vg.Inch/16))
	})
}

// Prediction tiles: enlarged images, each over its "truth / predicted" caption, green when they
// agree and red when not.
const (
	predCols    = 8
	predMargin  = 16
	predGap     = 10
	predTitleH  = 36
	predLabelH  = 34
	predMinTile = 84
)

var (
	predRight = color.RGBA{R: 0x1a, G: 0x7f, B: 0x1a, A: 0xff}
	predWrong = color.RGBA{R: 0xc0, G: 0x10, B: 0x10, A: 0xff}
)

// PlotPredictions draws images (CHW float32 in [0, 1], 1 or 3 channels, h×w) with their true and
// predicted classes as a PNG at path, eight to a row. Values outside [0, 1] are clamped.
func PlotPredictions(path, title string, images [][]float32, h, w int, truth, pred []int, classes []string) error {
	n := len(images)
	if n == 0 || len(truth) != n || len(pred) != n {
		return fmt.Errorf("report: plot %s: %d images, %d labels, %d predictions", path, n, len(truth), len(pred))
	}
	if h <= 0 || w <= 0 {
		return fmt.Errorf("report: plot %s: image size %d×%d", path, h, w)
	}
	channels := len(images[0]) / (h * w)
	for i, img := range images {
		if len(img) != channels*h*w || (channels != 1 && channels != 3) {
			return fmt.Errorf("report: plot %s: image %d has %d values; want 1×%d×%d or 3×%d×%d, like the first", path, i, len(img), h, w, h, w)
		}
		for _, c := range []int{truth[i], pred[i]} {
			if c < 0 || c >= len(classes) {
				return fmt.Errorf("report: plot %s: image %d: class %d outside the %d classes", path, i, c, len(classes))
			}
		}
	}
	scale := max(1, (predMinTile+max(h, w)-1)/max(h, w))
	tw, th := scale*w, scale*h
	cols := min(n, predCols)
	rows := (n + cols - 1) / cols
	width := max(reconMinWidth, 2*predMargin+cols*tw+(cols-1)*predGap)
	height := predMargin + predTitleH + rows*(th+predLabelH) + (rows-1)*predGap + predMargin
	toPt := func(px int) vg.Length { return vg.Length(float64(px) * 72 / dpi) }
	return savePNG(path, toPt(width), toPt(height), func(c *vgimg.Canvas) {
		dc := vgdraw.New(c)
		label := func(s string, size vg.Length, col color.Color, x, y int) {
			sty := textStyle(size, text.XCenter, text.YCenter)
			sty.Color = col
			dc.FillText(sty, vg.Point{X: toPt(x), Y: toPt(height - y)}, s)
		}
		label(title, 14, color.Black, width/2, predMargin+predTitleH/2)
		dst := c.Image()
		x0 := (width - (cols*tw + (cols-1)*predGap)) / 2
		for i, img := range images {
			r, k := i/cols, i%cols
			x := x0 + k*(tw+predGap)
			y := predMargin + predTitleH + r*(th+predLabelH+predGap)
			tile := chwImage(img, channels, h, w, scale)
			at := tile.Bounds().Add(image.Pt(x, y))
			draw.Draw(dst, at.Inset(-1), image.NewUniform(reconFrame), image.Point{}, draw.Src)
			draw.Draw(dst, at, tile, image.Point{}, draw.Src)
			col := predRight
			if truth[i] != pred[i] {
				col = predWrong
			}
			label("true "+classes[truth[i]], 9, color.Black, x+tw/2, y+th+predLabelH/4+2)
			label("pred "+classes[pred[i]], 9, col, x+tw/2, y+th+3*predLabelH/4)
		}
	})
}
