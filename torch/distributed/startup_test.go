package distributed

import (
	"slices"
	"strings"
	"testing"
)

// TestStartupOf pins the two start-up sequences to what distributed_c10d.py does in 1.13 and 2.6
// (the Python-rank test in distributed_test.go is what checks them against a running torch).
func TestStartupOf(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "TORCH_DIST_INIT_BARRIER" {
				return v
			}
			return ""
		}
	}
	for _, c := range []struct {
		name    string
		v2      bool
		barrier string
		want    startup
	}{
		{"1.13", false, "", startup{prefixes: []string{"0"}, barrierKey: "store_based_barrier_key:1"}},
		{"1.13 ignores TORCH_DIST_INIT_BARRIER", false, "0", startup{prefixes: []string{"0"}, barrierKey: "store_based_barrier_key:1"}},
		{"2.x", true, "", startup{prefixes: []string{"0/", "cpu/"}, sequenceFirst: true}},
		{"2.x TORCH_DIST_INIT_BARRIER=0", true, "0", startup{prefixes: []string{"0/", "cpu/"}, sequenceFirst: true}},
		{"2.x TORCH_DIST_INIT_BARRIER=1", true, "1", startup{prefixes: []string{"0/", "cpu/"}, sequenceFirst: true,
			barrierKey: "store_based_barrier_key:0", lastWorker: true}},
		{"1.13 nccl", false, "", startup{prefixes: []string{"0"}, barrierKey: "store_based_barrier_key:1"}},
		{"2.x nccl", true, "", startup{prefixes: []string{"0/", "cuda/"}, sequenceFirst: true}},
	} {
		backend := Gloo
		if strings.HasSuffix(c.name, "nccl") {
			backend = NCCL
		}
		got := startupOf(c.v2, backend, env(c.barrier))
		if !slices.Equal(got.prefixes, c.want.prefixes) || got.sequenceFirst != c.want.sequenceFirst ||
			got.barrierKey != c.want.barrierKey || got.lastWorker != c.want.lastWorker {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

// TestGlooHostname: a loopback master binds Gloo to that address unless GLOO_SOCKET_IFNAME names
// interfaces; any other master leaves Gloo its default device.
func TestGlooHostname(t *testing.T) {
	for _, c := range []struct{ master, ifaces, want string }{
		{"127.0.0.1", "", "127.0.0.1"},
		{"127.0.0.2", "", "127.0.0.2"},
		{"localhost", "", "localhost"},
		{"::1", "", "::1"},
		{"[::1]", "", "::1"},
		{"127.0.0.1", "lo", ""},
		{"127.0.0.1", "x", "127.0.0.1"}, // one character: Python's binding ignores it
		{"10.0.0.5", "", ""},
		{"node-3.cluster", "", ""},
		{"", "", ""},
	} {
		if got := glooHostname(c.master, c.ifaces); got != c.want {
			t.Errorf("glooHostname(%q, %q) = %q, want %q", c.master, c.ifaces, got, c.want)
		}
	}
}
