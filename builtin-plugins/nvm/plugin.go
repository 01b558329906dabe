package nvm

import (
	"context"

	"github.com/procman-dev/procman/builtin-plugins/internal/unixtool"
	"github.com/procman-dev/procman/builtin-plugins/nvm/internal/resolve"
	"github.com/procman-dev/procman/sdk"
)

// Plugin gives a process the node that nvm would choose for it.
type Plugin struct{}

func (Plugin) Info() sdk.Info {
	return sdk.Info{
		Name:    "nvm",
		Version: "1.0.0",
		// Before the default, so that plugins that run after see the
		// PATH that selects the project's node.
		Priority:    50,
		Description: "gives processes the node that .nvmrc or nvm's default alias asks for",
	}
}

// Applicable says yes when nvm would use one of its own versions for cfg,
// and also when it would fail to: Enhance then reports why. On Windows,
// where nvm does not run, only when Enhance succeeds (see
// unixtool.Applicable).
func (p Plugin) Applicable(ctx context.Context, cfg sdk.ProcessConfig) (bool, error) {
	return unixtool.Applicable(ctx, cfg, applicable, p.Enhance)
}

// applicable is nvm's own answer to Applicable.
func applicable(ctx context.Context, cfg sdk.ProcessConfig) (bool, error) {
	_, ok, err := resolve.Choose(ctx, cfg.Dir, cfg.Env)
	return ok || err != nil, nil
}

// Enhance sets PATH, NVM_BIN and NVM_INC for the version nvm would use.
// The command itself is left as it is: procman looks a bare "node" up in
// the new PATH.
func (Plugin) Enhance(ctx context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	choice, ok, err := resolve.Choose(ctx, cfg.Dir, cfg.Env)
	if err != nil {
		return sdk.ProcessConfig{}, err
	}
	out := cfg.Clone()
	if !ok {
		return out, nil
	}
	sdk.Note(ctx, "node %s, asked for as %s by %s", choice.Version, choice.Requested, choice.Source)
	if out.Env == nil {
		out.Env = make(map[string]string)
	}
	path, _ := sdk.LookupEnv(cfg.Env, "PATH")
	for key, value := range choice.Env(path) {
		sdk.SetEnv(out.Env, key, value)
	}
	return out, nil
}
