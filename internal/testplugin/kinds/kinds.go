// Package kinds is the plugin procman's tests run, misbehaving on purpose
// when asked: internal/testplugin serves it, and so do test binaries that
// play the plugin themselves (under Wine, where the test binary is the one
// program built for Windows). One binary serves every test plugin: it is
// installed under several names, procman-plugin-KIND[-pN][-SUFFIX] (plus
// ".exe" on Windows), and KIND picks the behaviour, pN its priority
// (default 100):
//
//	chain     applicable; appends its name to Env["CHAIN"], and says so with sdk.Note
//	skip      not applicable
//	error     Enhance logs a warning, then returns an error in the words of a version manager
//	panic     panics in Enhance
//	exit      exits the process in Applicable
//	hang      never answers Enhance
//	slow      takes 30 seconds to start serving
//	stdout    writes to stdout before the handshake
//	chatty    Enhance writes a line to os.Stdout and one, with an escape
//	          sequence, to os.Stderr, and leaves the config as it is
//	misnamed  says its Name is "another-name"
//	dies      writes two lines to stderr and exits 3 before the handshake
//	silent    exits 1 before the handshake, saying nothing
//	status    Enhance answers with the gRPC status Unavailable, as a plugin
//	          whose backend is down might
//	escape    Enhance notes a text with quotes, then fails with an error
//	          that holds escape sequences (a colour, a window title)
//	v2        speaks protocol version 2 only
//	nul       puts a NUL byte into an argument
//	dir       changes Dir
//	bigenv    returns a 10 MB environment
//	env       reports its own environment in Env["PLUGIN_ENV"]
//	peek      reports what it could read of its parent's environment in Env["PEEK"]
//	fds       reports its open descriptors in Env["PLUGIN_FDS"]
//	siblings  reports the names (comm) of the other children of its parent in
//	          Env["SIBLINGS"], sorted, space-separated (Linux)
//	spawn     Enhance starts the command line Env["SPAWN"] (split on spaces,
//	          stdin, stdout and stderr /dev/null), then, as Env["SPAWN_THEN"]
//	          says: hangs as hang does (unset), answers with the config
//	          unchanged ("answer"), or answers and exits two seconds later
//	          ("exit")
package kinds

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-plugin"
	"github.com/procman-dev/procman/internal/pluginwire"
	"github.com/procman-dev/procman/sdk"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

type testPlugin struct {
	name, kind string
	priority   int
}

func (p testPlugin) Info() sdk.Info {
	name := p.name
	if p.kind == "misnamed" {
		name = "another-name"
	}
	return sdk.Info{Name: name, Version: "0.0.1-test", Priority: p.priority, Description: "test plugin: " + p.kind}
}

func (p testPlugin) Applicable(ctx context.Context, cfg sdk.ProcessConfig) (bool, error) {
	switch p.kind {
	case "skip":
		return false, nil
	case "exit":
		os.Exit(3)
	}
	return true, nil
}

func (p testPlugin) Enhance(ctx context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	cfg = cfg.Clone()
	if cfg.Env == nil {
		cfg.Env = map[string]string{}
	}
	switch p.kind {
	case "status":
		return cfg, status.Error(codes.Unavailable, "backend down")
	case "escape":
		sdk.Note(ctx, `read "v1" from .tool-version`)
		return cfg, fmt.Errorf("\x1b[31mred\x1b]0;owned title\x07 and more")
	case "chatty":
		fmt.Fprintln(os.Stdout, "chatty on stdout")
		fmt.Fprintln(os.Stderr, "chatty on stderr \x1b[31min red")
	case "chain":
		sdk.Note(ctx, "appended %s to CHAIN", p.name)
		if chain := cfg.Env["CHAIN"]; chain != "" {
			cfg.Env["CHAIN"] = chain + "," + p.name
		} else {
			cfg.Env["CHAIN"] = p.name
		}
	case "error":
		sdk.Logger().Warn("about to fail", "wanted", "v99")
		return cfg, fmt.Errorf("N/A: version \"v99\" is not yet installed")
	case "panic":
		panic("test plugin panics in Enhance")
	case "hang":
		select {}
	case "nul":
		cfg.Args = append(cfg.Args, "bad\x00arg")
	case "dir":
		cfg.Dir = os.TempDir()
	case "bigenv":
		for i := range 10 * 1024 {
			cfg.Env[fmt.Sprintf("BIG_%05d", i)] = strings.Repeat("x", 1024)
		}
	case "env":
		cfg.Env["PLUGIN_ENV"] = strings.Join(os.Environ(), "\n")
	case "peek":
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", os.Getppid()))
		if err != nil {
			cfg.Env["PEEK"] = "error: " + err.Error()
		} else {
			cfg.Env["PEEK"] = strings.ReplaceAll(string(data), "\x00", " ")
		}
	case "fds":
		fds, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			return cfg, err
		}
		var names []string
		for _, fd := range fds {
			if target, err := os.Readlink("/proc/self/fd/" + fd.Name()); err == nil {
				names = append(names, fd.Name()+"="+target)
			}
		}
		cfg.Env["PLUGIN_FDS"] = strings.Join(names, " ")
	case "siblings":
		cfg.Env["SIBLINGS"] = siblings()
	case "spawn":
		line := strings.Fields(cfg.Env["SPAWN"])
		if len(line) == 0 {
			return cfg, fmt.Errorf("no command line in SPAWN")
		}
		cmd := exec.Command(line[0], line[1:]...)
		if err := cmd.Start(); err != nil {
			return cfg, err
		}
		go cmd.Wait()
		switch cfg.Env["SPAWN_THEN"] {
		case "answer":
		case "exit":
			time.AfterFunc(2*time.Second, func() { os.Exit(0) })
		default:
			select {}
		}
	}
	return cfg, nil
}

// siblings returns the names of the other children of this process's
// parent, sorted and space-separated.
func siblings() string {
	parent := strconv.Itoa(os.Getppid())
	tasks, _ := os.ReadDir(filepath.Join("/proc", parent, "task"))
	var names []string
	for _, task := range tasks {
		data, _ := os.ReadFile(filepath.Join("/proc", parent, "task", task.Name(), "children"))
		for _, pid := range strings.Fields(string(data)) {
			if pid == strconv.Itoa(os.Getpid()) {
				continue
			}
			comm, _ := os.ReadFile(filepath.Join("/proc", pid, "comm"))
			names = append(names, strings.TrimSpace(string(comm)))
		}
	}
	slices.Sort(names)
	return strings.Join(names, " ")
}

// Serve serves the test plugin that the name of its executable, arg0,
// describes, as the whole main of a plugin binary does.
func Serve(arg0 string) {
	name := strings.TrimPrefix(filepath.Base(arg0), "procman-plugin-")
	if ext := filepath.Ext(name); strings.EqualFold(ext, ".exe") {
		name = strings.TrimSuffix(name, ext)
	}
	p := testPlugin{name: name, kind: strings.Split(name, "-")[0], priority: sdk.DefaultPriority}
	for _, field := range strings.Split(name, "-")[1:] {
		if n, err := strconv.Atoi(strings.TrimPrefix(field, "p")); err == nil && strings.HasPrefix(field, "p") {
			p.priority = n
		}
	}
	switch p.kind {
	case "dies":
		fmt.Fprintln(os.Stderr, "reading the configuration")
		fmt.Fprintln(os.Stderr, "cannot read /etc/plugin.conf: permission denied")
		os.Exit(3)
	case "silent":
		os.Exit(1)
	case "slow":
		time.Sleep(30 * time.Second)
	case "stdout":
		fmt.Println("hello from a plugin that should not write here")
	case "v2":
		glue := pluginwire.Get[sdk.Plugin, sdk.ProcessConfig]().GRPC
		handshake := glue.Handshake
		handshake.ProtocolVersion = 2
		plugin.Serve(&plugin.ServeConfig{
			HandshakeConfig:  handshake,
			VersionedPlugins: map[int]plugin.PluginSet{2: {pluginwire.Key: glue.Plugin(p)}},
			GRPCServer:       plugin.DefaultGRPCServer,
		})
		return
	}
	sdk.Serve(p)
}
