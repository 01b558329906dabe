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

// TestFlagErrorsSpellFlagsAsTheHelp: a bad flag is named --name, as the
// help names it, and a bad duration says what a duration looks like.
func TestFlagErrorsSpellFlagsAsTheHelp(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--bogus", "cmd"}, "unknown flag --bogus"},
		{[]string{"--grace"}, "a value is missing after --grace"},
		{[]string{"--grace", "10", "cmd"}, `invalid value "10" for --grace: a duration needs a unit, as in 10s or 10ms`},
		{[]string{"--plugin-timeout", "1.5", "cmd"}, `invalid value "1.5" for --plugin-timeout: a duration needs a unit, as in 1.5s or 1.5ms`},
		{[]string{"--grace", "1x", "cmd"}, `invalid value "1x" for --grace: not a duration (want one such as 10s, 500ms or 1m30s)`},
		{[]string{"--grace", "-1s", "cmd"}, `invalid value "-1s" for --grace: must not be negative`},
		{[]string{"--clean-env=maybe", "cmd"}, `invalid value "maybe" for --clean-env: want true or false`},
		{[]string{"--containment", "jail", "cmd"}, `invalid value "jail" for --containment: unknown containment mechanism "jail"`},
	} {
		_, err := parseRunFlags(tt.args)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("procman run %s: error %v, want one beginning %q", strings.Join(tt.args, " "), err, tt.want)
		}
	}
	if _, _, err := parsePluginsFlags([]string{"-x"}); err == nil || err.Error() != "unknown flag --x" {
		t.Errorf("procman plugins -x: error %v, want unknown flag --x", err)
	}
	// Durations with their unit still parse.
	if opts, err := parseRunFlags([]string{"--grace", "1m30s", "--plugin-timeout", "250ms", "cmd"}); err != nil ||
		opts.grace != 90*time.Second || opts.pluginTimeout != 250*time.Millisecond {
		t.Errorf("--grace 1m30s --plugin-timeout 250ms: %v, %v, %v", opts.grace, opts.pluginTimeout, err)
	}
}
