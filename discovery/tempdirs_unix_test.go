//go:build unix

package discovery_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/procman-dev/procman/discovery"
)

// TestFindInAModelOfMacOSTemporaryDirectories builds macOS's temporary
// directories under a trusted root, with their shapes: /tmp and /var are
// relative links to private/tmp and private/var; /private/tmp is sticky
// and writable by all; each user's TMPDIR is /var/folders/XX/ID/T, below
// directories only root, then the user, may write to. A plugin under /tmp
// is refused, naming the directory the link leads to; one under TMPDIR is
// found under the path as listed. (tempdirs_darwin_test.go checks the same
// on macOS's real ones.)
func TestFindInAModelOfMacOSTemporaryDirectories(t *testing.T) {
	const plugin = discovery.Prefix
	root := trustedRoot(t)
	mkdir(t, filepath.Join(root, "private", "tmp"), 0o777|os.ModeSticky)
	symlink(t, "private/tmp", filepath.Join(root, "tmp"))
	userDir := mkdir(t, filepath.Join(root, "private", "var", "folders", "zz", "yxw_0000gn"), 0o755)
	mkdir(t, filepath.Join(userDir, "T"), 0o700)
	symlink(t, "private/var", filepath.Join(root, "var"))

	inTmp := mkdir(t, filepath.Join(root, "tmp", "tools"), 0o755)
	writeFile(t, filepath.Join(inTmp, plugin+"a"), 0o755)
	inTMPDIR := mkdir(t, filepath.Join(root, "var", "folders", "zz", "yxw_0000gn", "T", "tools"), 0o755)
	writeFile(t, filepath.Join(inTMPDIR, plugin+"b"), 0o755)

	got := discovery.Find("", list(inTmp, inTMPDIR))
	checkCandidates(t, root, got.Candidates, []want{
		{"a", "tmp/tools/" + plugin + "a", discovery.Refused, `directory "ROOT/private/tmp" is writable by others (mode dtrwxrwxrwx)`},
		{"b", "var/folders/zz/yxw_0000gn/T/tools/" + plugin + "b", discovery.OK, ""},
	})
	file, err := discovery.Open(filepath.Join(inTMPDIR, plugin+"b"))
	if err != nil {
		t.Fatalf("Open of the plugin in TMPDIR: %v", err)
	}
	file.Close()
}
