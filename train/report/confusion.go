package report

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Confusion counts predictions: m[t][p] is how many examples of true class t were predicted as
// class p, so the diagonal holds the correct ones and a row sums to the class's test total.
// truth and pred of different lengths, or a label outside [0, classes) (a classifier with more
// outputs than the data has classes), are an error.
func Confusion(classes int, truth, pred []int64) ([][]int, error) {
	if len(truth) != len(pred) {
		return nil, fmt.Errorf("report: confusion matrix: %d true labels but %d predictions", len(truth), len(pred))
	}
	if classes <= 0 {
		return nil, fmt.Errorf("report: confusion matrix of %d classes", classes)
	}
	m := make([][]int, classes)
	for i := range m {
		m[i] = make([]int, classes)
	}
	for i, t := range truth {
		p := pred[i]
		if t < 0 || t >= int64(classes) || p < 0 || p >= int64(classes) {
			return nil, fmt.Errorf("report: confusion matrix: example %d: label %d predicted as %d, outside the %d classes [0, %d)", i, t, p, classes, classes)
		}
		m[t][p]++
	}
	return m, nil
}

func checkConfusion(matrix [][]int, classes []string) error {
	if len(matrix) != len(classes) {
		return fmt.Errorf("report: confusion matrix has %d rows for %d classes", len(matrix), len(classes))
	}
	for i, row := range matrix {
		if len(row) != len(classes) {
			return fmt.Errorf("report: confusion matrix row %d has %d columns for %d classes", i, len(row), len(classes))
		}
		for j, n := range row {
			if n < 0 {
				return fmt.Errorf("report: confusion matrix [%d][%d] is %d", i, j, n)
			}
		}
	}
	return nil
}

// PlotConfusion draws a confusion matrix (rows true class, columns predicted, as Confusion returns)
// as a PNG at path: a heat map with each cell's count written in it, the first class at the top
// left, and the class names on both axes.
func PlotConfusion(path string, matrix [][]int, classes []string) error {
	if err := checkConfusion(matrix, classes); err != nil {
		return err
	}
	n := len(classes)
	if n == 0 {
		return fmt.Errorf("report: plot %s: no classes", path)
	}
	grid := confusionGrid(matrix)
	top := 1.0
	for _, row := range matrix {
		for _, v := range row {
			top = math.Max(top, float64(v))
		}
	}
	heat := plotter.NewHeatMap(grid, blues{})
	heat.Min, heat.Max = 0, top

	// Counts, in black on light cells and white on dark ones.
	var labels plotter.XYLabels
	for i, row := range matrix {
		for j, v := range row {
			labels.XYs = append(labels.XYs, plotter.XY{X: float64(j), Y: grid.Y(i)})
			labels.Labels = append(labels.Labels, strconv.Itoa(v))
		}
	}
	counts, err := plotter.NewLabels(labels)
	if err != nil {
		return fmt.Errorf("report: plot %s: %w", path, err)
	}
	size := vg.Points(10)
	if n > 12 {
		size = vg.Points(math.Max(5, 120/float64(n)))
	}
	k := 0
	for _, row := range matrix {
		for _, v := range row {
			counts.TextStyle[k] = textStyle(size, text.XCenter, text.YCenter)
			if float64(v) > top/2 {
				counts.TextStyle[k].Color = color.White
			}
			k++
		}
	}

	p := newPlot("Confusion matrix (test set)", "predicted class", "true class")
	p.Add(heat, counts)
	p.NominalX(classes...)
	reversed := make([]string, n)
	for i, c := range classes {
		reversed[n-1-i] = c
	}
	p.NominalY(reversed...)
	// Nominal axes drop the tick marks, which would put the names against the matrix; put short
	// marks back, and turn the column names so that long ones (automobile) do not collide, with
	// their top right corner at the mark, as matplotlib's rotation=45, ha="right" does.
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Tick.Length = vg.Points(4)
		a.Tick.LineStyle.Width = vg.Points(0.5)
	}
	p.X.Tick.Label.Rotation = math.Pi / 4
	p.X.Tick.Label.XAlign = text.XRight
	p.X.Tick.Label.YAlign = text.YTop
	p.X.Min, p.X.Max = -0.5, float64(n)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5
	p.X.Padding, p.Y.Padding = 0, 0

	side := 7 * vg.Inch
	return savePNG(path, side, side, func(c *vgimg.Canvas) {
		p.Draw(draw.Crop(draw.New(c), vg.Inch/16, -vg.Inch/4, vg.Inch/16, -vg.Inch/16))
	})
}

// confusionGrid is a confusion matrix as plotter.GridXYZ: column c is predicted class c at x = c,
// and row r is true class r at y = n-1-r, so that the first class is at the top as in a printed
// matrix.
type confusionGrid [][]int

func (g confusionGrid) Dims() (c, r int)   { return len(g), len(g) }
func (g confusionGrid) Z(c, r int) float64 { return float64(g[r][c]) }
func (g confusionGrid) X(c int) float64    { return float64(c) }
func (g confusionGrid) Y(r int) float64    { return float64(len(g) - 1 - r) }

// blues is a white-to-dark-blue ramp like matplotlib's "Blues", the usual confusion-matrix map.
type blues struct{}

func (blues) Colors() []color.Color {
	const n = 256
	lo := [3]float64{0xf7, 0xfb, 0xff}
	hi := [3]float64{0x08, 0x30, 0x6b}
	cs := make([]color.Color, n)
	for i := range cs {
		t := float64(i) / (n - 1)
		var c [3]uint8
		for k := range c {
			c[k] = uint8(math.Round(lo[k] + t*(hi[k]-lo[k])))
		}
		cs[i] = color.RGBA{R: c[0], G: c[1], B: c[2], A: 0xff}
	}
	return cs
}
