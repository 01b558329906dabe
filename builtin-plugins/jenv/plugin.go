package jenv

import (
	"context"
	"path/filepath"
	"slices"
	"strings"

	"github.com/procman-dev/procman/builtin-plugins/internal/unixtool"
	"github.com/procman-dev/procman/builtin-plugins/jenv/internal/resolve"
	"github.com/procman-dev/procman/sdk"
)

// Plugin is the jenv plugin. It keeps no state: every call reads jenv's
// files anew, so that a changed .java-version counts from the next process
// on.
type Plugin struct{}

func (Plugin) Info() sdk.Info {
	return sdk.Info{
		Name:    "jenv",
		Version: "1.0.0",
		// Before plugins of the default priority, which may want to see
		// JAVA_HOME.
		Priority:    50,
		Description: "runs the Java version that jenv would choose (.java-version, JENV_VERSION, jenv global)",
	}
}

// Applicable says yes when the process asks for a version other than the
// system's, installed or not: Enhance reports one that is missing. On
// Windows, where jenv does not run, only when Enhance succeeds (see
// unixtool.Applicable).
func (p Plugin) Applicable(ctx context.Context, cfg sdk.ProcessConfig) (bool, error) {
	return unixtool.Applicable(ctx, cfg, applicable, p.Enhance)
}

// applicable is jenv's own answer to Applicable.
func applicable(ctx context.Context, cfg sdk.ProcessConfig) (bool, error) {
	req, err := resolve.Requested(ctx, cfg.Dir, cfg.Env)
	if err != nil {
		return false, err
	}
	if req.System() {
		noteSystem(ctx, req)
		return false, nil
	}
	return true, nil
}

// Enhance gives the process the environment, and java its options, that
// jenv exec would give them.
func (Plugin) Enhance(ctx context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	req, err := resolve.Requested(ctx, cfg.Dir, cfg.Env)
	if err != nil {
		return sdk.ProcessConfig{}, err
	}
	java, err := resolve.Installed(req)
	if err != nil {
		return sdk.ProcessConfig{}, err
	}
	if java.PrefixStripped(req) {
		sdk.LoggerFrom(ctx).Warn("ignoring extraneous 'java-' prefix in version", "version", req.Version, "set_by", req.Origin)
		sdk.Note(ctx, "ignoring extraneous 'java-' prefix in version '%s'", req.Version)
	}
	sdk.Note(ctx, "java %s, set by %s", java.Name, req.Origin)

	out := cfg.Clone()
	if out.Env == nil {
		out.Env = make(map[string]string)
	}
	sdk.SetEnv(out.Env, "JAVA_HOME", java.Home)
	if java.JDK {
		sdk.SetEnv(out.Env, "JDK_HOME", java.Home)
	}
	path, _ := sdk.LookupEnv(cfg.Env, "PATH")
	sdk.SetEnv(out.Env, "PATH", prependPath(filepath.Join(java.Home, "bin"), path))
	sdk.SetEnv(out.Env, "JENV_VERSION", java.Name)

	// Only the bare name, which the host looks up in the new PATH: what a
	// jenv shim would have run.
	if cfg.Command == "java" {
		options, err := resolve.JavaOptions(ctx, cfg.Dir, cfg.Env)
		if err != nil {
			return sdk.ProcessConfig{}, err
		}
		if len(options.Args) > 0 {
			out.Args = slices.Concat(options.Args, cfg.Args)
			sdk.Note(ctx, "java options %s, set by %s", strings.Join(options.Args, " "), options.Origin)
		}
	}
	return out, nil
}

// noteSystem says, for procman explain, why the process keeps the system's
// Java.
func noteSystem(ctx context.Context, req resolve.Request) {
	switch {
	case req.Origin == "":
		sdk.Note(ctx, "system java: no JENV_VERSION, no .java-version or .jenv-version from the working directory up, no version file in %s", req.Root)
	case req.Version == "":
		sdk.Note(ctx, "system java: %s names no version", req.Origin)
	default:
		sdk.Note(ctx, "system java, set by %s", req.Origin)
	}
}

// prependPath puts dir first in the list path. An empty path gives dir
// alone, where jenv's "$JAVA_HOME/bin:$PATH" would leave an empty entry,
// which a shell takes for the working directory.
func prependPath(dir, path string) string {
	if path == "" {
		return dir
	}
	return dir + string(filepath.ListSeparator) + path
}
