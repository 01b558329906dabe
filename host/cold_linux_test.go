package host_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
	"github.com/procman-dev/procman/sdk"
)

// TestNewStartsNothing checks, in a fresh process of its own (the reaper
// and the inits are the program's, shared by every Manager), that New
// starts no process, that Explain and Plugins start only the plugins, and
// that the first Start is what starts the reaper and the procman-inits.
func TestNewStartsNothing(t *testing.T) {
	if os.Getenv("PROCMAN_TEST_COLD") != "" {
		coldManager(t)
		return
	}
	pluginDir := proctest.InstallPlugins(t, testplugin, "chain")
	cmd := exec.Command(os.Args[0], "-test.run=^TestNewStartsNothing$", "-test.v")
	cmd.Env = append(os.Environ(), "PROCMAN_TEST_COLD="+pluginDir, "PROCMAN_MARKER="+proctest.Marker(t))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestNewStartsNothing") {
		t.Errorf("the check in a fresh process failed (%v):\n%s", err, out)
	}
}

func coldManager(t *testing.T) {
	helpers := func() []string {
		var found []string
		for _, pid := range childrenOf(os.Getpid()) {
			comm, _ := os.ReadFile(filepath.Join("/proc", itoa(pid), "comm"))
			if name := strings.TrimSpace(string(comm)); name == "procman-init" || name == "procman-reaper" {
				found = append(found, name)
			}
		}
		slices.Sort(found)
		return slices.Compact(found)
	}
	ctx := context.Background()
	m := host.New(host.WithLogger(hclog.NewNullLogger()), host.WithPluginSearchPath(os.Getenv("PROCMAN_TEST_COLD"), ""))
	defer m.Close(ctx)
	if kids := childrenOf(os.Getpid()); len(kids) != 0 {
		t.Errorf("New started %v", kids)
	}
	cfg := sdk.ProcessConfig{Command: testchild, Args: []string{"exit", "0", os.Getenv("PROCMAN_MARKER")}, Env: map[string]string{"PATH": "/usr/bin:/bin"}}
	final, _, err := m.Explain(ctx, cfg)
	if err != nil || final.Env["CHAIN"] != "chain" {
		t.Fatalf("Explain = %v, %v; want the chain plugin's change", final.Env, err)
	}
	if found := helpers(); len(found) != 0 {
		t.Errorf("Explain started %v", found)
	}
	if infos := m.Plugins(ctx); len(infos) != 1 || infos[0].Status != host.PluginOK {
		t.Errorf("Plugins = %+v, want chain, OK", infos)
	}
	if found := helpers(); len(found) != 0 {
		t.Errorf("Plugins started %v", found)
	}
	h, err := m.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if found := helpers(); !slices.Equal(found, []string{"procman-init", "procman-reaper"}) {
		t.Errorf("after the first Start the program's helpers are %v, want procman-init and procman-reaper", found)
	}
	if st, err := m.Wait(ctx, h); err != nil || st.State != host.Exited {
		t.Errorf("Wait = %v, %v", st, err)
	}
}
