package torch

import (
	"fmt"
	"testing"
)

func TestVersionAtLeast(t *testing.T) {
	var major, minor int
	if _, err := fmt.Sscanf(Version(), "%d.%d", &major, &minor); err != nil {
		t.Fatalf("Version() = %q: %v", Version(), err)
	}
	for _, c := range []struct {
		major, minor int
		want         bool
	}{
		{major, minor, true}, {major, minor + 1, false}, {major - 1, 99, true}, {major + 1, 0, false}, {1, 0, true},
	} {
		if got := VersionAtLeast(c.major, c.minor); got != c.want {
			t.Errorf("libtorch %s: VersionAtLeast(%d, %d) = %v, want %v", Version(), c.major, c.minor, got, c.want)
		}
	}
}
