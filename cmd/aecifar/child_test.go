package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aecifar/aecifar/internal/atomicfile"
	"github.com/aecifar/aecifar/internal/dirlock"
)

// The CLI tests run aecifar as a child process, as a user does: the test binary is the child
// (TestMain calls main when AECIFAR_TEST_MAIN is set), so that exit codes, what reaches stdout and
// stderr (a panic's goroutine trace included) and a SIGKILL are real.
//
// In the child, AECIFAR_TEST_KILL=before:N or after:N SIGKILLs the process just before or just
// after the Nth rename that puts a file in place (internal/atomicfile), and AECIFAR_TEST_RENAMES=FILE
// appends the path of each renamed file to FILE.
func TestMain(m *testing.M) {
	if os.Getenv("AECIFAR_TEST_MAIN") == "1" {
		childHooks()
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func childHooks() {
	var when string
	var at int
	if k := os.Getenv("AECIFAR_TEST_KILL"); k != "" {
		w, n, _ := strings.Cut(k, ":")
		when = w
		at, _ = strconv.Atoi(n)
	}
	logPath := os.Getenv("AECIFAR_TEST_RENAMES")
	if at == 0 && logPath == "" {
		return
	}
	count := 0
	atomicfile.RenameHook = func(path string, after bool) {
		if !after {
			count++
			if logPath != "" {
				if f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err == nil {
					fmt.Fprintln(f, path)
					f.Close()
				}
			}
		}
		if count == at && (when == "after") == after {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal is on its way
		}
	}
}

// child is a finished aecifar process.
type child struct {
	code           int  // exit status; -1 when killed by a signal
	killed         bool // by SIGKILL
	stdout, stderr string
}

// output is both streams, for messages.
func (c child) output() string { return c.stdout + c.stderr }

// childCmd is aecifar with args and the extra environment, bounded by the test's deadline.
func childCmd(ctx context.Context, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "AECIFAR_TEST_MAIN=1"), env...)
	return cmd
}

// aecifar runs aecifar with args to its end (at most two minutes).
func aecifar(t *testing.T, env []string, args ...string) child {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := childCmd(ctx, env, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return finished(t, cmd, err, stdout.String(), stderr.String())
}

func finished(t *testing.T, cmd *exec.Cmd, err error, stdout, stderr string) child {
	t.Helper()
	c := child{stdout: stdout, stderr: stderr}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		c.code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			c.killed = ws.Signal() == syscall.SIGKILL
		}
	default:
		t.Fatalf("aecifar %s: %v", strings.Join(cmd.Args[1:], " "), err)
	}
	if strings.Contains(c.stderr, "goroutine") || trace.MatchString(c.output()) || strings.Contains(c.output(), "panic:") {
		t.Fatalf("aecifar %s panicked:\n%s", strings.Join(cmd.Args[1:], " "), c.output())
	}
	return c
}

// trace is how a goroutine trace begins: "goroutine 1 [running]:".
var trace = regexp.MustCompile(`goroutine \d+ \[`)

// tinyData writes an ImageFolder tree of perClass random 32x32 PNGs per class in train/ and
// testPerClass in test/, for the 10 CIFAR-10 classes, and returns its root.
func tinyData(t *testing.T, perClass, testPerClass int) string {
	t.Helper()
	root := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	for split, n := range map[string]int{"train": perClass, "test": testPerClass} {
		for ci, c := range cifarClasses {
			for i := range n {
				img := image.NewRGBA(image.Rect(0, 0, 32, 32))
				for p := range 32 * 32 {
					img.Set(p%32, p/32, color.RGBA{uint8(ci * 25), uint8(rng.IntN(256)), uint8(255 - ci*25), 255})
				}
				writePNG(t, filepath.Join(root, split, c, fmt.Sprintf("%04d.png", i)), img)
			}
		}
	}
	return root
}

var cifarClasses = []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, buf.Bytes())
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// copyTree copies the regular files under src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		writeFile(t, filepath.Join(dst, rel), b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// tree is a directory's regular files by relative path, with the SHA-256 of each (the lock file,
// whose content is its holder's, left out).
type tree map[string]string

func snapshot(t *testing.T, dir string) tree {
	t.Helper()
	s := tree{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if (errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)) && p == dir { // no such directory: empty
			return fs.SkipAll
		}
		if err != nil || d.IsDir() || d.Name() == dirlock.Name {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		sum := sha256.Sum256(b)
		s[filepath.ToSlash(rel)] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// changes lists how after differs from before: "+name", "-name" and "~name".
func (before tree) changes(after tree) []string {
	var out []string
	for name, sum := range after {
		switch old, ok := before[name]; {
		case !ok:
			out = append(out, "+"+name)
		case old != sum:
			out = append(out, "~"+name)
		}
	}
	for name := range before {
		if _, ok := after[name]; !ok {
			out = append(out, "-"+name)
		}
	}
	return out
}
