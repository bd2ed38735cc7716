package lr_scheduler

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// StateDict is a scheduler's state_dict(): PyTorch's keys, with Go values (float64, int, bool,
// string, []float64, []int, map[int]int for MultiStepLR's milestones Counter, []StateDict for
// nested state). It marshals to JSON with non-finite numbers as the strings "inf", "-inf" and
// "nan" (Python's spelling; JSON has no infinities), and LoadStateDict reads the JSON form back.
type StateDict map[string]any

// MarshalJSON writes d as JSON, infinities as strings.
func (d StateDict) MarshalJSON() ([]byte, error) { return json.Marshal(jsonValue(map[string]any(d))) }

func jsonValue(v any) any {
	switch v := v.(type) {
	case float64:
		if math.IsInf(v, 1) {
			return "inf"
		} else if math.IsInf(v, -1) {
			return "-inf"
		} else if math.IsNaN(v) {
			return "nan"
		}
		return v
	case []float64:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = jsonValue(x)
		}
		return out
	case StateDict:
		return jsonValue(map[string]any(v))
	case []StateDict:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = jsonValue(map[string]any(x))
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = jsonValue(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = jsonValue(x)
		}
		return out
	}
	return v
}

// loader reads a state dict's values into a scheduler's fields, accepting the Go types StateDict
// holds and what JSON decodes them to; it keeps the first error. A key that is absent leaves its
// field as it is.
type loader struct {
	d   StateDict
	err error
}

func (l *loader) fail(key string, v any, want string) {
	if l.err == nil {
		l.err = fmt.Errorf("%s: %v (%T) is not %s", key, v, v, want)
	}
}

func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case float32:
		return float64(v), true
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case string:
		switch v {
		case "inf", "Infinity":
			return math.Inf(1), true
		case "-inf", "-Infinity":
			return math.Inf(-1), true
		case "nan", "NaN":
			return math.NaN(), true
		}
	}
	return 0, false
}

func toInt(v any) (int, bool) {
	switch v := v.(type) {
	case int:
		return v, true
	case int64:
		return int(v), true
	}
	f, ok := toFloat(v)
	if !ok || f != math.Trunc(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return int(f), true
}

func toList(v any) ([]any, bool) {
	switch v := v.(type) {
	case []any:
		return v, true
	case []float64:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = x
		}
		return out, true
	case []int:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = x
		}
		return out, true
	}
	return nil, false
}

func (l *loader) float(key string, dst *float64) {
	if v, ok := l.d[key]; ok {
		if f, ok := toFloat(v); ok {
			*dst = f
		} else {
			l.fail(key, v, "a number")
		}
	}
}

func (l *loader) int(key string, dst *int) {
	if v, ok := l.d[key]; ok {
		if n, ok := toInt(v); ok {
			*dst = n
		} else {
			l.fail(key, v, "an integer")
		}
	}
}

func (l *loader) bool(key string, dst *bool) {
	if v, ok := l.d[key]; ok {
		if b, ok := v.(bool); ok {
			*dst = b
		} else {
			l.fail(key, v, "a bool")
		}
	}
}

func (l *loader) str(key string, dst *string) {
	if v, ok := l.d[key]; ok {
		if s, ok := v.(string); ok {
			*dst = s
		} else {
			l.fail(key, v, "a string")
		}
	}
}

func (l *loader) floats(key string, dst *[]float64) {
	v, ok := l.d[key]
	if !ok {
		return
	}
	list, ok := toList(v)
	out := make([]float64, len(list))
	for i, x := range list {
		if out[i], ok = toFloat(x); !ok {
			break
		}
	}
	if !ok {
		l.fail(key, v, "a list of numbers")
		return
	}
	*dst = out
}

func (l *loader) ints(key string, dst *[]int) {
	v, ok := l.d[key]
	if !ok {
		return
	}
	list, ok := toList(v)
	out := make([]int, len(list))
	for i, x := range list {
		if out[i], ok = toInt(x); !ok {
			break
		}
	}
	if !ok {
		l.fail(key, v, "a list of integers")
		return
	}
	*dst = out
}

// counter reads a Counter of ints: map[int]int, or JSON's object with string keys.
func (l *loader) counter(key string, dst *map[int]int) {
	v, ok := l.d[key]
	if !ok {
		return
	}
	out := map[int]int{}
	switch m := v.(type) {
	case map[int]int:
		for k, n := range m {
			out[k] = n
		}
	case map[string]any:
		for k, x := range m {
			ki, err := strconv.Atoi(k)
			n, ok := toInt(x)
			if err != nil || !ok {
				l.fail(key, v, "a Counter of integers")
				return
			}
			out[ki] = n
		}
	default:
		l.fail(key, v, "a Counter of integers")
		return
	}
	*dst = out
}

// dicts reads a list of state dicts ([]StateDict, or JSON's list of objects).
func (l *loader) dicts(key string) ([]StateDict, bool) {
	v, ok := l.d[key]
	if !ok {
		return nil, false
	}
	switch v := v.(type) {
	case []StateDict:
		return v, true
	case []any:
		out := make([]StateDict, len(v))
		for i, x := range v {
			switch m := x.(type) {
			case map[string]any:
				out[i] = m
			case StateDict:
				out[i] = m
			default:
				l.fail(key, v, "a list of state dicts")
				return nil, false
			}
		}
		return out, true
	}
	l.fail(key, v, "a list of state dicts")
	return nil, false
}

// sortedKeys lists a Counter's elements with repeats, sorted, as sorted(counter.elements()).
func sortedElements(c map[int]int) []int {
	var out []int
	for k, n := range c {
		for range n {
			out = append(out, k)
		}
	}
	sort.Ints(out)
	return out
}
