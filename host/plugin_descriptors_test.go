//go:build linux

package host_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
)

// TestPluginsGetNoHostDescriptor launches a plugin again and again while
// another goroutine of the host opens a file without O_CLOEXEC, as C code
// or a careless library would: no plugin may ever hold that file. Marking
// the host's descriptors close-on-exec before each launch is not enough:
// the goroutine opens it again between that and the fork.
func TestPluginsGetNoHostDescriptor(t *testing.T) {
	dir := proctest.InstallPlugins(t, testplugin, "fds")
	stray := filepath.Join(t.TempDir(), "stray")
	if err := os.WriteFile(stray, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var opener sync.WaitGroup
	opener.Go(func() {
		for ctx.Err() == nil {
			fd, err := syscall.Open(stray, syscall.O_RDONLY, 0)
			if err == nil {
				syscall.Close(fd)
			}
		}
	})
	defer opener.Wait()
	defer cancel()

	marker := proctest.Marker(t)
	for i := range 20 {
		m := newManager(t, host.WithPluginSearchPath(dir, ""), host.WithPluginStartTimeout(testStartTimeout), host.WithPluginCallTimeout(testCallTimeout))
		cfg, report, err := m.Explain(context.Background(), child(t, marker, "sleep"))
		if err != nil {
			t.Fatal(err)
		}
		fds, ok := cfg.Env["PLUGIN_FDS"]
		if !ok {
			t.Fatalf("launch %d: the plugin reported no descriptors: %+v", i, report)
		}
		for _, fd := range strings.Fields(fds) {
			if strings.HasSuffix(fd, "="+stray) {
				t.Fatalf("launch %d: the plugin holds the host's descriptor %s (all: %s)", i, fd, fds)
			}
		}
		if err := m.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}
