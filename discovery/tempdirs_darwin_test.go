package discovery_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procman-dev/procman/discovery"
)

// TestFindInMacOSTemporaryDirectories checks, on macOS's real temporary
// directories, what TestFindInAModelOfMacOSTemporaryDirectories checks on
// a model: a plugin under /tmp, a link to /private/tmp, is refused, and one
// in the user's own TMPDIR, under /var/folders, is found under the path as
// listed.
func TestFindInMacOSTemporaryDirectories(t *testing.T) {
	const plugin = discovery.Prefix
	inTmp, err := os.MkdirTemp("/tmp", "procman-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(inTmp) })
	writeFile(t, filepath.Join(inTmp, plugin+"a"), 0o755)
	inTMPDIR := t.TempDir()
	if !strings.HasPrefix(inTMPDIR, "/var/folders/") {
		t.Skipf("TMPDIR is not the user's own under /var/folders: %s", inTMPDIR)
	}
	writeFile(t, filepath.Join(inTMPDIR, plugin+"b"), 0o755)

	got := discovery.Find("", list(inTmp, inTMPDIR))
	checkCandidates(t, "/", got.Candidates, []want{
		{"a", filepath.Join(inTmp, plugin+"a"), discovery.Refused, `directory "/private/tmp" is writable by others (mode dtrwxrwxrwx)`},
		{"b", filepath.Join(inTMPDIR, plugin+"b"), discovery.OK, ""},
	})
}
