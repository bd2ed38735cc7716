package ptfile

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The helper process: TestKilledSaveKeepsACompleteFile runs this test binary again with these
// variables set, and the child saves version after version to the path until it is killed.
const (
	killPathEnv  = "PTFILE_KILL_TEST_PATH"  // where the child writes
	killFirstEnv = "PTFILE_KILL_TEST_FIRST" // the first version it writes
)

// killVersionBytes is the size of one version's large tensor: big enough (16 MiB) that a write,
// fsync included, takes a while, so that a kill at a random moment lands in the middle of one.
const killVersionBytes = 16 << 20

// killVersion is the state_dict of version v: a scalar holding v, a large tensor and a small one
// whose bytes depend on v, so that a file mixing two versions or cut short does not pass for one.
func killVersion(v int64) []Tensor {
	big := make([]byte, killVersionBytes)
	x := uint32(v) * 2654435761
	for i := 0; i < len(big); i += 4 {
		binary.LittleEndian.PutUint32(big[i:], x+uint32(i))
	}
	small := make([]byte, 4*16)
	for i := range small {
		small[i] = byte(v) ^ byte(i)
	}
	return []Tensor{
		{Name: "version", DType: "int64", Data: binary.LittleEndian.AppendUint64(nil, uint64(v))},
		{Name: "layer.weight", DType: "float32", Shape: []int64{killVersionBytes / 4 / 1024, 1024}, Data: big},
		{Name: "layer.bias", DType: "float32", Shape: []int64{16}, Data: small},
	}
}

// TestHelperProcess is the child of TestKilledSaveKeepsACompleteFile; run on its own it skips. It
// writes versions first, first+1, ... to the same path with WriteFile, printing each version
// once WriteFile has returned, until it is killed.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(killPathEnv)
	if path == "" {
		t.Skip("the child process of TestKilledSaveKeepsACompleteFile")
	}
	first, err := strconv.ParseInt(os.Getenv(killFirstEnv), 10, 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Println("started")
	for v := first; ; v++ {
		if err := WriteFile(path, killVersion(v)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(v)
	}
}

// TestKilledSaveKeepsACompleteFile kills a process with SIGKILL at random moments while it saves
// large state dicts over and over to one path. After every kill the file at the path must read back
// as exactly the last version the child reported saved, or the one it was saving (renamed into
// place before the child could report it), and nothing but WriteFile's hidden temporary files may
// be left beside it; the next save must remove those. At least one kill must have interrupted a
// save (left a temporary file), or the test proved nothing.
func TestKilledSaveKeepsACompleteFile(t *testing.T) {
	rounds := 8
	if testing.Short() {
		rounds = 3
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "model.pt")
	if err := WriteFile(path, killVersion(0)); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	last := int64(0) // the version the file holds
	interrupted := 0
	// Past the planned rounds, go on (up to maxRounds) until a kill has cut a save short: where
	// saves are quick (or slow, under -race) the random delays may all fall between saves.
	const maxRounds = 40
	round := 0
	for ; round < rounds || (interrupted == 0 && round < maxRounds); round++ {
		reported := killChildAfter(t, path, last+1, time.Duration(rng.IntN(300))*time.Millisecond)
		got := readVersion(t, path)
		if got != reported && got != reported+1 {
			t.Fatalf("round %d: the file holds version %d; the child had saved up to %d", round, got, reported)
		}
		if got < last {
			t.Fatalf("round %d: the file went back from version %d to %d", round, last, got)
		}
		last = got
		leftovers := tempFiles(t, dir, round) // saves the kill cut short
		if leftovers > 0 {
			interrupted++
		}
		t.Logf("round %d: killed after version %d was saved, file holds %d, %d temporary file(s) left", round, reported, got, leftovers)
		// The next save removes the dead writer's temporary file.
		if err := WriteFile(path, killVersion(last)); err != nil {
			t.Fatal(err)
		}
		if n := tempFiles(t, dir, round); n > 0 {
			t.Fatalf("round %d: %d temporary file(s) left after the next save", round, n)
		}
	}
	if interrupted == 0 {
		t.Fatalf("no kill in %d rounds interrupted a save", round)
	}
}

// tempFiles counts WriteFile's temporary files beside dir/model.pt, failing on any other file.
func tempFiles(t *testing.T, dir string, round int) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		switch {
		case e.Name() == "model.pt":
		case strings.HasPrefix(e.Name(), ".model.pt.tmp-"):
			n++
		default:
			t.Fatalf("round %d: unexpected file %s beside the checkpoint", round, e.Name())
		}
	}
	return n
}

// killChildAfter starts the helper writing versions first, first+1, ... to path, kills it with
// SIGKILL delay after it has started, and returns the last version it reported saved (first-1
// if none).
func killChildAfter(t *testing.T, path string, first int64, delay time.Duration) int64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), killPathEnv+"="+path, killFirstEnv+"="+strconv.FormatInt(first, 10))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || lines.Text() != "started" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child did not start: %q, stderr: %s", lines.Text(), stderr.String())
	}
	time.Sleep(delay)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	reported := first - 1
	for lines.Scan() { // what the child printed before it died
		v, err := strconv.ParseInt(lines.Text(), 10, 64)
		if err != nil {
			t.Fatalf("child printed %q", lines.Text())
		}
		reported = v
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, not by SIGKILL; stderr: %s", err, stderr.String())
	}
	return reported
}

// readVersion reads the checkpoint at path and returns its version, after checking that every
// tensor is exactly that version's.
func readVersion(t *testing.T, path string) int64 {
	t.Helper()
	ts, err := ReadFile(path)
	if err != nil {
		t.Fatalf("the checkpoint does not read back: %v", err)
	}
	if len(ts) == 0 || ts[0].Name != "version" || len(ts[0].Data) != 8 {
		t.Fatalf("the checkpoint has no version tensor first: %d tensors", len(ts))
	}
	v := int64(binary.LittleEndian.Uint64(ts[0].Data))
	want := killVersion(v)
	if len(ts) != len(want) {
		t.Fatalf("version %d: %d tensors, want %d", v, len(ts), len(want))
	}
	for i := range want {
		if ts[i].Name != want[i].Name || ts[i].DType != want[i].DType || !bytes.Equal(ts[i].Data, want[i].Data) {
			t.Fatalf("version %d: tensor %d (%s) differs from what was saved", v, i, ts[i].Name)
		}
	}
	return v
}
