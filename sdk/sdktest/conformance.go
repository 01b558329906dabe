package sdktest

import (
	"context"
	"fmt"
	"sync"
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
//     host gets over the protocol (see Apply) passes
//     ProcessConfig.Validate. Applicable or Enhance may return an error
//     instead; the error is logged.
//   - deterministic/case-N: two direct calls and one over the protocol give
//     the same results (nil and empty Args or Env count as equal).
//   - no-stdout/case-N: Info, Applicable and Enhance write nothing to
//     os.Stdout, which a plugin binary uses for the protocol's handshake.
//   - field-policy/case-N: Enhance changes only the fields a host lets
//     plugins change by default: Command, Args and Env (AllowChanges adds
//     Dir or LogFile, for plugins meant for hosts that allow them), and
//     never User, Group, NoNewPrivileges or Limits, which no host lets a
//     plugin change.
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
func Conformance(t *testing.T, p sdk.Plugin, cases []sdk.ProcessConfig, opts ...Option) {
	t.Helper()
	r := newRunner(t, p, cases)
	for _, opt := range opts {
		opt(r)
	}
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
	{name: "field-policy", perCase: true, run: checkFieldPolicy},
}

// An Option changes what Conformance accepts.
type Option func(*runner)

// AllowChanges lets the plugin change fields beyond those a host allows by
// default ("Dir", "LogFile"): for a plugin meant for hosts whose embedder
// allows them (host.WithPluginFields).
func AllowChanges(fields ...string) Option {
	return func(r *runner) { r.allowed = append(r.allowed, fields...) }
}

// runner calls one plugin, directly and over the protocol, for the checks.
// It is used by one goroutine at a time.
type runner struct {
	direct sdk.Plugin
	remote sdk.Plugin // direct behind Connect
	cases  []sdk.ProcessConfig

	// hung, once set, says which call never returned: no check runs after.
	hung string

	// remotePanics are the panics of calls over the protocol, which
	// recovering turned into errors.
	remotePanics *panicLog

	allowed []string // fields the plugin may change beyond the default ones
}

// newRunner returns the runner of p, served over the protocol for the
// length of t.
func newRunner(t *testing.T, p sdk.Plugin, cases []sdk.ProcessConfig) *runner {
	panics := new(panicLog)
	remote := Connect(t, recovering{p, panics})
	// Connect sends the plugin's log lines to t's log; so do the direct
	// calls.
	return &runner{direct: logging{p, captureLogs(t)}, remote: remote, cases: cases, remotePanics: panics}
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
	r.remotePanics.take() // none before the check is its
	c.run(r, i, f)
	for _, p := range r.remotePanics.take() {
		// Over the protocol a panic comes back as an error, but a host
		// sees a crash: the plugin process ends.
		f.failf("the plugin panicked in a call over the protocol (a host sees a crash, not an answer): %s", p)
	}
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
// test binary, and records it in panics, for the check to fail; the
// direct calls report the panic themselves.
type recovering struct {
	sdk.Plugin
	panics *panicLog
}

func (p recovering) Info() (info sdk.Info) {
	defer p.recoverInto(new(error))
	return p.Plugin.Info()
}

func (p recovering) Applicable(ctx context.Context, cfg sdk.ProcessConfig) (ok bool, err error) {
	defer p.recoverInto(&err)
	return p.Plugin.Applicable(ctx, cfg)
}

func (p recovering) Enhance(ctx context.Context, cfg sdk.ProcessConfig) (out sdk.ProcessConfig, err error) {
	defer p.recoverInto(&err)
	return p.Plugin.Enhance(ctx, cfg)
}

func (p recovering) recoverInto(err *error) {
	if v := recover(); v != nil {
		*err = fmt.Errorf("panic: %v", v)
		p.panics.add(fmt.Sprint(v))
	}
}

// panicLog collects panics, from the goroutines of the protocol's server.
type panicLog struct {
	mu     sync.Mutex
	panics []string
}

func (l *panicLog) add(p string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.panics = append(l.panics, p)
}

// take returns the panics collected since the last take.
func (l *panicLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.panics
	l.panics = nil
	return p
}
