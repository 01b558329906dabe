package sdktest

import (
	"errors"
	"regexp"
	"slices"
	"time"

	"github.com/procman-dev/procman/sdk"
)

// validName is what a plugin's name must match: the NAME in the file name
// procman-plugin-NAME that procman's discovery accepts.
var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

func checkInfo(r *runner, _ int, f *findings) {
	got, a := info(r.direct)
	if !f.ok(a) {
		return
	}
	if !validName.MatchString(got.Name) {
		f.failf("Name %q does not match %s", got.Name, validName)
	}
	if got.Version == "" {
		f.failf("Version is empty")
	}
	if got.Description == "" {
		f.failf("Description is empty")
	}
	switch remote := r.remote.Info(); {
	case got.Priority != int(int32(got.Priority)):
		f.failf("Priority %d does not fit in the protocol's 32 bits: a host receives %d", got.Priority, remote.Priority)
	case remote != got:
		f.failf("over the protocol, Info is %+v, not %+v", remote, got)
	}
}

// shortDeadlines are the deadlines under which the deadline check calls
// the plugin.
var shortDeadlines = []struct {
	name    string
	timeout time.Duration
}{
	{"an expired deadline", -time.Second},
	{"a deadline " + shortTimeout.String() + " away", shortTimeout},
}

func checkDeadline(r *runner, i int, f *findings) {
	for _, d := range shortDeadlines {
		if !f.ok(applicable(r.direct, r.config(i), d.timeout, "Applicable with "+d.name)) {
			return
		}
	}
	if !r.applies(i, f) {
		return
	}
	for _, d := range shortDeadlines {
		if !f.ok(enhance(r.direct, r.config(i), d.timeout, "Enhance with "+d.name)) {
			return
		}
	}
}

func checkCases(r *runner, _ int, f *findings) {
	if len(r.cases) == 0 {
		f.failf("there are no cases: give Conformance configs the plugin applies to")
		return
	}
	for i := range r.cases {
		a := applicable(r.direct, r.config(i), callTimeout, "Applicable")
		if !f.ok(a) {
			return
		}
		if a.err == nil && a.applicable {
			return
		}
	}
	f.failf("the plugin applies to none of the %d cases, so Enhance went unchecked: add a case it applies to", len(r.cases))
}

func checkNoMutation(r *runner, i int, f *findings) {
	given := withSpareArgs(r.config(i))
	a := applicable(r.direct, given, callTimeout, "Applicable")
	if !f.ok(a) || f.mutated("Applicable", r.cases[i], given) || a.err != nil || !a.applicable {
		return
	}
	given = withSpareArgs(r.config(i))
	if f.ok(enhance(r.direct, given, callTimeout, "Enhance")) {
		f.mutated("Enhance", r.cases[i], given)
	}
}

// mutated records a failure and returns true if a call changed the config
// it was given, which was orig before the call.
func (f *findings) mutated(what string, orig, given sdk.ProcessConfig) bool {
	if d := difference(orig, given, "before the call", "after"); d != "" {
		f.failf("%s changed the config it was given: %s; change a copy instead (see ProcessConfig.Clone)", what, d)
		return true
	}
	if given.Args != nil && appendedInPlace(given.Args) {
		f.failf("%s appended to the Args it was given in place, writing into the caller's array; append to a copy instead (see ProcessConfig.Clone)", what)
		return true
	}
	return false
}

func checkValidResult(r *runner, i int, f *findings) {
	const what = "Apply over the protocol"
	a := apply(r.remote, r.config(i), callTimeout, what)
	switch {
	case !f.ok(a):
	case a.err != nil:
		f.callError(what, a.err)
	case !a.applicable:
		f.skip("the plugin does not apply: there is no result to check")
	default:
		if err := a.config.Validate(); err != nil {
			f.failf("Enhance returned a config that does not validate, which a host drops: %v", err)
		}
	}
}

// callError records an error from a call over the protocol. An error the
// plugin returned is an answer it may give, and is only logged; any other
// (a missed deadline, a broken connection) is a failure.
func (f *findings) callError(what string, err error) {
	var pluginErr *sdk.PluginError
	if errors.As(err, &pluginErr) {
		f.notef("%s returned an error, so a host would keep the config it had: %v", what, err)
		return
	}
	f.failf("%s failed: %v", what, err)
}

func checkDeterministic(r *runner, i int, f *findings) {
	answers := r.answers(i, "Applicable", applicable)
	if !f.same("Applicable", answers) || answers[0].err != nil || !answers[0].applicable {
		return
	}
	f.same("Enhance", r.answers(i, "Enhance", enhance))
}

// answerNames names the answers that answers returns, in order.
var answerNames = [3]string{"in the first call", "in the second call", "over the protocol"}

// answers makes the same call, named what, of case i three times: twice
// directly and once over the protocol.
func (r *runner) answers(i int, what string, call func(sdk.Plugin, sdk.ProcessConfig, time.Duration, string) answer) []answer {
	return []answer{
		call(r.direct, r.config(i), callTimeout, what+" (first call)"),
		call(r.direct, r.config(i), callTimeout, what+" (second call)"),
		call(r.remote, r.config(i), callTimeout, what+" over the protocol"),
	}
}

// same records a failure and returns false if the answers to the same
// call of what differ, or if one of them is a fault.
func (f *findings) same(what string, answers []answer) bool {
	for _, a := range answers {
		if !f.ok(a) {
			return false
		}
	}
	first := answers[0]
	for n, a := range answers[1:] {
		name := answerNames[n+1]
		switch {
		case (first.err == nil) != (a.err == nil):
			f.failf("%s gave different results for the same config: error %v %s, error %v %s", what, first.err, answerNames[0], a.err, name)
			return false
		case first.applicable != a.applicable:
			f.failf("%s gave different results for the same config: %t %s, %t %s", what, first.applicable, answerNames[0], a.applicable, name)
			return false
		}
		if d := difference(first.config, a.config, answerNames[0], name); d != "" {
			f.failf("%s gave different results for the same config: %s", what, d)
			return false
		}
	}
	return true
}

func checkNoStdout(r *runner, i int, f *findings) {
	var a answer
	f.noStdout("Info", func() { _, a = info(r.direct) })
	if !f.ok(a) {
		return
	}
	f.noStdout("Applicable", func() { a = applicable(r.direct, r.config(i), callTimeout, "Applicable") })
	if !f.ok(a) || a.err != nil || !a.applicable {
		return
	}
	f.noStdout("Enhance", func() { a = enhance(r.direct, r.config(i), callTimeout, "Enhance") })
	f.ok(a)
}

// noStdout runs call and records a failure if it wrote to os.Stdout.
func (f *findings) noStdout(what string, call func()) {
	out, err := captureStdout(call)
	if err != nil {
		f.failf("%v", err)
		return
	}
	if out != "" {
		const limit = 200
		if len(out) > limit {
			out = out[:limit] + "..."
		}
		f.failf("%s wrote to stdout, which belongs to the protocol: %q", what, out)
	}
}

// applies reports whether the plugin applies to case i, asking it directly
// under an ordinary deadline. A failed call is recorded; an error the
// plugin returns counts as no.
func (r *runner) applies(i int, f *findings) bool {
	a := applicable(r.direct, r.config(i), callTimeout, "Applicable")
	return f.ok(a) && a.err == nil && a.applicable
}

// config returns a copy of case i, for one call.
func (r *runner) config(i int) sdk.ProcessConfig {
	return r.cases[i].Clone()
}

// defaultFields are the fields a host lets plugins change unless its
// embedder says otherwise (host.DefaultPluginFields).
var defaultFields = []string{"Command", "Args", "Env"}

// hostOnlyFields are the fields no host lets a plugin change.
var hostOnlyFields = []string{"User", "Group", "NoNewPrivileges", "Limits"}

func checkFieldPolicy(r *runner, i int, f *findings) {
	const what = "Apply"
	cfg := r.config(i)
	a := apply(r.direct, cfg, callTimeout, what)
	switch {
	case !f.ok(a):
		return
	case a.err != nil:
		f.skip("the plugin returned an error: there is no result to check")
		return
	case !a.applicable:
		f.skip("the plugin does not apply: there is no result to check")
		return
	}
	for _, field := range changedFields(cfg, a.config) {
		switch {
		case slices.Contains(hostOnlyFields, field):
			f.failf("Enhance changes %s, which only a host's own configuration sets: every host drops the result", field)
		case !slices.Contains(defaultFields, field) && !slices.Contains(r.allowed, field):
			f.failf("Enhance changes %s, which a host lets plugins change only when its embedder allows it (host.WithPluginFields): procman and every default host drop the result; if the plugin is meant for hosts that allow it, say so with sdktest.AllowChanges(%q)", field, field)
		}
	}
}
