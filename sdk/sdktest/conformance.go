package sdktest

import (
	"context"
	"fmt"
	"testing"

	"github.com/procman-dev/procman/sdk"
)

// Conformance checks that p honours the rules every plugin must follow,
// calling it both directly and over the wire protocol (see Connect). cases
// are configs to try; p should apply to at least one of them, and, since
// Enhance's results are validated, they should name real files, such as
// ones under t.TempDir(). Each rule is a subtest, applied once or to each
// case:
//
//   - info: Info's Name matches ^[a-z0-9][a-z0-9-]*$ (the NAME of the
//     executable procman-plugin-NAME), Version and Description are set, and
//     the Info a host receives is the Info p gives.
//   - deadline/case-N: Applicable and Enhance return within 2 seconds when
//     their ctx has already expired or expires after 10 milliseconds,
//     whether with an error or a result.
//   - cases: there is at least one case and p applies to at least one.
//   - no-mutation/case-N: Applicable and Enhance leave the config they are
//     given as it was, Args and Env included, and Enhance does not append
//     to the given Args in place.
//   - valid-result/case-N: when p applies to the case, the result that a
//     host gets over the protocol (with sdk.Apply) passes
//     ProcessConfig.Validate. Applicable or Enhance may return an error
//     instead; the error is logged.
//   - deterministic/case-N: two direct calls and one over the protocol give
//     the same results (nil and empty Args or Env count as equal).
//   - no-stdout/case-N: Info, Applicable and Enhance write nothing to
//     os.Stdout, which a plugin binary uses for the protocol's handshake.
//
// Failures are reported with t.Error, naming the check and the case. A
// call that panics fails the check that made it.
//
// Every call is made with a deadline, 2 seconds unless the check says
// otherwise, and waited for at most 2 seconds past its deadline. A call
// that does not return by then fails its check and is abandoned, its
// goroutine left running; the checks after it are skipped, since p can no
// longer be trusted to answer.
//
// The no-stdout check replaces os.Stdout for the length of each call: it
// sees writes through os.Stdout (fmt.Println and the like), not writes to
// file descriptor 1 made by other means. For the same reason, Conformance
// must not run in parallel with tests that use os.Stdout.
func Conformance(t *testing.T, p sdk.Plugin, cases []sdk.ProcessConfig) {
	t.Helper()
	r := newRunner(p, Connect(t, recovering{p}), cases)
	for _, c := range checkList {
		t.Run(c.name, func(t *testing.T) {
			if !c.perCase {
				r.run(c, -1).report(t)
				return
			}
			for i := range cases {
				t.Run(fmt.Sprintf("case-%d", i), func(t *testing.T) { r.run(c, i).report(t) })
			}
		})
	}
}

// A check is one rule that every plugin must honour.
type check struct {
	name    string
	perCase bool
	// run applies the check to the case at index i, or, for a check that
	// is not per case, to the plugin as a whole (i is -1).
	run func(r *runner, i int, f *findings)
}

// checkList is every check, in the order they run. The deadline check
// comes early: a plugin that does not honour ctx is best reported there.
var checkList = []check{
	{name: "info", run: checkInfo},
	{name: "deadline", perCase: true, run: checkDeadline},
	{name: "cases", run: checkCases},
	{name: "no-mutation", perCase: true, run: checkNoMutation},
	{name: "valid-result", perCase: true, run: checkValidResult},
	{name: "deterministic", perCase: true, run: checkDeterministic},
	{name: "no-stdout", perCase: true, run: checkNoStdout},
}

// runner calls one plugin, directly and over the protocol, for the checks.
// It is used by one goroutine at a time.
type runner struct {
	direct sdk.Plugin
	remote sdk.Plugin // direct behind Connect
	cases  []sdk.ProcessConfig

	// hung, once set, says which call never returned: no check runs after.
	hung string
}

func newRunner(direct, remote sdk.Plugin, cases []sdk.ProcessConfig) *runner {
	return &runner{direct: direct, remote: remote, cases: cases}
}

// run applies c to case i (-1 for the plugin as a whole).
func (r *runner) run(c check, i int) result {
	res := result{check: c.name, caseIndex: i}
	if r.hung != "" {
		res.skipped = "not checked: an earlier call did not return (" + r.hung + ")"
		return res
	}
	f := &findings{r: r, prefix: c.name}
	if i >= 0 {
		f.prefix = fmt.Sprintf("%s, case %d", c.name, i)
	}
	c.run(r, i, f)
	res.failures, res.notes, res.skipped = f.failures, f.notes, f.skipped
	return res
}

// result is what one check found, for the plugin or for one case.
type result struct {
	check     string
	caseIndex int // -1 for a check of the plugin as a whole

	failures []string
	notes    []string
	skipped  string // why there was nothing to check
}

// report passes the result on to t: notes logged, failures as errors.
func (res result) report(t *testing.T) {
	t.Helper()
	for _, note := range res.notes {
		t.Log(note)
	}
	for _, failure := range res.failures {
		t.Error(failure)
	}
	if res.skipped != "" {
		t.Skip(res.skipped)
	}
}

// findings collects what a check finds, its messages prefixed with the
// check's name and case, and records calls that never returned.
type findings struct {
	r      *runner
	prefix string

	failures []string
	notes    []string
	skipped  string
}

func (f *findings) failf(format string, args ...any) {
	f.failures = append(f.failures, f.prefix+": "+fmt.Sprintf(format, args...))
}

func (f *findings) notef(format string, args ...any) {
	f.notes = append(f.notes, f.prefix+": "+fmt.Sprintf(format, args...))
}

func (f *findings) skip(reason string) {
	f.skipped = f.prefix + ": " + reason
}

// ok reports whether a call went as calls must: it returned, without
// panicking. If not, it records the failure, and a call that never
// returned stops all further checks.
func (f *findings) ok(a answer) bool {
	if a.fault == "" {
		return true
	}
	f.failf("%s", a.fault)
	if a.abandoned {
		f.r.hung = a.fault
	}
	return false
}

// recovering turns a panic of the plugin it wraps into an error, so that a
// plugin behind Connect that panics fails a check rather than ending the
// test binary; the direct calls report the panic itself.
type recovering struct{ sdk.Plugin }

func (p recovering) Info() (info sdk.Info) {
	defer func() { recover() }()
	return p.Plugin.Info()
}

func (p recovering) Applicable(ctx context.Context, cfg sdk.ProcessConfig) (ok bool, err error) {
	defer recoverInto(&err)
	return p.Plugin.Applicable(ctx, cfg)
}

func (p recovering) Enhance(ctx context.Context, cfg sdk.ProcessConfig) (out sdk.ProcessConfig, err error) {
	defer recoverInto(&err)
	return p.Plugin.Enhance(ctx, cfg)
}

func recoverInto(err *error) {
	if v := recover(); v != nil {
		*err = fmt.Errorf("panic: %v", v)
	}
}
