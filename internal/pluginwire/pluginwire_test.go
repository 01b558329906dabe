package pluginwire_test

import (
	"context"
	"testing"

	"github.com/procman-dev/procman/internal/pluginwire"
	"github.com/procman-dev/procman/sdk"
)

// only applies to every config and sets ONLY=1.
type only struct{}

func (only) Info() sdk.Info { return sdk.Info{Name: "only"} }

func (only) Applicable(context.Context, sdk.ProcessConfig) (bool, error) { return true, nil }

func (only) Enhance(ctx context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	sdk.Note(ctx, "set ONLY")
	out := cfg.Clone()
	out.Env["ONLY"] = "1"
	return out, nil
}

func TestSDKRegistersItself(t *testing.T) {
	wire := pluginwire.Get[sdk.Plugin, sdk.ProcessConfig]()
	out, err := wire.Apply(context.Background(), only{}, sdk.ProcessConfig{Command: "/bin/true"})
	if err != nil || !out.Applicable || out.Config.Env["ONLY"] != "1" || len(out.Notes) != 1 {
		t.Errorf("Apply = %+v, %v; want only's change and its note", out, err)
	}
}

func TestGetWithOtherTypesPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Get with types sdk did not register returned")
		}
	}()
	pluginwire.Get[sdk.Plugin, string]()
}
