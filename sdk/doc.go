// Package sdk is procman's contract with the processes it starts and with
// the plugins that enhance their configuration.
//
// ProcessConfig describes one process: the program, its arguments, its
// working directory, its complete environment and an optional log file.
// ProcessConfig.Validate is the single validation procman applies everywhere.
//
// sdk imports nothing else of procman (but plumbing internal to the module,
// which its documentation does not show), so that a plugin author depends on
// this package alone.
//
// # Writing a plugin
//
// A plugin changes the configuration of the processes procman starts: it
// can make "node" resolve to the version that a project's .nvmrc asks for,
// or add a variable to the environment. It is a program of its own, which
// procman finds, starts and talks to over gRPC. The program implements
// Plugin, and its main is a call of Serve:
//
//	package main
//
//	import (
//		"context"
//
//		"github.com/procman-dev/procman/sdk"
//	)
//
//	// greeter sets GREETING to "hello" when the environment has no GREETING.
//	type greeter struct{}
//
//	func (greeter) Info() sdk.Info {
//		return sdk.Info{
//			Name:        "greeter",
//			Version:     "1.0.0",
//			Priority:    sdk.DefaultPriority,
//			Description: "sets GREETING when it is unset",
//		}
//	}
//
//	func (greeter) Applicable(ctx context.Context, cfg sdk.ProcessConfig) (bool, error) {
//		_, set := cfg.Env["GREETING"]
//		return !set, nil
//	}
//
//	func (greeter) Enhance(ctx context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, error) {
//		out := cfg.Clone()
//		if out.Env == nil {
//			out.Env = make(map[string]string)
//		}
//		out.Env["GREETING"] = "hello"
//		return out, nil
//	}
//
//	func main() { sdk.Serve(greeter{}) }
//
// Info is asked once, when the plugin starts. For every process it starts,
// procman asks Applicable whether the plugin has anything to do, and if it
// says yes, calls Enhance for the config the plugin would have instead. An
// error from either is the plugin's answer that it cannot help: procman goes
// on without its change.
//
// # Rules
//
// Every plugin must follow these rules; package sdktest checks them.
//
//   - Never write to stdout: Serve uses it for the handshake with procman,
//     which a stray line can break. Log with Logger, which writes to stderr.
//   - Honour ctx: every call has a deadline (two seconds, unless the host
//     says otherwise). Pass ctx on to whatever can block, and return
//     promptly, with an error or a result, once ctx is done.
//   - Return a changed copy: never change the config you are given, its Args
//     and Env included. Start from cfg.Clone(); appending to cfg.Args in
//     place changes the caller's array too.
//   - Be deterministic: the same config gives the same result. Depend on
//     the config and on the files it names, not on the time, chance or the
//     plugin's own environment, which is a minimal one, not the host's.
//   - Return a valid config: Enhance's result must pass
//     ProcessConfig.Validate, which looks at the file system. Command, once
//     changed, must still resolve: an absolute path, a path relative to Dir,
//     or a name found in Env["PATH"].
//   - Name the plugin with lower-case letters, digits and '-': Info.Name
//     is the NAME of its executable, procman-plugin-NAME.
//
// # Testing
//
// sdktest.Connect runs a plugin in the test's own process behind the real
// protocol, so a test sees what procman will see; sdktest.Conformance
// checks the rules above, both directly and over the protocol:
//
//	func TestConformance(t *testing.T) {
//		// Results are validated, so the configs name real files.
//		dir := t.TempDir()
//		sdktest.Conformance(t, greeter{}, []sdk.ProcessConfig{
//			{Command: "/bin/sh", Args: []string{"-c", "echo $GREETING"}, Dir: dir},
//			{Command: "/bin/sh", Dir: dir, Env: map[string]string{"GREETING": "hi"}},
//		})
//	}
//
// # Installing
//
// Build the program into an executable named procman-plugin-NAME
// (procman-plugin-NAME.exe on Windows), where NAME is Info.Name, and put it
// in a directory listed in PROCMAN_PLUGIN_PATH or, failing that, in PATH:
//
//	go build -o ~/.local/bin/procman-plugin-greeter .
//
// A directory of PROCMAN_PLUGIN_PATH is searched before those of PATH, and
// the first executable found for a NAME wins. procman runs a plugin only if
// the file and every directory above it belong to root or to the user
// running procman and nobody else may write to them (so never from /tmp),
// and on Linux only a binary, not a #! script: it executes the file through
// the descriptor it checked. On Windows, the plugin is an .exe (or .com)
// file, NAME is matched in lower case, and ACLs are not checked; the file
// is held open, unwritable, until the plugin has started. "procman plugins" lists the
// plugins found, and says why it refused or passed over any file; "procman
// explain -- CMD ARGS" shows what each plugin would change.
//
// # What procman does with a result
//
// procman runs the plugins that apply one after the other, lowest Priority
// first and ties by Name, each on the result of the one before. It keeps a
// plugin's result only if the result passes ProcessConfig.Validate and
// changes only the fields that the host lets plugins change (by default
// Command, Args and Env: Dir and LogFile are the embedder's). Otherwise,
// and when the plugin returns an error, crashes, misses its deadline or
// cannot be started, procman logs a warning that names the plugin and goes
// on with the config as it was before that plugin: a plugin can cost its
// own change, never the start of the process. A plugin that misses a
// deadline is killed and started again on next use.
package sdk
