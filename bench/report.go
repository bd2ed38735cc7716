package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// A Summary is one row's figures over the repetitions in which both sides were measured: each
// side's throughput, the Go/Python ratios and their min, median and max, thread counts and peak
// memory. Its JSON names are the results files' (bench/results).
type Summary struct {
	Config                   string `json:"config"`
	GoImgS, PyImgS, Ratios   []float64
	RatioMin, RatioMedian    float64
	RatioMax                 float64
	GoThreads, PyThreads     int
	GoPeakRSSMB, PyPeakRSSMB float64
	GoPeakDevMB, PyPeakDevMB float64
}

// Summarize pairs the two sides' samples of each row by repetition, in the order of the
// repetitions; a row with no pair has no summary.
func Summarize(rows []Row, samples []Sample) []Summary {
	var out []Summary
	for _, r := range rows {
		sum := Summary{Config: r.Key}
		bySide := map[string]map[int]Sample{"go": {}, "python": {}}
		var reps []int
		for _, s := range samples {
			if s.Config != r.Key || bySide[s.Side] == nil {
				continue
			}
			if !slices.Contains(reps, s.Rep) {
				reps = append(reps, s.Rep)
			}
			bySide[s.Side][s.Rep] = s
		}
		slices.Sort(reps)
		for _, rep := range reps {
			g, okG := bySide["go"][rep]
			p, okP := bySide["python"][rep]
			if !okG || !okP {
				continue
			}
			sum.GoImgS, sum.PyImgS = append(sum.GoImgS, g.ImagesPerS), append(sum.PyImgS, p.ImagesPerS)
			sum.Ratios = append(sum.Ratios, g.ImagesPerS/p.ImagesPerS)
			sum.GoThreads, sum.PyThreads = g.Threads, p.Threads
			sum.GoPeakRSSMB, sum.PyPeakRSSMB = max(sum.GoPeakRSSMB, g.PeakRSSMB), max(sum.PyPeakRSSMB, p.PeakRSSMB)
			if g.PeakDeviceMB != nil {
				sum.GoPeakDevMB = max(sum.GoPeakDevMB, *g.PeakDeviceMB)
			}
			if p.PeakDeviceMB != nil {
				sum.PyPeakDevMB = max(sum.PyPeakDevMB, *p.PeakDeviceMB)
			}
		}
		if len(sum.Ratios) == 0 {
			continue
		}
		sum.RatioMin, sum.RatioMedian, sum.RatioMax = slices.Min(sum.Ratios), median(sum.Ratios), slices.Max(sum.Ratios)
		out = append(out, sum)
	}
	return out
}

// A Report is a comparison's results: where it ran, its settings, and every sample.
type Report struct {
	Time      time.Time
	Machine   string // Machine()
	CPUs      int
	Torch     string // libtorch's version
	Device    string
	GoThreads int
	Reps      int
	Rows      []Row
	Samples   []Sample
}

// resultsJSON is base.json; its fields are in the order encoding/json gave the map it once was.
type resultsJSON struct {
	Device    string    `json:"device"`
	GoThreads int       `json:"go_threads"`
	Machine   string    `json:"machine"`
	Rows      []Sample  `json:"rows"`
	Summaries []Summary `json:"summaries"`
	Torch     string    `json:"torch"`
}

// Write writes base.json (the summaries and every sample), base.md (a table of the summaries) and
// base.png (a chart of the median ratios), and returns the table.
func Write(base string, r Report) (string, error) {
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return "", err
	}
	summaries := Summarize(r.Rows, r.Samples)
	md := Markdown(r, summaries)
	b, err := json.MarshalIndent(resultsJSON{Machine: r.Machine, Torch: r.Torch, GoThreads: r.GoThreads, Device: r.Device,
		Summaries: summaries, Rows: r.Samples}, "", "  ")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(base+".json", append(b, '\n'), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(base+".md", []byte(md), 0o644); err != nil {
		return "", err
	}
	return md, chart(base+".png", summaries)
}

// Markdown is the table of summaries that base.md holds.
func Markdown(r Report, summaries []Summary) string {
	var md strings.Builder
	fmt.Fprintf(&md, "# Go vs the Python original, %s\n\n", r.Time.Format("2006-01-02 15:04"))
	fmt.Fprintf(&md, "Machine: %s (%d CPUs), libtorch %s, device %s. Go intra-op threads: %d. Each row: %d interleaved repetitions.\n",
		r.Machine, r.CPUs, r.Torch, r.Device, r.GoThreads, r.Reps)
	md.WriteString("Rows ending in _fast are the Go fast path (--fast) against the Python original's plain benchmark of the same name; the fast steps also augment their batch on the device.\n\n")
	md.WriteString("| benchmark | Go img/s (median) | Python img/s (median) | Go/Python min | median | max | threads Go/Python | peak RSS MB Go/Python | peak device MB Go/Python |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, o := range summaries {
		dev := "-"
		if o.GoPeakDevMB > 0 || o.PyPeakDevMB > 0 {
			dev = fmt.Sprintf("%.0f/%.0f", o.GoPeakDevMB, o.PyPeakDevMB)
		}
		fmt.Fprintf(&md, "| %s | %.0f | %.0f | %.2f | **%.2f** | %.2f | %v/%v | %.0f/%.0f | %s |\n", o.Config, median(o.GoImgS), median(o.PyImgS),
			o.RatioMin, o.RatioMedian, o.RatioMax, o.GoThreads, o.PyThreads, o.GoPeakRSSMB, o.PyPeakRSSMB, dev)
	}
	return md.String()
}

func chart(path string, summaries []Summary) error {
	if len(summaries) == 0 {
		return nil
	}
	var labels []string
	var ratios plotter.Values
	for _, s := range summaries {
		labels, ratios = append(labels, s.Config), append(ratios, s.RatioMedian)
	}
	p := plot.New()
	p.Title.Text = "Go / Python throughput (median), same machine"
	p.Y.Label.Text = "ratio (>1: Go faster)"
	bars, err := plotter.NewBarChart(ratios, vg.Points(30))
	if err != nil {
		return err
	}
	p.Add(bars)
	one := plotter.NewFunction(func(float64) float64 { return 1 })
	p.Add(one)
	p.NominalX(labels...)
	return p.Save(vg.Length(140+60*len(labels)), 4*vg.Inch, path)
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// ResultsName is the base name of a comparison's files: the machine and the date, and the
// benchmarks when only some ran.
func ResultsName(machine string, t time.Time, only []string) string {
	name := machine + "-" + t.Format("2006-01-02")
	if len(only) > 0 {
		name += "-" + strings.Join(only, "+")
	}
	return name
}
