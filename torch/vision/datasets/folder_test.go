package datasets_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aecifar/aecifar/torch/utils/data"
	"github.com/aecifar/aecifar/torch/vision/datasets"
	"github.com/aecifar/aecifar/torch/vision/transforms"
)

func relSamples(t *testing.T, root string, f *datasets.ImageFolder) [][2]any {
	t.Helper()
	var out [][2]any
	for _, s := range f.Samples {
		rel, err := filepath.Rel(root, s.Path)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, [2]any{filepath.ToSlash(rel), s.Label})
	}
	return out
}

// The tree in testdata/tree has names that order differently under naive
// walks: upper case, "10" before "9", "sub-dir" between "sub" and
// "sub/deeper", a hidden class, non-image files and a GIF.
func TestImageFolderMatchesTorchvisionOrder(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "tree.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		Classes    []string
		ClassToIdx map[string]int `json:"class_to_idx"`
		Samples    [][2]any
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	for i := range want.Samples {
		want.Samples[i][1] = int(want.Samples[i][1].(float64))
	}
	root := filepath.Join("testdata", "tree")
	f, err := datasets.NewImageFolder(root)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Classes, want.Classes) {
		t.Errorf("classes %q, torchvision %q", f.Classes, want.Classes)
	}
	for c, i := range want.ClassToIdx {
		if f.ClassToIdx[c] != i {
			t.Errorf("class_to_idx[%q] = %d, torchvision %d", c, f.ClassToIdx[c], i)
		}
	}
	if got := relSamples(t, root, f); !slices.Equal(got, want.Samples) {
		t.Errorf("samples\n%v\ntorchvision\n%v", got, want.Samples)
	}
	// Every sample decodes and yields a [3 2 2] tensor with its label.
	for i := range f.Len() {
		s, err := f.Get(i, nil)
		if err != nil {
			t.Fatalf("sample %d: %v", i, err)
		}
		if !slices.Equal(s.Shape, []int64{3, 2, 2}) || s.Label != int64(f.Samples[i].Label) {
			t.Errorf("sample %d: shape %v label %d", i, s.Shape, s.Label)
		}
	}
	if got := f.Targets(); len(got) != f.Len() || got[0] != 0 || got[len(got)-1] != 3 {
		t.Errorf("targets %v", got)
	}
}

func TestImageFolderExtensions(t *testing.T) {
	root := filepath.Join("testdata", "tree")
	f, err := datasets.NewImageFolder(root, datasets.ImageFolderOptions{Extensions: append(slices.Clone(datasets.IMGExtensions), ".gif")})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range f.Samples {
		found = found || strings.HasSuffix(s.Path, "anim.gif")
	}
	if !found {
		t.Error("Extensions with .gif did not list cat/anim.gif")
	}
}

func TestImageFolderErrors(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "tree_empty.json"))
	if err != nil {
		t.Fatal(err)
	}
	var empty struct{ Error string }
	if err := json.Unmarshal(raw, &empty); err != nil {
		t.Fatal(err)
	}
	noClasses := t.TempDir()
	if err := os.WriteFile(filepath.Join(noClasses, "a.jpg"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, root, want string
	}{
		{"missing root", filepath.Join(t.TempDir(), "nope"), "no such file or directory"},
		{"no class folder", noClasses, "Couldn't find any class folder in " + noClasses},
		{"class without images", filepath.Join("testdata", "tree_empty"), empty.Error},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := datasets.NewImageFolder(tc.root)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("errors.Is(%v, fs.ErrNotExist) is false", err)
			}
		})
	}
}

// Symbolic links are followed, to folders (as classes and below them) and
// to files, as os.walk(followlinks=True) does; a link back up is not
// followed twice.
func TestImageFolderFollowsSymlinks(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "tree", "Bird", "x.png"))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	outside := t.TempDir()
	write := func(p string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, p string) {
		t.Helper()
		if err := os.Symlink(target, p); err != nil {
			t.Skip("no symlinks here:", err)
		}
	}
	write(filepath.Join(outside, "cls", "o.png"))
	write(filepath.Join(outside, "deep", "d.png"))
	write(filepath.Join(root, "a", "1.png"))
	link(filepath.Join(outside, "cls"), filepath.Join(root, "b"))
	link(filepath.Join(outside, "deep"), filepath.Join(root, "a", "linked"))
	link(filepath.Join(root, "a", "1.png"), filepath.Join(root, "a", "2.png"))
	link(filepath.Join(root, "a"), filepath.Join(root, "a", "loop"))
	link(filepath.Join(root, "missing"), filepath.Join(root, "a", "broken.png"))

	f, err := datasets.NewImageFolder(root)
	if err != nil {
		t.Fatal(err)
	}
	got := relSamples(t, root, f)
	want := [][2]any{{"a/1.png", 0}, {"a/2.png", 0}, {"a/broken.png", 0}, {"a/linked/d.png", 0}, {"b/o.png", 1}}
	if !slices.Equal(got, want) {
		t.Errorf("samples %v, want %v", got, want)
	}
	// The broken link is listed (as torchvision lists it) and fails to load,
	// naming the file.
	_, err = f.Get(2, nil)
	if err == nil || !strings.Contains(err.Error(), "broken.png") {
		t.Errorf("broken link: %v", err)
	}
}

func TestImageFolderGetErrors(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "c"), 0o755); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(root, "c", "corrupt.jpg")
	if err := os.WriteFile(bad, []byte("\xff\xd8\xff\xe0 garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := datasets.NewImageFolder(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Get(0, nil); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("corrupt file: %v, want an error naming %s", err, bad)
	}
	if _, err := f.Get(1, nil); err == nil {
		t.Error("index out of range: no error")
	}
	g, err := datasets.NewImageFolder(filepath.Join("testdata", "tree"), datasets.ImageFolderOptions{Transform: transforms.NewResize(4, 4)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Get(0, nil); err == nil || !strings.Contains(err.Error(), "must end with a Tensor") {
		t.Errorf("transform ending in an image: %v", err)
	}
}

var _ data.Dataset = (*datasets.ImageFolder)(nil)

// ImageFolderOptions: is_valid_file instead of the extensions (not both),
// target_transform on every label, at most one options value.
func TestImageFolderOptions(t *testing.T) {
	root := filepath.Join("testdata", "tree")
	pngs, err := datasets.NewImageFolder(root, datasets.ImageFolderOptions{
		IsValidFile:     func(p string) bool { return strings.HasSuffix(p, ".png") || strings.HasSuffix(p, ".ppm") },
		TargetTransform: func(y int) int { return 10 * y },
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range pngs.Samples {
		if !strings.HasSuffix(s.Path, ".png") && !strings.HasSuffix(s.Path, ".ppm") {
			t.Errorf("sample %s is neither a .png nor a .ppm", s.Path)
		}
		got, err := pngs.Get(i, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.Label != int64(10*s.Label) {
			t.Errorf("%s: label %d, want %d", s.Path, got.Label, 10*s.Label)
		}
	}
	if _, err := datasets.NewImageFolder(root, datasets.ImageFolderOptions{IsValidFile: func(string) bool { return false }}); err == nil ||
		!strings.HasSuffix(err.Error(), "Found no valid file for the classes .hidden, Bird, cat, dog. ") {
		t.Errorf("no valid file: %v, want torchvision's message without extensions", err)
	}
	both := datasets.ImageFolderOptions{IsValidFile: func(string) bool { return true }, Extensions: []string{".png"}}
	if _, err := datasets.NewImageFolder(root, both); err == nil || !strings.Contains(err.Error(), "Both extensions and is_valid_file") {
		t.Errorf("extensions with is_valid_file: %v", err)
	}
	if _, err := datasets.NewImageFolder(root, datasets.ImageFolderOptions{}, datasets.ImageFolderOptions{}); err == nil {
		t.Error("two options: no error")
	}
}
