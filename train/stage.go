package train

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aecifar/aecifar/train/report"
)

// A Stage is a part of a run: training the autoencoder, training the classifier, the test. It is
// report.Stage (a run's history names the stage of each epoch), defined there once.
type Stage = report.Stage

// The stages of a run, in the order it runs them.
const (
	StageAutoencoder = report.StageAutoencoder
	StageClassifier  = report.StageClassifier
	StageTest        = report.StageTest
)

// stageOrder is the order in which a run goes through the stages.
var stageOrder = []Stage{StageAutoencoder, StageClassifier, StageTest}

// Stages is a set of stages: what a command runs. It is a value, so Run works on its own copy.
type Stages uint8

// StagesOf is the set of the given stages. Each must be one of the Stage constants: another
// Stage is a programming error, and StagesOf panics naming it.
func StagesOf(stages ...Stage) Stages {
	var s Stages
	for _, st := range stages {
		i := slices.Index(stageOrder, st)
		if i < 0 {
			panic(fmt.Sprintf("train: unknown stage %q (want %s)", st, stageNames()))
		}
		s |= 1 << i
	}
	return s
}

// Has reports whether st is in the set.
func (s Stages) Has(st Stage) bool {
	i := slices.Index(stageOrder, st)
	return i >= 0 && s&(1<<i) != 0
}

// List is the set's stages in the order a run goes through them.
func (s Stages) List() []Stage {
	var out []Stage
	for _, st := range stageOrder {
		if s.Has(st) {
			out = append(out, st)
		}
	}
	return out
}

func (s Stages) String() string {
	names := make([]string, 0, len(stageOrder))
	for _, st := range s.List() {
		names = append(names, string(st))
	}
	return "{" + strings.Join(names, ", ") + "}"
}

func stageNames() string {
	names := make([]string, len(stageOrder))
	for i, st := range stageOrder {
		names[i] = string(st)
	}
	return strings.Join(names, ", ")
}

// stagesFrom returns the stages of plan from stage on, in order.
func stagesFrom(plan []Stage, stage Stage) []Stage {
	from := slices.Index(stageOrder, stage)
	var out []Stage
	for _, st := range plan {
		if slices.Index(stageOrder, st) >= from {
			out = append(out, st)
		}
	}
	return out
}
