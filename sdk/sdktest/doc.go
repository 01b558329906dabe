// Package sdktest tests a procman plugin as procman will use it.
//
// Connect runs a plugin in the test's own process behind the real wire
// protocol and returns the side a procman host talks to, so that a test
// sees what a host sees: the conversion of every field to bytes and back,
// errors as *sdk.PluginError, deadlines reaching the plugin's ctx.
//
// Conformance checks the rules that every plugin must honour (see package
// sdk): a sane Info, no change to the config it is given, deadlines
// honoured, valid results, the same output for the same input, nothing
// written to stdout. Each rule is a subtest:
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
// Neither starts a process: the plugin's own code runs in the test binary.
// What Serve adds on top (the handshake over stdout, exiting with the host)
// is exercised by package hosttest, whose Run runs the plugin binary the
// author built through a real procman host, with the author's cases:
//
//	func TestBinary(t *testing.T) {
//		// Built beforehand, e.g. go build -o bin/procman-plugin-greeter.
//		steps := hosttest.Run(t, "../bin/procman-plugin-greeter", cases(t))
//		if len(steps[0].Changes) != 1 { ... }
//	}
//
// What the plugin logs goes to the test's log (go test -v).
package sdktest
