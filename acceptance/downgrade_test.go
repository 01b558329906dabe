//go:build linux

package acceptance

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// withoutHelpers returns a command that runs procman with args where no
// helper can run: memory files may not be executed (vm.memfd_noexec=2, in
// a PID namespace of its own) and TMPDIR does not exist. It skips the test
// where that cannot be arranged.
func withoutHelpers(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("setting vm.memfd_noexec needs root")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare (util-linux) is missing")
	}
	script := `echo 2 >/proc/sys/vm/memfd_noexec && exec "$@"`
	cmd := procman(t)
	cmd.Path = unshare
	cmd.Args = append([]string{"unshare", "--pid", "--fork", "/bin/sh", "-c", script, "sh", procmanBin}, args...)
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir()+"/missing")
	return cmd
}

// TestNoSilentDowngrade runs procman where neither procman-init nor the
// reaper can run: it must say so when it runs a command under the weaker
// mechanism, version --verbose must tell the mechanism run really gets, and
// --min-containment must refuse to run anything.
func TestNoSilentDowngrade(t *testing.T) {
	r := run(t, withoutHelpers(t, "run", "--no-plugins", "--", "/bin/true"))
	r.wantExit(t, 0)
	if !strings.Contains(r.stderr, "containment is process-group") || !strings.Contains(r.stderr, "pid-namespace") {
		t.Errorf("procman run under a weaker mechanism said on stderr:\n%s\nwant a warning naming process-group and why not pid-namespace", r.stderr)
	}

	r = run(t, withoutHelpers(t, "version", "--verbose"))
	r.wantExit(t, 0)
	if !strings.Contains(r.stdout, "containment: process-group\n") {
		t.Errorf("version --verbose says\n%s\nwant containment: process-group", r.stdout)
	}

	r = run(t, withoutHelpers(t, "run", "--no-plugins", "--min-containment", "subreaper", "--", "/bin/true"))
	r.wantExit(t, 125)
	r.wantOneLine(t, "weaker than the required subreaper")

	// explain tells what run would do: refuse.
	r = run(t, withoutHelpers(t, "explain", "--no-plugins", "--min-containment", "subreaper", "--", "/bin/true"))
	r.wantExit(t, 125)
	r.wantOneLine(t, "weaker than the required subreaper")
}
