package sdktest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/procman-dev/procman/sdk"
	"github.com/procman-dev/procman/sdk/sdktest"
)

// greeter sets GREETING to "hello" when the environment has no GREETING,
// and refuses a config without a command.
type greeter struct{}

func (greeter) Info() sdk.Info {
	return sdk.Info{Name: "greeter", Version: "1.0.0", Priority: sdk.DefaultPriority, Description: "sets GREETING when it is unset"}
}

func (greeter) Applicable(ctx context.Context, cfg sdk.ProcessConfig) (bool, error) {
	_, set := cfg.Env["GREETING"]
	return !set, ctx.Err()
}

func (greeter) Enhance(ctx context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	if cfg.Command == "" {
		return sdk.ProcessConfig{}, errors.New("greeter: the config has no command")
	}
	out := cfg.Clone()
	if out.Env == nil {
		out.Env = make(map[string]string)
	}
	out.Env["GREETING"] = "hello"
	return out, ctx.Err()
}

func ExampleConnect() {
	// In a test, pass the test's t: Connect leaves the shutdown to t.Cleanup.
	t := new(exampleT)
	defer t.cleanup()

	p := sdktest.Connect(t, greeter{})
	fmt.Println(p.Info().Name, p.Info().Version)

	ctx := context.Background()
	out, err := p.Enhance(ctx, sdk.ProcessConfig{Command: "printenv", Args: []string{"GREETING"}})
	fmt.Printf("%q %v\n", out.Env["GREETING"], err)

	_, err = p.Enhance(ctx, sdk.ProcessConfig{})
	var pluginErr *sdk.PluginError
	fmt.Println(errors.As(err, &pluginErr), pluginErr.Message)
	// Output:
	// greeter 1.0.0
	// "hello" <nil>
	// true greeter: the config has no command
}

// pinned resolves "node" to the version a project pins, and says so
// with sdk.Note; it fails for a project that pins none.
type pinned struct{ version string }

func (pinned) Info() sdk.Info {
	return sdk.Info{Name: "pinned", Version: "1.0.0", Priority: sdk.DefaultPriority, Description: "runs the node a project pins"}
}

func (pinned) Applicable(ctx context.Context, cfg sdk.ProcessConfig) (bool, error) {
	return cfg.Command == "node", nil
}

func (p pinned) Enhance(ctx context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	if p.version == "" {
		sdk.Note(ctx, "no .nvmrc in %s or above", cfg.Dir)
		return sdk.ProcessConfig{}, errors.New("no version pinned")
	}
	sdk.Note(ctx, "version %s from %s/.nvmrc", p.version, cfg.Dir)
	out := cfg.Clone()
	out.Command = "/opt/node/" + p.version + "/bin/node"
	return out, nil
}

func ExampleApply() {
	t := new(exampleT)
	defer t.cleanup()
	ctx := context.Background()
	cfg := sdk.ProcessConfig{Command: "node", Dir: "/work/app"}

	// Over the protocol, as a host calls a plugin binary.
	out, err := sdktest.Apply(ctx, sdktest.Connect(t, pinned{version: "18"}), cfg)
	fmt.Println(out.Applicable, out.Config.Command, out.Notes, err)

	// Directly; a failed Enhance keeps what was known.
	out, err = sdktest.Apply(ctx, pinned{}, cfg)
	fmt.Println(out.Applicable, out.Notes, err)
	// Output:
	// true /opt/node/18/bin/node [version 18 from /work/app/.nvmrc] <nil>
	// true [no .nvmrc in /work/app or above] enhance: no version pinned
}

// exampleT stands in for the *testing.T that a test has and an Example
// has not. It provides what Connect uses.
type exampleT struct {
	testing.TB
	cleanups []func()
}

func (t *exampleT) Helper() {}

func (t *exampleT) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }

func (t *exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

func (t *exampleT) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}
