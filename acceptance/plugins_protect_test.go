//go:build linux

package acceptance

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/procman-dev/procman/internal/proctest"
)

// TestPluginCannotReadHostSecrets: a plugin reads its parent's, the
// host's, /proc/PID/environ, which holds a secret. The host is not
// dumpable, so the read is refused; the plugin's own environment never
// held the secret either.
//
// As root, procman runs without the capabilities that read any process's
// environment (CAP_SYS_PTRACE, CAP_SYS_ADMIN, CAP_PERFMON), as its
// plugins then do: what is left to refuse the read is the host being
// non-dumpable.
func TestPluginCannotReadHostSecrets(t *testing.T) {
	s := setupPlugins(t, []string{"peek", "env"})
	marker := proctest.Marker(t)
	secret := "SECRET_TOKEN=" + marker
	cmd := s.procman(t, "run", "--clean-env", "--", testchildBin, "env", marker)
	if os.Geteuid() == 0 {
		setpriv, err := exec.LookPath("setpriv")
		if err != nil {
			t.Fatal(err)
		}
		cmd.Args = append([]string{setpriv, "--bounding-set=-sys_ptrace,-sys_admin,-perfmon", cmd.Path}, cmd.Args[1:]...)
		cmd.Path = setpriv
	}
	cmd.Env = append(cmd.Env, secret)
	r := run(t, cmd)
	r.wantExit(t, 0)
	if strings.Contains(r.stdout, marker) {
		t.Fatalf("a plugin saw the host's secret:\n%s", r.stdout)
	}
	var peek string
	for _, line := range strings.Split(r.stdout, "\n") {
		if v, ok := strings.CutPrefix(line, "PEEK="); ok {
			peek = v
		}
	}
	if !strings.HasPrefix(peek, "error: ") || !strings.HasSuffix(peek, "permission denied") {
		t.Errorf("PEEK = %q, want the plugin's read of the host's environ refused with permission denied", peek)
	}
}
