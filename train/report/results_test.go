package report

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

//go:generate /usr/bin/python3 testdata/gen_lines.py

// pythonCase is one entry of testdata/lines.json: a report and what Python prints for it.
type pythonCase struct {
	Name    string   `json:"name"`
	Classes []string `json:"classes"`
	Correct []int    `json:"correct"`
	Total   []int    `json:"total"`
	Lines   []string `json:"lines"`
}

func loadPythonCases(t *testing.T) []pythonCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "lines.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []pythonCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("testdata/lines.json has no cases")
	}
	return cases
}

func (c pythonCase) results() Results {
	var r Results
	for i, name := range c.Classes {
		r.PerClass = append(r.PerClass, ClassResult{Class: name, Correct: c.Correct[i], Total: c.Total[i]})
		r.Correct += c.Correct[i]
		r.Total += c.Total[i]
	}
	return r
}

// TestLinesMatchPython compares Lines with what the blog's Python printed for the same counts
// (testdata/lines.json, made by testdata/gen_lines.py).
func TestLinesMatchPython(t *testing.T) {
	for _, c := range loadPythonCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			got := c.results().Lines()
			if !slices.Equal(got, c.Lines) {
				t.Errorf("Lines() =\n%s\nPython printed\n%s", strings.Join(got, "\n"), strings.Join(c.Lines, "\n"))
			}
		})
	}
}

// TestLinesTableIsCurrent reruns the generator with --check (which compares and writes nothing),
// when this machine has /usr/bin/python3 with numpy, to check that the checked-in table is what the
// script now prints.
func TestLinesTableIsCurrent(t *testing.T) {
	const python = "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Skipf("no %s: checking against the checked-in table only", python)
	}
	if err := exec.Command(python, "-c", "import numpy").Run(); err != nil {
		t.Skipf("%s has no numpy: checking against the checked-in table only", python)
	}
	out, err := exec.Command(python, filepath.Join("testdata", "gen_lines.py"), "--check").CombinedOutput()
	if err != nil {
		t.Errorf("testdata/lines.json is stale (run go generate ./train/report/): %v\n%s", err, out)
	}
}

func TestLinesGoOnly(t *testing.T) {
	tests := []struct {
		name string
		r    Results
		want []string
	}{
		{
			name: "empty test set, where Python raises",
			r:    Results{PerClass: []ClassResult{{Class: "cat"}}},
			want: []string{"Test Accuracy of   cat: N/A (no training examples)", "", "Test Accuracy (Overall): N/A (no test examples)"},
		},
		{
			name: "no classes",
			r:    Results{Correct: 1, Total: 3},
			want: []string{"", "Test Accuracy (Overall): 33% ( 1/ 3)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.Lines(); !slices.Equal(got, tt.want) {
				t.Errorf("Lines() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestLinesAsTheBlogShows checks the blog's printed text, which the page shows with runs of
// spaces collapsed.
func TestLinesAsTheBlogShows(t *testing.T) {
	const blog = "Test Accuracy of airplane: 45% (231/504) Test Accuracy of automobile: 61% (312/504) Test Accuracy of bird: 18% (91/496) Test Accuracy of cat: 11% (55/496) Test Accuracy of deer: 27% (139/504) Test Accuracy of dog: 35% (181/504) Test Accuracy of frog: 63% (315/496) Test Accuracy of horse: 49% (244/496) Test Accuracy of ship: 59% (298/504) Test Accuracy of truck: 46% (234/504) Test Accuracy (Overall): 41% (2100/5008)"
	var blogCase pythonCase
	for _, c := range loadPythonCases(t) {
		if c.Name == "blog" {
			blogCase = c
		}
	}
	got := strings.Join(strings.Fields(strings.Join(blogCase.results().Lines(), "\n")), " ")
	if got != blog {
		t.Errorf("collapsed Lines() =\n%s\nthe blog shows\n%s", got, blog)
	}
}

func TestFromConfusion(t *testing.T) {
	m := [][]int{
		{3, 1, 0},
		{0, 0, 0},
		{2, 2, 5},
	}
	r, err := FromConfusion(m, []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	want := []ClassResult{{"a", 3, 4}, {"b", 0, 0}, {"c", 5, 9}}
	if !slices.Equal(r.PerClass, want) || r.Correct != 8 || r.Total != 13 {
		t.Errorf("FromConfusion = %+v, want per class %+v, 8 of 13", r, want)
	}
	for _, bad := range []struct {
		name    string
		m       [][]int
		classes []string
	}{
		{"rows", [][]int{{1}}, []string{"a", "b"}},
		{"columns", [][]int{{1, 2}, {3}}, []string{"a", "b"}},
		{"negative", [][]int{{1, -2}, {3, 4}}, []string{"a", "b"}},
	} {
		if _, err := FromConfusion(bad.m, bad.classes); err == nil {
			t.Errorf("FromConfusion with bad %s: no error", bad.name)
		}
	}
}

func TestWriteResults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.json")
	r := Results{
		PerClass: []ClassResult{{"cat", 1, 4}, {"dog", 0, 0}},
		Correct:  1, Total: 4,
		Seed:    1<<63 + 1, // beyond float64's integers: must survive as written
		Device:  "cpu",
		Torch:   "2.5.1",
		Seconds: map[Stage]float64{StageAutoencoder: 12.5, StageClassifier: 3},
		Extra:   map[string]any{"batch_size": 20},
	}
	if err := WriteResults(path, r); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		PerClass []struct {
			Class    string   `json:"class"`
			Correct  int      `json:"correct"`
			Total    int      `json:"total"`
			Accuracy *float64 `json:"accuracy"`
			Percent  *float64 `json:"percent"`
		} `json:"per_class"`
		Correct  int                `json:"correct"`
		Total    int                `json:"total"`
		Accuracy float64            `json:"accuracy"`
		Percent  float64            `json:"percent"`
		Seed     uint64             `json:"seed"`
		Device   string             `json:"device"`
		Torch    string             `json:"torch"`
		Seconds  map[string]float64 `json:"seconds"`
		Extra    map[string]any     `json:"extra"`
		Lines    []string           `json:"lines"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("results.json: %v\n%s", err, data)
	}
	checks := []struct {
		what string
		ok   bool
	}{
		{"per-class count", len(got.PerClass) == 2},
		{"cat", len(got.PerClass) == 2 && got.PerClass[0].Class == "cat" && got.PerClass[0].Correct == 1 && got.PerClass[0].Total == 4},
		{"cat accuracy", len(got.PerClass) == 2 && got.PerClass[0].Accuracy != nil && *got.PerClass[0].Accuracy == 0.25 && *got.PerClass[0].Percent == 25},
		{"dog accuracy null", len(got.PerClass) == 2 && got.PerClass[1].Accuracy == nil && got.PerClass[1].Percent == nil},
		{"overall", got.Correct == 1 && got.Total == 4 && got.Accuracy == 0.25 && got.Percent == 25},
		{"seed", got.Seed == r.Seed},
		{"device and torch", got.Device == "cpu" && got.Torch == "2.5.1"},
		{"seconds", got.Seconds["autoencoder"] == 12.5 && got.Seconds["classifier"] == 3},
		{"extra", got.Extra["batch_size"] == 20.0},
		{"lines", slices.Equal(got.Lines, r.Lines())},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("results.json: wrong %s:\n%s", c.what, data)
		}
	}
}

func TestWriteResultsRejects(t *testing.T) {
	tests := []struct {
		name string
		r    Results
	}{
		{"more correct than total", Results{Correct: 5, Total: 4}},
		{"negative class total", Results{PerClass: []ClassResult{{"a", 0, -1}}}},
		{"NaN seconds", Results{Seconds: map[Stage]float64{"x": nan}}},
		{"unencodable extra", Results{Extra: map[string]any{"f": func() {}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "results.json")
			if err := os.WriteFile(path, []byte("previous"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := WriteResults(path, tt.r); err == nil {
				t.Fatal("no error")
			}
			assertFile(t, path, "previous")
			assertNoTemp(t, dir)
		})
	}
}
