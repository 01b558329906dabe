//go:build unix

package discovery_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/procman-dev/procman/discovery"
)

// TestSymlinkLimitIsTheKernels opens plugins reached through chains of n
// symbolic links, for n around the limits of Linux (40) and macOS (32),
// and checks that Open refuses exactly the chains that the kernel refuses
// to follow: a plugin the kernel could not run is refused with the
// reason, and one it runs is never refused.
func TestSymlinkLimitIsTheKernels(t *testing.T) {
	root := trustedRoot(t)
	link := writeFile(t, filepath.Join(root, "tool"), 0o755)
	refusedSome, acceptedSome := false, false
	for n := 1; n <= 42; n++ {
		next := filepath.Join(root, fmt.Sprintf("%s%d", discovery.Prefix, n))
		symlink(t, filepath.Base(link), next)
		link = next
		if n < 28 {
			continue
		}
		kernel, kernelErr := os.Open(link)
		if kernelErr == nil {
			kernel.Close()
		} else if !errors.Is(kernelErr, syscall.ELOOP) {
			t.Fatalf("open %d links: %v", n, kernelErr)
		}
		file, err := discovery.Open(link)
		var refused *discovery.RefusedError
		switch {
		case kernelErr == nil && err != nil:
			t.Errorf("Open through %d links: %v; the kernel follows them", n, err)
		case kernelErr != nil && (!errors.As(err, &refused) || !strings.Contains(refused.Reason, "too many levels of symbolic links")):
			t.Errorf("Open through %d links = %v; the kernel says %v, want it refused for too many levels of symbolic links", n, err, kernelErr)
		case err == nil:
			file.Close()
			acceptedSome = true
		default:
			refusedSome = true
		}
	}
	if !refusedSome || !acceptedSome {
		t.Errorf("accepted some: %t, refused some: %t; the chains do not reach across the kernel's limit", acceptedSome, refusedSome)
	}
}
