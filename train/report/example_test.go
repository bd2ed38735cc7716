package report_test

import (
	"fmt"
	"strings"

	"github.com/aecifar/aecifar/train/report"
)

// The blog's test report, from a confusion matrix of the test set's labels and predictions.
func ExampleResults_Lines() {
	classes := []string{"cat", "dog", "automobile"}
	truth := []int64{0, 0, 0, 1, 1, 2}
	pred := []int64{0, 0, 1, 1, 0, 1}
	m, err := report.Confusion(len(classes), truth, pred)
	if err != nil {
		panic(err)
	}
	r, err := report.FromConfusion(m, classes)
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.Join(r.Lines(), "\n"))
	// Output:
	// Test Accuracy of   cat: 66% ( 2/ 3)
	// Test Accuracy of   dog: 50% ( 1/ 2)
	// Test Accuracy of automobile:  0% ( 0/ 1)
	//
	// Test Accuracy (Overall): 50% ( 3/ 6)
}
