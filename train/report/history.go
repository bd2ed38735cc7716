package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The history's file names inside a run directory.
const (
	HistoryCSV  = "history.csv"
	HistoryJSON = "history.json"
)

var historyHeader = []string{"stage", "epoch", "train_loss", "valid_loss", "val_acc", "lr", "images_per_sec", "seconds"}

// WriteHistory writes h to dir/history.csv and dir/history.json, each atomically.
//
// The CSV is what ReadHistory reads: its numbers are Go's shortest round-tripping form, NaN is an
// empty cell and infinities are inf and -inf, which pandas and numpy also read. The JSON is an
// array of objects with the CSV's column names as keys, for tools; JSON has no NaN or infinity,
// so there any non-finite value is null.
//
// The JSON is written first; if the CSV then fails, the error says so and the JSON is already new.
func WriteHistory(dir string, h History) error {
	if err := h.validate(); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, HistoryJSON), func(w io.Writer) error {
		return encodeHistoryJSON(w, h)
	}); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, HistoryCSV), func(w io.Writer) error {
		return encodeHistoryCSV(w, h)
	})
}

// MarshalCSV is h as history.csv holds it (see WriteHistory), which ParseHistoryCSV reads back
// exactly: every float, infinities and NaN included. A run's resume state keeps its history so.
func (h History) MarshalCSV() ([]byte, error) {
	if err := h.validate(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := encodeHistoryCSV(&b, h); err != nil {
		return nil, fmt.Errorf("report: history: %w", err)
	}
	return b.Bytes(), nil
}

// ParseHistoryCSV reads a history in history.csv's form, as MarshalCSV writes it.
func ParseHistoryCSV(b []byte) (History, error) {
	h, err := decodeHistoryCSV(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("report: history: %w", err)
	}
	return h, nil
}

func (h History) validate() error {
	for i, e := range h {
		if !validStage(e.Stage) {
			return fmt.Errorf("report: history line %d: stage %q is neither %q nor %q", i+1, e.Stage, StageAutoencoder, StageClassifier)
		}
	}
	return nil
}

// ReadHistory reads the history WriteHistory wrote to dir, for a later command that adds a stage
// to it. It reads history.csv
// and, only if that does not exist, history.json (where infinities were written as null and so
// come back as NaN). A directory with neither is an error that wraps fs.ErrNotExist, so a caller
// can tell a fresh run from a damaged one.
func ReadHistory(dir string) (History, error) {
	path := filepath.Join(dir, HistoryCSV)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		path = filepath.Join(dir, HistoryJSON)
		f, err = os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("report: read history: %w", err)
		}
		defer f.Close()
		h, err := decodeHistoryJSON(f)
		if err != nil {
			return nil, fmt.Errorf("report: read %s: %w", path, err)
		}
		return h, nil
	}
	if err != nil {
		return nil, fmt.Errorf("report: read history: %w", err)
	}
	defer f.Close()
	h, err := decodeHistoryCSV(f)
	if err != nil {
		return nil, fmt.Errorf("report: read %s: %w", path, err)
	}
	return h, nil
}

func formatCSVFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return ""
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func parseCSVFloat(s string) (float64, error) {
	if strings.TrimSpace(s) == "" {
		return math.NaN(), nil
	}
	// ParseFloat also accepts inf, -inf and nan in any case.
	return strconv.ParseFloat(strings.TrimSpace(s), 64)
}

func (e *Epoch) floats() []*float64 {
	return []*float64{&e.TrainLoss, &e.ValidLoss, &e.ValAcc, &e.LR, &e.ImagesPerSec, &e.Seconds}
}

func encodeHistoryCSV(w io.Writer, h History) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(historyHeader); err != nil {
		return err
	}
	for _, e := range h {
		rec := []string{string(e.Stage), strconv.Itoa(e.Epoch)}
		for _, p := range e.floats() {
			rec = append(rec, formatCSVFloat(*p))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func decodeHistoryCSV(r io.Reader) (History, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(historyHeader)
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != strings.Join(historyHeader, ",") {
		return nil, fmt.Errorf("header is not %s", strings.Join(historyHeader, ","))
	}
	h := History{}
	for i, rec := range recs[1:] {
		line := i + 2
		e := Epoch{Stage: Stage(rec[0])}
		if !validStage(e.Stage) {
			return nil, fmt.Errorf("line %d: unknown stage %q", line, e.Stage)
		}
		if e.Epoch, err = strconv.Atoi(rec[1]); err != nil {
			return nil, fmt.Errorf("line %d: epoch: %w", line, err)
		}
		for j, p := range e.floats() {
			if *p, err = parseCSVFloat(rec[2+j]); err != nil {
				return nil, fmt.Errorf("line %d: %s: %w", line, historyHeader[2+j], err)
			}
		}
		h = append(h, e)
	}
	return h, nil
}

// epochJSON is Epoch as history.json spells it: null where the value is not finite.
type epochJSON struct {
	Stage        Stage    `json:"stage"`
	Epoch        int      `json:"epoch"`
	TrainLoss    *float64 `json:"train_loss"`
	ValidLoss    *float64 `json:"valid_loss"`
	ValAcc       *float64 `json:"val_acc"`
	LR           *float64 `json:"lr"`
	ImagesPerSec *float64 `json:"images_per_sec"`
	Seconds      *float64 `json:"seconds"`
}

func (j *epochJSON) floats() []**float64 {
	return []**float64{&j.TrainLoss, &j.ValidLoss, &j.ValAcc, &j.LR, &j.ImagesPerSec, &j.Seconds}
}

// finite returns a pointer to v, or nil when v is NaN or infinite.
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func encodeHistoryJSON(w io.Writer, h History) error {
	out := make([]epochJSON, len(h))
	for i, e := range h {
		out[i] = epochJSON{Stage: e.Stage, Epoch: e.Epoch}
		for k, p := range e.floats() {
			*out[i].floats()[k] = finite(*p)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func decodeHistoryJSON(r io.Reader) (History, error) {
	var in []epochJSON
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, err
	}
	h := make(History, len(in))
	for i, j := range in {
		if !validStage(j.Stage) {
			return nil, fmt.Errorf("entry %d: unknown stage %q", i+1, j.Stage)
		}
		e := Epoch{Stage: j.Stage, Epoch: j.Epoch}
		for k, p := range e.floats() {
			*p = math.NaN()
			if v := *j.floats()[k]; v != nil {
				*p = *v
			}
		}
		h[i] = e
	}
	return h, nil
}
