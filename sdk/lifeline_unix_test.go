//go:build unix

package sdk_test

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-plugin"
	"github.com/procman-dev/procman/internal/pluginwire"
	"github.com/procman-dev/procman/sdk"
)

// servePlugin is set in the environment of the test binary when it runs
// as a plugin for TestServeExitsWhenTheHostDies.
const servePlugin = "SDK_TEST_SERVE_PLUGIN"

// TestServeExitsWhenTheHostDies starts a plugin as a host starts it,
// given the read end of a lifeline whose write end only the "host" holds:
// here a process of its own, which the test SIGKILLs once the plugin
// serves. The kernel closes the write end with the dead process, and the
// plugin, serving until then, exits with status 0.
func TestServeExitsWhenTheHostDies(t *testing.T) {
	if os.Getenv(servePlugin) == "1" {
		sdk.Serve(greeter{})
		return
	}
	lifeline, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	host := exec.Command("sleep", "600")
	host.ExtraFiles = []*os.File{w}
	err = host.Start()
	w.Close()
	if err != nil {
		lifeline.Close()
		t.Fatal(err)
	}
	hostGone := false
	defer func() {
		if !hostGone {
			host.Process.Kill()
			host.Wait()
		}
	}()

	// A short directory for the plugin's socket: macOS allows 104 bytes
	// for its path, and t.TempDir() under TMPDIR may be longer.
	socketDir, err := os.MkdirTemp("", "sdk")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(socketDir)
	p := exec.Command(os.Args[0], "-test.run=^TestServeExitsWhenTheHostDies$")
	p.Env = append(os.Environ(),
		servePlugin+"=1",
		pluginwire.EnvLifeline+"=3",
		pluginwire.MagicCookieKey+"="+pluginwire.MagicCookieValue,
		"PLUGIN_PROTOCOL_VERSIONS="+strconv.Itoa(sdk.ProtocolVersion),
		plugin.EnvUnixSocketDir+"="+socketDir,
	)
	p.ExtraFiles = []*os.File{lifeline}
	var stderr strings.Builder
	p.Stderr = &stderr
	stdout, err := p.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	err = p.Start()
	lifeline.Close()
	if err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	handshake := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		handshake <- line
		exited <- p.Wait()
	}()
	pluginGone := false
	defer func() {
		if !pluginGone {
			p.Process.Kill()
			<-exited
		}
	}()

	select {
	case line := <-handshake:
		if !strings.Contains(line, "|unix|") {
			t.Fatalf("the plugin's handshake is %q, want one of a plugin serving on a unix socket; stderr:\n%s", line, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no handshake from the plugin in 20 s")
	}
	select {
	case err := <-exited:
		pluginGone = true
		t.Fatalf("the plugin exited while its host lives: %v; stderr:\n%s", err, stderr.String())
	default:
	}

	host.Process.Kill()
	host.Wait()
	hostGone = true
	select {
	case err := <-exited:
		pluginGone = true
		if err != nil {
			t.Errorf("the plugin ended with %v once its host was gone, want exit status 0; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Errorf("the plugin still runs 20 s after its host died; stderr:\n%s", stderr.String())
	}
}
