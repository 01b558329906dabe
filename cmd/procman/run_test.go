package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/procman-dev/procman/host"
)

func TestPluginFlags(t *testing.T) {
	opts, err := parseRunFlags([]string{"cmd"})
	if err != nil {
		t.Fatal(err)
	}
	if opts.noPlugins || opts.plugins != nil || opts.pluginTimeout != host.DefaultPluginCallTimeout {
		t.Errorf("defaults: no-plugins %v, plugins %q, timeout %v; want every plugin, %v", opts.noPlugins, opts.plugins, opts.pluginTimeout, host.DefaultPluginCallTimeout)
	}

	opts, err = parseRunFlags([]string{"--plugin", "nvm", "--plugin-timeout", "300ms", "--plugin=jenv", "cmd"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(opts.plugins, []string{"nvm", "jenv"}) || opts.pluginTimeout != 300*time.Millisecond {
		t.Errorf("plugins %q, timeout %v; want [nvm jenv], 300ms", opts.plugins, opts.pluginTimeout)
	}

	opts, err = parseRunFlags([]string{"--no-plugins", "cmd"})
	if err != nil || !opts.noPlugins {
		t.Errorf("--no-plugins: %v, %v", opts.noPlugins, err)
	}

	for _, args := range [][]string{
		{"--plugin-timeout", "0", "cmd"},
		{"--plugin-timeout", "-1s", "cmd"},
		{"--plugin", "", "cmd"},
		{"--no-plugins", "--plugin", "nvm", "cmd"},
	} {
		if _, err := parseRunFlags(args); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

func TestExplainTakesRunsFlags(t *testing.T) {
	args := []string{"--env", "A=1", "--clean-env", "--cwd", "d", "--log", "l", "--grace", "1s",
		"--plugin", "nvm", "--plugin-timeout", "1s", "--log-level", "debug", "cmd", "--json"}
	want, err := parseRunFlags(args)
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseExplainFlags(args)
	if err != nil {
		t.Fatal(err)
	}
	if got.json {
		t.Error("--json after the command was taken as a flag")
	}
	if !slices.Equal(got.env, want.env) || !slices.Equal(got.plugins, want.plugins) || !slices.Equal(got.command, want.command) ||
		got.cleanEnv != want.cleanEnv || got.dir != want.dir || got.logFile != want.logFile || got.grace != want.grace ||
		got.pluginTimeout != want.pluginTimeout || got.logLevel != want.logLevel {
		t.Errorf("explain parsed %+v, run %+v", got.runOptions, want)
	}

	got, err = parseExplainFlags([]string{"--json", "cmd"})
	if err != nil || !got.json {
		t.Errorf("--json: %v, %v", got.json, err)
	}
	if _, err := parseRunFlags([]string{"--json", "cmd"}); err == nil || !strings.Contains(err.Error(), "-json") {
		t.Errorf("run --json: %v, want an unknown flag", err)
	}
}

func TestGraceIsAtMostTheMaximum(t *testing.T) {
	opts, err := parseRunFlags([]string{"--grace", host.MaxStopGracePeriod.String(), "cmd"})
	if err != nil || opts.grace != host.MaxStopGracePeriod {
		t.Errorf("--grace %v: %v, %v", host.MaxStopGracePeriod, opts.grace, err)
	}
	if _, err := parseRunFlags([]string{"--grace", (host.MaxStopGracePeriod + time.Nanosecond).String(), "cmd"}); err == nil {
		t.Error("a grace period over the maximum was taken")
	}
}

func TestMinContainmentFlag(t *testing.T) {
	opts, err := parseRunFlags([]string{"--min-containment", "cgroup", "cmd"})
	if err != nil || opts.minimum != host.Cgroup {
		t.Errorf("--min-containment cgroup: %v, %v", opts.minimum, err)
	}
	if opts, _ := parseRunFlags([]string{"cmd"}); opts.minimum != host.Automatic {
		t.Errorf("no --min-containment: minimum %v, want none", opts.minimum)
	}
}
