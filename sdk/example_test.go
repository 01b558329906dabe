package sdk_test

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/procman-dev/procman/sdk"
)

// greeter sets GREETING to "hello" when the environment has no GREETING.
// The main of its plugin binary would be:
//
//	func main() { sdk.Serve(greeter{}) }
type greeter struct{}

func (greeter) Info() sdk.Info {
	return sdk.Info{
		Name:        "greeter",
		Version:     "1.0.0",
		Priority:    sdk.DefaultPriority,
		Description: "sets GREETING when it is unset",
	}
}

func (greeter) Applicable(ctx context.Context, cfg sdk.ProcessConfig) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	_, set := cfg.Env["GREETING"]
	return !set, nil
}

func (greeter) Enhance(ctx context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	if err := ctx.Err(); err != nil {
		return sdk.ProcessConfig{}, err
	}
	out := cfg.Clone() // never change the config you are given
	if out.Env == nil {
		out.Env = make(map[string]string)
	}
	out.Env["GREETING"] = "hello"
	return out, nil
}

func Example() {
	var p sdk.Plugin = greeter{}
	cfg := sdk.ProcessConfig{
		Command: "printenv",
		Args:    []string{"GREETING"},
		Env:     map[string]string{"PATH": "/usr/bin:/bin"},
	}

	ctx := context.Background()
	if ok, err := p.Applicable(ctx, cfg); err != nil || !ok {
		fmt.Println("not applicable:", err)
		return
	}
	out, err := p.Enhance(ctx, cfg)
	if err != nil {
		fmt.Println("enhance:", err)
		return
	}
	for _, key := range slices.Sorted(maps.Keys(out.Env)) {
		fmt.Printf("%s=%s\n", key, out.Env[key])
	}
	fmt.Println("variables given:", len(cfg.Env))
	// Output:
	// GREETING=hello
	// PATH=/usr/bin:/bin
	// variables given: 1
}
