package pyenv

import (
	"context"
	"os"

	"github.com/procman-dev/procman/builtin-plugins/internal/unixtool"
	"github.com/procman-dev/procman/builtin-plugins/pyenv/internal/resolve"
	"github.com/procman-dev/procman/sdk"
)

// Plugin is procman's pyenv plugin. It keeps no state: every answer
// depends on the config and the files it names alone.
type Plugin struct{}

func (Plugin) Info() sdk.Info {
	return sdk.Info{
		Name:    "pyenv",
		Version: "1.0.0",
		// Before the plugins at the default priority, which may want to see
		// the PATH that has the chosen Python.
		Priority:    50,
		Description: "puts the Python versions pyenv selects for the working directory first in PATH",
	}
}

// Applicable says yes when pyenv's root directory exists and a version
// other than system is selected, installed or not: Enhance reports a
// version that is not installed. It reports the entries it refuses (see
// resolve.Select) when they leave nothing but system. On Windows, where
// pyenv does not run, it says yes only when Enhance succeeds (see
// unixtool.Applicable): pyenv-win's layout, for one, is not pyenv's.
func (p Plugin) Applicable(ctx context.Context, cfg sdk.ProcessConfig) (bool, error) {
	return unixtool.Applicable(ctx, cfg, applicable, p.Enhance)
}

// applicable is pyenv's own answer to Applicable.
func applicable(ctx context.Context, cfg sdk.ProcessConfig) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	root, err := resolve.Root(cfg.Dir, cfg.Env)
	if err != nil {
		return false, err
	}
	if info, err := os.Stat(root); err != nil || !info.IsDir() {
		return false, nil
	}
	sel, err := resolve.Select(cfg.Dir, cfg.Env)
	if err != nil {
		return false, err
	}
	if !sel.SelectsPython() {
		// Enhance, which reports the entries refused, will not run.
		for _, ignored := range sel.Ignored {
			warn(ctx, ignored)
		}
		return false, nil
	}
	return true, nil
}

// Enhance puts the bin directory of each selected version, in order, before
// the config's PATH, and sets PYENV_VERSION. A config without PATH gets one
// made of those directories alone: a bare command name could not be found
// without it anyway. When no selected version is installed, Enhance returns
// pyenv's error and procman keeps the config as it was; when only some are
// missing, the others are used, as with pyenv.
func (Plugin) Enhance(ctx context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	if err := ctx.Err(); err != nil {
		return sdk.ProcessConfig{}, err
	}
	sel, err := resolve.Select(cfg.Dir, cfg.Env)
	if err != nil {
		return sdk.ProcessConfig{}, err
	}
	for _, ignored := range sel.Ignored {
		warn(ctx, ignored)
	}
	if missing := sel.Missing(); missing != nil {
		if len(sel.Installed()) == 0 {
			return sdk.ProcessConfig{}, missing
		}
		warn(ctx, missing.Error()+": using the other versions")
	}
	for _, v := range sel.Versions {
		switch {
		case v.Name == "":
		case v.Name == v.Requested:
			sdk.Note(ctx, "python %s, set by %s", v.Name, sel.Source)
		default:
			sdk.Note(ctx, "python %s for '%s', set by %s", v.Name, v.Requested, sel.Source)
		}
	}
	out := cfg.Clone()
	if out.Env == nil {
		out.Env = make(map[string]string)
	}
	for key, value := range sel.Env(cfg.Env) {
		sdk.SetEnv(out.Env, key, value)
	}
	return out, nil
}

// warn says what pyenv would print as a warning: in procman's log, and in
// procman explain's report.
func warn(ctx context.Context, message string) {
	sdk.LoggerFrom(ctx).Warn(message)
	sdk.Note(ctx, "%s", message)
}
