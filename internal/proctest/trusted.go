//go:build unix

package proctest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/procman-dev/procman/discovery"
)

// TrustedDir returns a new empty directory, removed at the end of the
// test, where discovery accepts plugins: it and every directory above it
// belong to root or to the effective user, and nobody else may write to
// them (see discovery.Open). That rules out /tmp, where t.TempDir() usually
// is, so the directory is t.TempDir() only when the temporary directory
// passes; else one made under /run or /var/cache (as root), or under the
// user's cache directory. When none passes, the test is skipped: plugins
// cannot be tested on this machine as this user without a private TMPDIR.
//
// The result never depends on where the checkout is.
func TrustedDir(t testing.TB) string {
	t.Helper()
	if dir := t.TempDir(); trusted(dir) {
		return dir
	}
	var bases []string
	if os.Geteuid() == 0 {
		bases = append(bases, "/run", "/var/cache")
	}
	if cache, err := os.UserCacheDir(); err == nil {
		bases = append(bases, cache)
	}
	for _, base := range bases {
		dir, err := os.MkdirTemp(base, "procman-test-")
		if err != nil {
			continue
		}
		if trusted(dir) {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
		os.RemoveAll(dir)
	}
	t.Skipf("no directory where plugins are trusted: %s and %q are writable by others or not there; set TMPDIR to a private directory", os.TempDir(), bases)
	return ""
}

// trusted reports whether discovery accepts a plugin in dir, by trying.
func trusted(dir string) bool {
	probe := filepath.Join(dir, discovery.Prefix+"probe")
	if err := os.WriteFile(probe, []byte("#!/bin/sh\n"), 0o700); err != nil {
		return false
	}
	defer os.Remove(probe)
	file, err := discovery.Open(probe)
	if err != nil {
		return false
	}
	file.Close()
	return true
}
