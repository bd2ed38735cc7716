package torch

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	lib "github.com/sugarme/gotch/libtch"
)

// stubbedOps reads the list of gotch functions the build stubbed for this libtorch: stubbed-ops.txt
// beside the adapted header that build/overlay.json (at the module root) substitutes.
func stubbedOps(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "build", "overlay.json"))
	if err != nil {
		t.Skipf("no build/overlay.json (build through make): %v", err)
	}
	var ov struct{ Replace map[string]string }
	if err := json.Unmarshal(b, &ov); err != nil {
		t.Fatal(err)
	}
	for from, to := range ov.Replace {
		if strings.HasSuffix(from, "libtch/torch_api_generated.cpp.h") {
			list, err := os.ReadFile(filepath.Join(filepath.Dir(to), "stubbed-ops.txt"))
			if err != nil {
				t.Fatal(err)
			}
			ops := map[string]bool{}
			for _, l := range strings.Split(string(list), "\n") {
				if l != "" && !strings.HasPrefix(l, "#") {
					ops[l] = true
				}
			}
			return ops
		}
	}
	t.Fatal("build/overlay.json replaces no libtch/torch_api_generated.cpp.h")
	return nil
}

func TestStubbedOpReturnsError(t *testing.T) {
	stubbed := stubbedOps(t)
	x := Ones([]int64{4, 4})
	defer x.Drop()
	// Ops stubbed on some libtorch this project builds against, with a call of each.
	candidates := []struct {
		cName string
		call  func() *Tensor
	}{
		{"atg__cslt_compress", func() *Tensor {
			return call("_cslt_compress", func(out *lib.Ctensor) { lib.Atg_CsltCompress(out, x.c) }, x)
		}},
		{"atg__cslt_sparse_mm", func() *Tensor {
			return call("_cslt_sparse_mm", func(out *lib.Ctensor) { lib.Atg_CsltSparseMm(out, x.c, x.c, nil, 0) }, x)
		}},
	}
	for _, c := range candidates {
		if !stubbed[c.cName] {
			continue
		}
		r := c.call()
		if r.Err() == nil {
			t.Fatalf("stubbed %s succeeded", c.cName)
		}
		if msg := r.Err().Error(); !strings.Contains(msg, strings.TrimPrefix(c.cName, "atg_")) || !strings.Contains(msg, Version()) {
			t.Fatalf("stubbed %s: error %q names neither the op nor libtorch %s", c.cName, msg, Version())
		}
		t.Logf("%s: %v", c.cName, r.Err())
		return
	}
	t.Skipf("none of the candidate ops is stubbed for libtorch %s (%d stubbed)", Version(), len(stubbed))
}
