package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/sdk"
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
		{host.Change{Field: "Env[PATH]", Old: "/bin", New: pathList("/nvm/bin", "/bin")}, "Env[PATH]: + /nvm/bin (first)"},
		{host.Change{Field: "Env[PATH]", Old: pathList("/a", "/old/bin", "/b"), New: pathList("/a", "/new/bin", "/b", "/z")},
			"Env[PATH]: + /new/bin (after /a)\n           + /z (last)\n           - /old/bin"},
		{host.Change{Field: "Env[Path]", Old: pathList("/a", "/b"), New: pathList("/b", "/a")},
			"Env[Path]: " + pathList("/a", "/b") + " -> " + pathList("/b", "/a")},
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

// pathList joins entries as a search path list of this system.
func pathList(entries ...string) string {
	return strings.Join(entries, string(filepath.ListSeparator))
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

// explain --json gives a change of Args as lists, and every other change
// as strings.
func TestExplainJSONArgsChangeAsLists(t *testing.T) {
	report := host.Report{Steps: []host.PluginStep{{
		Plugin:     "jenv",
		Applicable: true,
		Changes: []host.Change{
			{Field: "Args", Old: `["-jar" "a b.jar"]`, New: `["-Xmx1g" "-jar" "a b.jar"]`,
				OldArgs: []string{"-jar", "a b.jar"}, NewArgs: []string{"-Xmx1g", "-jar", "a b.jar"}},
			{Field: "Env[JAVA_HOME]", New: "/jdk", Added: true},
		},
	}}}
	var b strings.Builder
	if err := writeExplainJSON(&b, sdk.ProcessConfig{Command: "java"}, report, ""); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Plugins []struct {
			Changes []struct {
				Field string          `json:"field"`
				Old   json.RawMessage `json:"old"`
				New   json.RawMessage `json:"new"`
			} `json:"changes"`
		} `json:"plugins"`
	}
	if err := json.Unmarshal([]byte(b.String()), &out); err != nil {
		t.Fatalf("%v in\n%s", err, b.String())
	}
	changes := out.Plugins[0].Changes
	want := []struct{ field, old, new string }{
		{"Args", `["-jar","a b.jar"]`, `["-Xmx1g","-jar","a b.jar"]`},
		{"Env[JAVA_HOME]", `""`, `"/jdk"`},
	}
	if len(changes) != len(want) {
		t.Fatalf("changes %+v, want %d", changes, len(want))
	}
	for i, w := range want {
		if c := changes[i]; c.Field != w.field || compact(t, c.Old) != w.old || compact(t, c.New) != w.new {
			t.Errorf("change %d = %s: %s -> %s, want %s: %s -> %s", i, c.Field, c.Old, c.New, w.field, w.old, w.new)
		}
	}
}

func compact(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
