//go:build unix

package resolve

import (
	"slices"
	"testing"
)

func TestUpwardReachesTheRoot(t *testing.T) {
	want := []string{"/a/b/c", "/a/b", "/a", "/"}
	if got := slices.Collect(upward("/a/b/c/")); !slices.Equal(got, want) {
		t.Errorf("upward(/a/b/c/) = %q, want %q", got, want)
	}
	if got := slices.Collect(upward("/")); !slices.Equal(got, []string{"/"}) {
		t.Errorf("upward(/) = %q, want [/]", got)
	}
}
