package report

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
)

// ClassResult is the test tally of one class.
type ClassResult struct {
	Class          string
	Correct, Total int
}

// Results is a finished run's test evaluation and where it came from.
type Results struct {
	PerClass       []ClassResult
	Correct, Total int // over the whole test set; normally the sums over PerClass
	Seed           uint64
	Device         string            // e.g. "cuda:0" or "cpu"
	Torch          string            // libtorch version
	Seconds        map[Stage]float64 // wall time per stage
	Extra          map[string]any    // anything else worth keeping; must encode as JSON
}

// FromConfusion tallies a confusion matrix (rows true class, columns predicted, as Confusion
// returns) into per-class and overall results; the caller fills in the provenance fields.
func FromConfusion(matrix [][]int, classes []string) (Results, error) {
	if err := checkConfusion(matrix, classes); err != nil {
		return Results{}, err
	}
	r := Results{PerClass: make([]ClassResult, len(classes))}
	for i, row := range matrix {
		c := ClassResult{Class: classes[i], Correct: row[i]}
		for _, n := range row {
			c.Total += n
		}
		r.PerClass[i] = c
		r.Correct += c.Correct
		r.Total += c.Total
	}
	return r, nil
}

// Lines returns the blog's test report, one printed line per element, character for character:
//
//	'Test Accuracy of %5s: %2d%% (%2d/%2d)' % (classes[i], 100 * class_correct[i] / class_total[i], ...)
//	'\nTest Accuracy (Overall): %2d%% (%2d/%2d)' % (100. * np.sum(class_correct) / np.sum(class_total), ...)
//
// so the percentage is truncated toward zero, not rounded. The overall line's leading "\n" is the
// empty element before it, so strings.Join(r.Lines(), "\n") is exactly what Python prints. A class
// with no test examples reads "N/A (no training examples)", as in the PyTorch CIFAR-10 tutorial the
// blog follows. An empty test set, where Python would raise, reads "N/A (no test examples)".
func (r Results) Lines() []string {
	lines := make([]string, 0, len(r.PerClass)+2)
	for _, c := range r.PerClass {
		if c.Total == 0 {
			lines = append(lines, fmt.Sprintf("Test Accuracy of %5s: N/A (no training examples)", c.Class))
			continue
		}
		lines = append(lines, fmt.Sprintf("Test Accuracy of %5s: %2d%% (%2d/%2d)", c.Class, truncPercent(c.Correct, c.Total), c.Correct, c.Total))
	}
	lines = append(lines, "")
	if r.Total == 0 {
		return append(lines, "Test Accuracy (Overall): N/A (no test examples)")
	}
	return append(lines, fmt.Sprintf("Test Accuracy (Overall): %2d%% (%2d/%2d)", truncPercent(r.Correct, r.Total), r.Correct, r.Total))
}

// truncPercent is Python's '%d' % (100 * correct / total) with float division: the product is
// formed first (exactly, as an integer), then divided, then truncated toward zero. Dividing first
// would differ: 100 * (29 / 100) is 28.999999999999996.
func truncPercent(correct, total int) int64 {
	return int64(math.Trunc(float64(100*correct) / float64(total)))
}

// classJSON and resultsJSON are results.json's schema. Accuracy is a fraction, Percent the same
// times 100, both null where there are no examples.
type classJSON struct {
	Class    string   `json:"class"`
	Correct  int      `json:"correct"`
	Total    int      `json:"total"`
	Accuracy *float64 `json:"accuracy"`
	Percent  *float64 `json:"percent"`
}

type resultsJSON struct {
	PerClass []classJSON       `json:"per_class"`
	Correct  int               `json:"correct"`
	Total    int               `json:"total"`
	Accuracy *float64          `json:"accuracy"`
	Percent  *float64          `json:"percent"`
	Seed     uint64            `json:"seed"`
	Device   string            `json:"device"`
	Torch    string            `json:"torch"`
	Seconds  map[Stage]float64 `json:"seconds,omitempty"`
	Extra    map[string]any    `json:"extra,omitempty"`
	Lines    []string          `json:"lines"` // Lines(), for a reader who wants the blog's text
}

func accuracy(correct, total int) (frac, pct *float64) {
	if total == 0 {
		return nil, nil
	}
	f := float64(correct) / float64(total)
	p := float64(100*correct) / float64(total)
	return &f, &p
}

func (r Results) validate() error {
	for _, c := range r.PerClass {
		if c.Correct < 0 || c.Total < 0 || c.Correct > c.Total {
			return fmt.Errorf("class %q: %d correct of %d", c.Class, c.Correct, c.Total)
		}
	}
	if r.Correct < 0 || r.Total < 0 || r.Correct > r.Total {
		return fmt.Errorf("overall: %d correct of %d", r.Correct, r.Total)
	}
	for _, s := range slices.Sorted(maps.Keys(r.Seconds)) {
		if v := r.Seconds[s]; math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("seconds[%q] is %v", s, v)
		}
	}
	return nil
}

// WriteResults writes r as JSON to path, atomically, with each accuracy also as a fraction and a
// percentage (not truncated) and the blog's printed lines. Counts that cannot be (negative, more
// correct than total) and values JSON cannot hold are errors, and leave any previous file as it was.
func WriteResults(path string, r Results) error {
	if err := r.validate(); err != nil {
		return fmt.Errorf("report: results: %w", err)
	}
	out := resultsJSON{
		PerClass: make([]classJSON, len(r.PerClass)),
		Correct:  r.Correct,
		Total:    r.Total,
		Seed:     r.Seed,
		Device:   r.Device,
		Torch:    r.Torch,
		Seconds:  r.Seconds,
		Extra:    r.Extra,
		Lines:    r.Lines(),
	}
	out.Accuracy, out.Percent = accuracy(r.Correct, r.Total)
	for i, c := range r.PerClass {
		out.PerClass[i] = classJSON{Class: c.Class, Correct: c.Correct, Total: c.Total}
		out.PerClass[i].Accuracy, out.PerClass[i].Percent = accuracy(c.Correct, c.Total)
	}
	// Encode before touching the file system, so that an unencodable Extra fails cleanly.
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("report: results: %w", err)
	}
	data = append(data, '\n')
	return writeFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
