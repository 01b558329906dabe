package unixtool

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/procman-dev/procman/sdk"
)

// Applicable answers a plugin's Applicable for cfg. On Windows, where the
// tool does not run, a layout of its files is most likely another tool's
// (pyenv-win, nvm-windows) or a project's files meant for Unix (a
// .nvmrc, a .python-version): the plugin applies only when its own answer,
// applicable, is yes and enhance then succeeds, putting in Path only
// directories that exist. Anything else — an error of either, a version
// that is not installed, a bin directory that is not there — is a plain
// no, never an error, with the reason as a note for procman explain.
func Applicable(ctx context.Context, cfg sdk.ProcessConfig, applicable ApplicableFunc, enhance EnhanceFunc) (bool, error) {
	ok, err := applicable(ctx, cfg)
	if err == nil && ok {
		var out sdk.ProcessConfig
		if out, err = enhance(withoutNotes{ctx}, cfg); err == nil {
			err = checkNewPathEntries(cfg.Env, out.Env)
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		sdk.Note(ctx, "not applicable on Windows: %v", err)
		return false, nil
	}
	return ok, nil
}

// withoutNotes is a context with ctx's deadline and cancellation and none
// of its values, so that the trial call of Enhance adds no note.
type withoutNotes struct{ context.Context }

func (withoutNotes) Value(any) any { return nil }

// checkNewPathEntries makes sure that every entry of after's Path that
// before's lacks is a directory that exists.
func checkNewPathEntries(before, after map[string]string) error {
	old, _ := sdk.LookupEnv(before, "PATH")
	now, _ := sdk.LookupEnv(after, "PATH")
	oldEntries := filepath.SplitList(old)
	for _, entry := range filepath.SplitList(now) {
		if slices.Contains(oldEntries, entry) {
			continue
		}
		if info, err := os.Stat(entry); err != nil || !info.IsDir() || !filepath.IsAbs(entry) {
			return fmt.Errorf("%s, which it would put in Path, is not a directory", entry)
		}
	}
	return nil
}
