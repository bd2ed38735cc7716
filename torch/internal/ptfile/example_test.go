package ptfile_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/aecifar/aecifar/torch/internal/ptfile"
)

func Example() {
	// A 2x2 float32 weight and its bias, as nn.Linear(2, 2).state_dict().
	weight := make([]byte, 0, 16)
	for _, v := range []float32{1, 2, 3, 4} {
		weight = binary.LittleEndian.AppendUint32(weight, math.Float32bits(v))
	}
	sd := []ptfile.Tensor{
		{Name: "weight", DType: "float32", Shape: []int64{2, 2}, Data: weight},
		{Name: "bias", DType: "float32", Shape: []int64{2}, Data: make([]byte, 8)},
	}
	var buf bytes.Buffer // or ptfile.WriteFile("model.pt", sd)
	if err := ptfile.Write(&buf, sd); err != nil {
		fmt.Println(err)
		return
	}
	back, err := ptfile.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range back {
		fmt.Println(t.Name, t.DType, t.Shape, t.NumElements())
	}
	// Output:
	// weight float32 [2 2] 4
	// bias float32 [2] 2
}

func ExampleRead_notACheckpoint() {
	b := []byte("just some text")
	_, err := ptfile.Read(bytes.NewReader(b), int64(len(b)))
	fmt.Println(err)
	// Output:
	// not a PyTorch checkpoint: not a zip archive (zip: not a valid zip file)
}
