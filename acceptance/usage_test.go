//go:build linux

package acceptance

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/procman-dev/procman/internal/proctest"
)

func TestUsageErrors(t *testing.T) {
	badEnvFile := filepath.Join(t.TempDir(), "bad.env")
	if err := os.WriteFile(badEnvFile, []byte("# comment\nA=1\nNO_EQUALS_SIGN\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A byte-order mark is skipped at the start of a file only.
	bomEnvFile := filepath.Join(t.TempDir(), "bom.env")
	if err := os.WriteFile(bomEnvFile, []byte("\ufeffA=1\n\ufeffB=2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	longEnvFile := filepath.Join(t.TempDir(), "long.env")
	if err := os.WriteFile(longEnvFile, []byte("A=1\nB="+strings.Repeat("x", 1<<20)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string // the marker is appended
		message string
	}{
		{"unknown flag", []string{"run", "--bogus", "--", testchildBin, "exit", "0"}, "unknown flag --bogus"},
		{"bad grace", []string{"run", "--grace", "soon", "--", testchildBin, "exit", "0"}, `invalid value "soon" for --grace`},
		{"negative grace", []string{"run", "--grace", "-1s", "--", testchildBin, "exit", "0"}, `invalid value "-1s" for --grace`},
		{"grace over the maximum", []string{"run", "--grace", "24h0m1s", "--", testchildBin, "exit", "0"}, `invalid value "24h0m1s" for --grace: must be at most 24h0m0s`},
		{"grace over the maximum of explain", []string{"explain", "--grace", "25h", "--", testchildBin, "exit", "0"}, `invalid value "25h0m0s" for --grace: must be at most 24h0m0s`},
		{"unknown minimum containment", []string{"run", "--min-containment", "jail", "--", testchildBin, "exit", "0"}, `invalid value "jail" for --min-containment: unknown containment mechanism "jail"`},
		{"bad log level", []string{"run", "--log-level", "loud", "--", testchildBin, "exit", "0"}, `invalid value "loud" for --log-level`},
		{"empty variable name", []string{"run", "--env", "=x", "--", testchildBin, "exit", "0"}, `--env: a key is empty`},
		{"newline in a variable name", []string{"run", "--env", "NL\nX=3", "--", testchildBin, "exit", "0"}, `--env: key "NL\nX" contains white space`},
		{"space in a variable name", []string{"explain", "--env", "A B=1", "--", testchildBin, "exit", "0"}, `--env: key "A B" contains white space`},
		{"byte-order mark inside an env file", []string{"run", "--env-file", bomEnvFile, "--", testchildBin, "exit", "0"}, bomEnvFile + `:2: key "\ufeffB" contains U+FEFF`},
		{"env file line too long", []string{"run", "--env-file", longEnvFile, "--", testchildBin, "exit", "0"}, longEnvFile + ":2: line is longer than 1048576 bytes"},
		{"missing cwd", []string{"run", "--cwd", "/nonexistent/dir", "--", testchildBin, "exit", "0"}, `invalid config: Dir: "/nonexistent/dir" does not exist`},
		{"missing log directory", []string{"run", "--log", "/nonexistent/dir/log", "--", testchildBin, "exit", "0"}, "invalid config: LogFile"},
		{"malformed env file", []string{"run", "--env-file", badEnvFile, "--", testchildBin, "exit", "0"}, badEnvFile + ":3: malformed line"},
		{"missing env file", []string{"run", "--env-file", "/nonexistent.env", "--", testchildBin, "exit", "0"}, "/nonexistent.env: no such file"},
		{"zero plugin timeout", []string{"run", "--plugin-timeout", "0", "--", testchildBin, "exit", "0"}, `invalid value "0s" for --plugin-timeout`},
		{"empty plugin name", []string{"run", "--plugin", "", "--", testchildBin, "exit", "0"}, `invalid value "" for --plugin`},
		{"no plugins and a plugin", []string{"run", "--no-plugins", "--plugin", "chain", "--", testchildBin, "exit", "0"}, "-no-plugins and -plugin exclude each other"},
		{"json flag of run", []string{"run", "--json", "--", testchildBin, "exit", "0"}, "unknown flag --json"},
		{"unknown flag of explain", []string{"explain", "--bogus", "--", testchildBin, "exit", "0"}, "procman explain: unknown flag --bogus"},
		{"bad flag value of explain", []string{"explain", "--grace", "soon", "--", testchildBin, "exit", "0"}, `invalid value "soon" for --grace`},
		{"missing env file of explain", []string{"explain", "--env-file", "/nonexistent.env", "--", testchildBin, "exit", "0"}, "/nonexistent.env: no such file"},
		{"argument to plugins", []string{"plugins"}, "procman plugins: unexpected argument"},
		{"unknown flag of plugins", []string{"plugins", "--no-plugins"}, "procman plugins: unknown flag --no-plugins"},
		{"unknown subcommand", []string{"bogus"}, `unknown command "bogus"`},
		{"argument to version", []string{"version"}, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			marker := proctest.Marker(t)
			r := run(t, procman(t, append(tt.args, marker)...))
			r.wantExit(t, 2)
			r.wantOneLine(t, tt.message)
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
		})
	}
}

// withMarkerAsName runs procman with marker as its argv[0], for the cases
// where one more argument would change what procman is asked.
func withMarkerAsName(cmd *exec.Cmd, marker string) *exec.Cmd {
	cmd.Args[0] = marker
	return cmd
}

func TestMissingCommand(t *testing.T) {
	marker := proctest.Marker(t)
	for _, args := range [][]string{{"run"}, {"run", "--env", "A=1"}, {"run", "--"}, {"explain"}, {"explain", "--json", "--"}} {
		r := run(t, withMarkerAsName(procman(t, args...), marker))
		r.wantExit(t, 2)
		r.wantOneLine(t, "procman "+args[0]+": no command given")
	}
}

func TestNoSubcommandPrintsUsageToStderr(t *testing.T) {
	marker := proctest.Marker(t)
	r := run(t, withMarkerAsName(procman(t), marker))
	r.wantExit(t, 2)
	if r.stdout != "" || !strings.Contains(r.stderr, "procman run [flags]") {
		t.Errorf("stdout = %q, stderr = %q; want the usage on stderr only", r.stdout, r.stderr)
	}
}

func TestHelp(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"help"}, "procman run [flags]"},
		{[]string{"-h"}, "procman run [flags]"},
		{[]string{"--help"}, "procman run [flags]"},
		{[]string{"run", "-h"}, "--env-file FILE"},
		{[]string{"run", "--env", "A=1", "--help"}, "--env-file FILE"},
		{[]string{"help"}, "procman explain [flags]"},
		{[]string{"help"}, "procman plugins [flags]"},
		{[]string{"run", "-h"}, "--plugin-timeout DURATION"},
		{[]string{"run", "-h"}, "--min-containment MECHANISM"},
		{[]string{"explain", "-h"}, "--min-containment MECHANISM"},
		{[]string{"explain", "-h"}, "--plugin-timeout DURATION"},
		{[]string{"explain", "-h"}, "--json"},
		{[]string{"plugins", "-h"}, "--json"},
		{[]string{"help", "run"}, "--env-file FILE"},
		{[]string{"help", "explain"}, "--json"},
		{[]string{"help", "version"}, "--verbose"},
		{[]string{"--version"}, "procman "},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			marker := proctest.Marker(t)
			r := run(t, withMarkerAsName(procman(t, tt.args...), marker))
			r.wantExit(t, 0)
			if !strings.Contains(r.stdout, tt.want) || r.stderr != "" {
				t.Errorf("stdout = %q, stderr = %q; want the usage on stdout only", r.stdout, r.stderr)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	marker := proctest.Marker(t)
	r := run(t, withMarkerAsName(procman(t, "version"), marker))
	r.wantExit(t, 0)
	if !regexp.MustCompile(`^procman \S+\n$`).MatchString(r.stdout) {
		t.Errorf("stdout = %q, want procman VERSION", r.stdout)
	}
}

func TestVersionSetByLinker(t *testing.T) {
	if os.Getenv("PROCMAN_BIN") != "" {
		t.Skip("PROCMAN_BIN is set: the tests use prebuilt binaries and build nothing")
	}
	bin := filepath.Join(t.TempDir(), "procman")
	build := exec.Command("go", "build", "-ldflags", "-X main.version=v9.8.7", "-o", bin, "../cmd/procman")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	marker := proctest.Marker(t)
	cmd := procman(t, "version")
	cmd.Path, cmd.Args[0] = bin, marker
	r := run(t, cmd)
	r.wantExit(t, 0)
	if r.stdout != "procman v9.8.7\n" {
		t.Errorf("stdout = %q, want %q", r.stdout, "procman v9.8.7\n")
	}
}

func TestVersionSaysWhichPluginProtocolItSpeaks(t *testing.T) {
	r := run(t, procman(t, "version", "--verbose"))
	r.wantExit(t, 0)
	if !strings.Contains(r.stdout, "\nplugin protocol: version 1\n") {
		t.Errorf("procman version --verbose says:\n%s\nwant the plugin protocol's version", r.stdout)
	}
}
