package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sameFloat is == that also holds for two NaNs.
func sameFloat(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

func sameEpoch(a, b Epoch) bool {
	return a.Stage == b.Stage && a.Epoch == b.Epoch && sameFloat(a.TrainLoss, b.TrainLoss) &&
		sameFloat(a.ValidLoss, b.ValidLoss) && sameFloat(a.ValAcc, b.ValAcc) && sameFloat(a.LR, b.LR) &&
		sameFloat(a.ImagesPerSec, b.ImagesPerSec) && sameFloat(a.Seconds, b.Seconds)
}

func assertHistory(t *testing.T, got, want History) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d epochs, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		if !sameEpoch(got[i], want[i]) {
			t.Errorf("epoch %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// sampleHistory is a short run of both stages with the numbers' awkward cases: NaN for the
// autoencoder's missing validation, values that need all 17 digits, a tiny learning rate.
func sampleHistory() History {
	return History{
		{StageAutoencoder, 1, 0.8312, nan, nan, 1e-3, 2500.5, 20.1},
		{StageAutoencoder, 2, 0.1 + 0.2, nan, nan, 1e-3, 2600, 19.2},
		{StageAutoencoder, 3, 0.52, nan, nan, 1e-4, 2610, 19},
		{StageClassifier, 1, 2.301, 2.25, 0.2014, 1e-3, 5000, 10},
		{StageClassifier, 2, 2.1, 2.05, 0.3107, 1e-3, 5100, 9.8},
		{StageClassifier, 3, 1.9, 1.95, 0.3521, 1.0000000000000002e-7, 5050, 9.9},
	}
}

func TestHistoryRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		h    History
	}{
		{"empty", History{}},
		{"one autoencoder epoch", History{{StageAutoencoder, 1, 0.5, nan, nan, 0.001, 100, 1}}},
		{"both stages", sampleHistory()},
		{"infinities", History{{StageClassifier, 1, math.Inf(1), math.Inf(-1), 0, 0, 0, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := WriteHistory(dir, tt.h); err != nil {
				t.Fatal(err)
			}
			got, err := ReadHistory(dir)
			if err != nil {
				t.Fatal(err)
			}
			assertHistory(t, got, tt.h)
			assertNoTemp(t, dir)
		})
	}
}

// TestHistoryJSON checks history.json for tools, and that ReadHistory falls back to it when the
// CSV is gone, with only infinities lost (JSON writes them as null).
func TestHistoryJSON(t *testing.T) {
	dir := t.TempDir()
	h := append(sampleHistory(), Epoch{StageClassifier, 4, math.Inf(1), 1, 0.5, 0, 0, 0})
	if err := WriteHistory(dir, h); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, HistoryJSON))
	if err != nil {
		t.Fatal(err)
	}
	var raw []map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("history.json: %v", err)
	}
	if len(raw) != len(h) || raw[0]["stage"] != string(StageAutoencoder) || raw[0]["valid_loss"] != nil || raw[3]["val_acc"] != 0.2014 {
		t.Errorf("history.json does not hold the history:\n%s", data)
	}

	if err := os.Remove(filepath.Join(dir, HistoryCSV)); err != nil {
		t.Fatal(err)
	}
	got, err := ReadHistory(dir)
	if err != nil {
		t.Fatal(err)
	}
	h[len(h)-1].TrainLoss = nan
	assertHistory(t, got, h)
}

// TestHistoryCSV checks the CSV's layout, which pandas and spreadsheets read.
func TestHistoryCSV(t *testing.T) {
	dir := t.TempDir()
	h := History{
		{StageAutoencoder, 1, 0.5, nan, nan, 0.001, 100, 1.5},
		{StageClassifier, 1, 2, 1.5, 0.25, 0.001, 200, 3},
	}
	if err := WriteHistory(dir, h); err != nil {
		t.Fatal(err)
	}
	assertFile(t, filepath.Join(dir, HistoryCSV), strings.Join([]string{
		"stage,epoch,train_loss,valid_loss,val_acc,lr,images_per_sec,seconds",
		"autoencoder,1,0.5,,,0.001,100,1.5",
		"classifier,1,2,1.5,0.25,0.001,200,3",
		"",
	}, "\n"))
}

func TestReadHistoryErrors(t *testing.T) {
	tests := []struct {
		name     string
		files    map[string]string
		notExist bool
	}{
		{name: "fresh directory", notExist: true},
		{name: "wrong header", files: map[string]string{HistoryCSV: "a,b\n1,2\n"}},
		{name: "unknown stage", files: map[string]string{HistoryCSV: "stage,epoch,train_loss,valid_loss,val_acc,lr,images_per_sec,seconds\nfoo,1,1,1,1,1,1,1\n"}},
		{name: "bad number", files: map[string]string{HistoryCSV: "stage,epoch,train_loss,valid_loss,val_acc,lr,images_per_sec,seconds\nclassifier,1,x,1,1,1,1,1\n"}},
		{name: "short line", files: map[string]string{HistoryCSV: "stage,epoch,train_loss,valid_loss,val_acc,lr,images_per_sec,seconds\nclassifier,1\n"}},
		{name: "bad json", files: map[string]string{HistoryJSON: "[{"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := ReadHistory(dir)
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, fs.ErrNotExist); got != tt.notExist {
				t.Errorf("errors.Is(%v, fs.ErrNotExist) = %v, want %v", err, got, tt.notExist)
			}
		})
	}
}

func TestWriteHistoryKeepsPrevious(t *testing.T) {
	tests := []struct {
		name string
		h    History
		// breaks the directory so that the write fails; nil when the history itself is bad
		breakDir func(t *testing.T, dir string)
	}{
		{name: "unknown stage", h: History{{Stage: "decoder", Epoch: 1}}},
		{name: "history.csv is a directory", h: sampleHistory(), breakDir: func(t *testing.T, dir string) {
			// The JSON is written, then the CSV's rename fails: the CSV must stay readable.
			if err := os.Remove(filepath.Join(dir, HistoryCSV)); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(dir, HistoryCSV, "x"), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			old := History{{StageAutoencoder, 1, 0.5, nan, nan, 0.001, 100, 1}}
			if err := WriteHistory(dir, old); err != nil {
				t.Fatal(err)
			}
			before, err := os.ReadFile(filepath.Join(dir, HistoryJSON))
			if err != nil {
				t.Fatal(err)
			}
			if tt.breakDir != nil {
				tt.breakDir(t, dir)
			}
			if err := WriteHistory(dir, tt.h); err == nil {
				t.Fatal("no error")
			}
			assertNoTemp(t, dir)
			if tt.breakDir == nil {
				assertFile(t, filepath.Join(dir, HistoryJSON), string(before))
				got, err := ReadHistory(dir)
				if err != nil {
					t.Fatal(err)
				}
				assertHistory(t, got, old)
			}
		})
	}
}

// TestMarshalCSV: the history survives MarshalCSV and ParseHistoryCSV exactly, non-finite values
// included, and MarshalCSV is history.csv's content byte for byte.
func TestMarshalCSV(t *testing.T) {
	h := History{
		{Stage: StageAutoencoder, Epoch: 1, TrainLoss: 0.1 + 0.2, ValidLoss: math.NaN(), ValAcc: math.NaN(), LR: 1e-3, ImagesPerSec: 3859.25, Seconds: 11.5},
		{Stage: StageClassifier, Epoch: 1, TrainLoss: math.Inf(1), ValidLoss: math.Inf(-1), ValAcc: 1.0 / 3, LR: 1e-4, ImagesPerSec: 1, Seconds: 2},
	}
	b, err := h.MarshalCSV()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseHistoryCSV(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(h) {
		t.Fatalf("%d epochs back, want %d", len(got), len(h))
	}
	for i := range h {
		g, w := got[i], h[i]
		gf, wf := g.floats(), w.floats()
		for k := range gf {
			if math.Float64bits(*gf[k]) != math.Float64bits(*wf[k]) && !(math.IsNaN(*gf[k]) && math.IsNaN(*wf[k])) {
				t.Errorf("epoch %d value %d: %v back, want %v", i, k, *gf[k], *wf[k])
			}
		}
	}
	dir := t.TempDir()
	if err := WriteHistory(dir, h); err != nil {
		t.Fatal(err)
	}
	if file, err := os.ReadFile(filepath.Join(dir, HistoryCSV)); err != nil || !bytes.Equal(file, b) {
		t.Errorf("history.csv differs from MarshalCSV (%v)", err)
	}
	if _, err := (History{{Stage: "test"}}).MarshalCSV(); err == nil {
		t.Error("an unknown stage: no error")
	}
	if _, err := ParseHistoryCSV([]byte("stage,epoch\n")); err == nil {
		t.Error("a wrong header: no error")
	}
}
