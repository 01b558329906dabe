package main

import (
	"testing"

	"github.com/procman-dev/procman/host"
)

func TestDisplay(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"two words", "two words"},
		{"ünïcødé", "ünïcødé"},
		{"", `""`},
		{`"quoted"`, `"\"quoted\""`},
		{"new\nline", `"new\nline"`},
		{"\xff", `"\xff"`},
	}
	for _, tt := range append(tests, displayBackslash...) {
		if got := display(tt.in); got != tt.want {
			t.Errorf("display(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestDescribeChange(t *testing.T) {
	tests := []struct {
		change host.Change
		want   string
	}{
		{host.Change{Field: "Env[NODE_VERSION]", New: "20", Added: true}, "+ NODE_VERSION=20"},
		{host.Change{Field: "Env[EMPTY]", New: "", Added: true}, `+ EMPTY=""`},
		{host.Change{Field: "Env[OLD]", Old: "x", Removed: true}, "- OLD"},
		{host.Change{Field: "Env[PATH]", Old: "/bin", New: "/nvm/bin:/bin"}, "Env[PATH]: /bin -> /nvm/bin:/bin"},
		{host.Change{Field: "Command", Old: "node", New: "/nvm/bin/node"}, "Command: node -> /nvm/bin/node"},
		{host.Change{Field: "Args", Old: "", New: `["--a b"]`}, `Args: [] -> ["--a b"]`},
		{host.Change{Field: "LogFile", Old: "", New: "/tmp/log"}, `LogFile: "" -> /tmp/log`},
	}
	for _, tt := range tests {
		if got := describeChange(tt.change); got != tt.want {
			t.Errorf("describeChange(%+v) = %s, want %s", tt.change, got, tt.want)
		}
	}
}

func TestOutcome(t *testing.T) {
	tests := []struct {
		step host.PluginStep
		want string
	}{
		{host.PluginStep{Applicable: true}, "applicable"},
		{host.PluginStep{Applicable: true, Warning: "result is invalid"}, "applicable, change dropped"},
		{host.PluginStep{}, "not applicable"},
		{host.PluginStep{Warning: "no answer within 2s"}, "failed"},
	}
	for _, tt := range tests {
		if got := outcome(tt.step); got != tt.want {
			t.Errorf("outcome(%+v) = %q, want %q", tt.step, got, tt.want)
		}
	}
}
