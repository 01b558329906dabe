//go:build linux

package acceptance

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctest"
)

// TestFailedStartsLeaveNothing runs procman with so few descriptors that
// detection, the reaper or the start fails at one step or another: procman
// must either run the command or fail as procman (125), and, either way,
// leave nothing named after it once its reaper is done.
func TestFailedStartsLeaveNothing(t *testing.T) {
	for limit := 10; limit <= 40; limit += 2 {
		t.Run(strconv.Itoa(limit), func(t *testing.T) {
			cmd := procman(t)
			cmd.Path = "/bin/sh"
			cmd.Args = []string{"sh", "-c", "ulimit -n " + strconv.Itoa(limit) + ` && exec "$@"`, "sh",
				procmanBin, "run", "--no-plugins", "--", "/bin/true"}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			name := proctest.HostName(t, cmd.Process.Pid) // before Wait: until then it is at least a zombie
			cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != 0 && code != 125 {
				t.Errorf("exit code %d, want 0 or 125; stderr:\n%s", code, stderr.String())
			}
			if left := proctest.WaitGone("host="+strconv.Itoa(cmd.Process.Pid), 10*time.Second); len(left) > 0 {
				t.Fatalf("reaper %v outlived its host", left)
			}
			if left := leftovers(t, name); len(left) > 0 {
				t.Errorf("procman with %d descriptors left %v; stderr:\n%s", limit, left, stderr.String())
			}
		})
	}
}
