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
// memory. Its JSON names are the results files' (bench/results). In a comparison of two builds
// (Settings.Against) the Py fields hold the other build's figures.
type Summary struct {
	Config                   string `json:"config"`
	GoImgS, PyImgS, Ratios   []float64
	RatioMin, RatioMedian    float64
	RatioMax                 float64
	GoThreads, PyThreads     int
	GoPeakRSSMB, PyPeakRSSMB float64
	GoPeakDevMB, PyPeakDevMB float64
}

// Summarize pairs this build's Go samples of each row with those of the side other (SidePython or
// SideAgainst) by repetition, in the order of the repetitions; a row with no pair has no summary.
func Summarize(rows []Row, samples []Sample, other string) []Summary {
	var out []Summary
	for _, r := range rows {
		sum := Summary{Config: r.Key}
		bySide := map[string]map[int]Sample{SideGo: {}, other: {}}
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
			g, okG := bySide[SideGo][rep]
			p, okP := bySide[other][rep]
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
	// Against names the other build in a comparison of two builds (Settings.Against), for
	// example its commit; "" is a comparison with the Python original.
	Against string
	Rows    []Row
	Samples []Sample
}

// other is the side the report compares this build's Go with.
func (r Report) other() string {
	if r.Against != "" {
		return SideAgainst
	}
	return SidePython
}

// resultsJSON is base.json; its fields are in the order encoding/json gave the map it once was.
type resultsJSON struct {
	Against   string    `json:"against,omitempty"`
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
	summaries := Summarize(r.Rows, r.Samples, r.other())
	md := Markdown(r, summaries)
	b, err := json.MarshalIndent(resultsJSON{Against: r.Against, Machine: r.Machine, Torch: r.Torch, GoThreads: r.GoThreads, Device: r.Device,
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
	title, ylabel := "Go / Python throughput (median), same machine", "ratio (>1: Go faster)"
	if r.Against != "" {
		title, ylabel = "this build / "+r.Against+" throughput (median), same machine", "ratio (>1: this build faster)"
	}
	return md, chart(base+".png", title, ylabel, summaries)
}

// Markdown is the table of summaries that base.md holds.
func Markdown(r Report, summaries []Summary) string {
	var md strings.Builder
	this, other, intro := "Go", "Python", "Rows ending in _fast are the Go fast path (--fast) against the Python original's plain benchmark of the same name; the fast steps also augment their batch on the device."
	if r.Against != "" {
		this, other, intro = "this build", r.Against, "Both sides are the Go benchmark of the same name, run by this build's aecifar-bench and by "+r.Against+"'s."
		fmt.Fprintf(&md, "# This build vs %s, %s\n\n", r.Against, r.Time.Format("2006-01-02 15:04"))
	} else {
		fmt.Fprintf(&md, "# Go vs the Python original, %s\n\n", r.Time.Format("2006-01-02 15:04"))
	}
	fmt.Fprintf(&md, "Machine: %s (%d CPUs), libtorch %s, device %s. Go intra-op threads: %d. Each row: %d interleaved repetitions.\n",
		r.Machine, r.CPUs, r.Torch, r.Device, r.GoThreads, r.Reps)
	md.WriteString(intro + "\n\n")
	fmt.Fprintf(&md, "| benchmark | %[1]s img/s (median) | %[2]s img/s (median) | %[1]s/%[2]s min | median | max | threads %[1]s/%[2]s | peak RSS MB %[1]s/%[2]s | peak device MB %[1]s/%[2]s |\n|---|---|---|---|---|---|---|---|---|\n", this, other)
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

func chart(path, title, ylabel string, summaries []Summary) error {
	if len(summaries) == 0 {
		return nil
	}
	var labels []string
	var ratios plotter.Values
	for _, s := range summaries {
		labels, ratios = append(labels, s.Config), append(ratios, s.RatioMedian)
	}
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = ylabel
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
