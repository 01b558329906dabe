package sdktest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/procman-dev/procman/sdk"
	"go.uber.org/goleak"
)

// greeter is a plugin that follows every rule: it sets GREETING to
// "hello" when Env has no GREETING.
type greeter struct{}

func (greeter) Info() sdk.Info {
	return sdk.Info{Name: "greeter", Version: "1.0.0", Priority: sdk.DefaultPriority, Description: "sets GREETING when it is unset"}
}

func (greeter) Applicable(ctx context.Context, cfg sdk.ProcessConfig) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	_, set := cfg.Env["GREETING"]
	return !set, nil
}

func (greeter) Enhance(ctx context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	if err := ctx.Err(); err != nil {
		return sdk.ProcessConfig{}, err
	}
	out := cfg.Clone()
	if out.Env == nil {
		out.Env = make(map[string]string)
	}
	out.Env["GREETING"] = "hello"
	return out, nil
}

// testCases returns valid configs, made of real files: greeter applies to
// the first two and not to the third.
func testCases(t *testing.T) []sdk.ProcessConfig {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	return []sdk.ProcessConfig{
		{Command: exe, Args: []string{"-v", ""}, Dir: dir, Env: map[string]string{"PATH": dir, "LANG": "C"}},
		{Command: exe, Dir: dir},
		{Command: exe, Args: []string{}, Dir: dir, Env: map[string]string{"GREETING": "hi"}},
	}
}

// recorder echoes the config it is given and keeps the last one it saw.
type recorder struct {
	greeter
	got chan sdk.ProcessConfig
}

func (p recorder) Enhance(ctx context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	p.got <- cfg
	return cfg, nil
}

func TestConnectRoundTrip(t *testing.T) {
	p := recorder{got: make(chan sdk.ProcessConfig, 1)}
	remote := Connect(t, p)
	tests := []struct {
		name string
		send sdk.ProcessConfig
		want sdk.ProcessConfig // as the plugin receives it, and as it comes back
	}{
		{
			name: "bytes that are not UTF-8",
			send: sdk.ProcessConfig{
				Command: "/bin/\xff", Args: []string{"\xfe\xff", "a\x00b"}, Dir: "/tmp/\xc3",
				Env: map[string]string{"K\xc3": "\xff\x00", "PATH": "/bin"}, LogFile: "\x80.log",
			},
		},
		{
			name: "empty strings",
			send: sdk.ProcessConfig{Args: []string{"", "x", ""}, Env: map[string]string{"EMPTY": ""}},
		},
		{
			name: "nil Args and Env",
			send: sdk.ProcessConfig{Command: "x"},
		},
		{
			name: "empty Args and Env arrive as nil",
			send: sdk.ProcessConfig{Command: "x", Args: []string{}, Env: map[string]string{}},
			want: sdk.ProcessConfig{Command: "x"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if reflect.DeepEqual(want, sdk.ProcessConfig{}) {
				want = tt.send
			}
			back, err := remote.Enhance(context.Background(), tt.send)
			if err != nil {
				t.Fatal(err)
			}
			if got := <-p.got; !reflect.DeepEqual(got, want) {
				t.Errorf("the plugin received %#v, want %#v", got, want)
			}
			if !reflect.DeepEqual(back, want) {
				t.Errorf("Enhance returned %#v, want %#v", back, want)
			}
		})
	}
}

func TestConnectInfo(t *testing.T) {
	if got, want := Connect(t, greeter{}).Info(), (greeter{}).Info(); got != want {
		t.Errorf("Info() = %+v, want %+v", got, want)
	}
}

// failing returns its error from every call.
type failing struct {
	greeter
	err error
}

func (p failing) Applicable(context.Context, sdk.ProcessConfig) (bool, error) {
	return false, p.err
}

func (p failing) Enhance(context.Context, sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	return sdk.ProcessConfig{}, p.err
}

func TestConnectPluginError(t *testing.T) {
	const msg = "no .nvmrc in /work: nothing to do"
	remote := Connect(t, failing{err: errors.New(msg)})
	ctx := context.Background()
	_, applicableErr := remote.Applicable(ctx, sdk.ProcessConfig{})
	_, enhanceErr := remote.Enhance(ctx, sdk.ProcessConfig{})
	_, applyErr := Apply(ctx, remote, sdk.ProcessConfig{})
	tests := []struct {
		call string
		err  error
		want string
	}{
		{"Applicable", applicableErr, msg},
		{"Enhance", enhanceErr, msg},
		{"Apply", applyErr, "applicable: " + msg},
	}
	for _, tt := range tests {
		var pluginErr *sdk.PluginError
		if !errors.As(tt.err, &pluginErr) {
			t.Errorf("%s: error %v (%T) is not a *sdk.PluginError", tt.call, tt.err, tt.err)
			continue
		}
		if pluginErr.Message != tt.want {
			t.Errorf("%s: Message = %q, want %q", tt.call, pluginErr.Message, tt.want)
		}
	}
}

// ctxWatcher reports the deadline of Applicable's ctx, and, from Enhance,
// the error of its ctx once it is done.
type ctxWatcher struct {
	greeter
	deadlines chan time.Time
	done      chan error
}

func (p ctxWatcher) Applicable(ctx context.Context, _ sdk.ProcessConfig) (bool, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return false, errors.New("ctx has no deadline")
	}
	p.deadlines <- deadline
	return true, nil
}

func (p ctxWatcher) Enhance(ctx context.Context, _ sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	<-ctx.Done()
	p.done <- ctx.Err()
	return sdk.ProcessConfig{}, ctx.Err()
}

func TestConnectDeadlineReachesPlugin(t *testing.T) {
	p := ctxWatcher{deadlines: make(chan time.Time, 1), done: make(chan error, 1)}
	remote := Connect(t, p)

	want := time.Now().Add(time.Hour)
	ctx, cancel := context.WithDeadline(context.Background(), want)
	defer cancel()
	if _, err := remote.Applicable(ctx, sdk.ProcessConfig{}); err != nil {
		t.Fatal(err)
	}
	if got := <-p.deadlines; got.Sub(want).Abs() > 10*time.Second {
		t.Errorf("the plugin's deadline is %v, want about %v", got, want)
	}

	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := remote.Enhance(ctx, sdk.ProcessConfig{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Enhance past its deadline returned %v, want an error matching context.DeadlineExceeded", err)
	}
	select {
	case err := <-p.done:
		if err == nil {
			t.Error("the plugin's ctx is done but its Err is nil")
		}
	case <-time.After(10 * time.Second):
		t.Error("the plugin's ctx was not done 10s after the caller's deadline")
	}
}

func TestConnectCleansUp(t *testing.T) {
	before := goleak.IgnoreCurrent()
	t.Run("connect", func(t *testing.T) {
		if _, err := Connect(t, greeter{}).Applicable(context.Background(), sdk.ProcessConfig{}); err != nil {
			t.Fatal(err)
		}
	})
	goleak.VerifyNone(t, before)
}

func TestChecksAcceptGoodPlugin(t *testing.T) {
	for _, res := range runChecks(t, greeter{}, testCases(t)) {
		if len(res.failures) > 0 {
			t.Errorf("%s: %q", res.name(), res.failures)
		}
		// Case 2 is one the greeter does not apply to.
		if res.skipped != "" && !((res.check == "valid-result" || res.check == "field-policy") && res.caseIndex == 2) {
			t.Errorf("%s skipped: %s", res.name(), res.skipped)
		}
	}
}

func TestConformanceGoodPlugin(t *testing.T) {
	Conformance(t, greeter{}, testCases(t))
}

// Bad plugins, each breaking one rule.
type (
	mutatesEnv  struct{ greeter }
	appendsArgs struct{ greeter }
	ignoresCtx  struct {
		greeter
		release chan struct{}
	}
	invalid struct{ greeter }
	varies  struct {
		greeter
		calls *atomic.Int64
	}
	prints       struct{ greeter }
	badInfo      struct{ greeter }
	panics       struct{ greeter }
	neverApplies struct{ greeter }
	movesDir     struct{ greeter }
	escalates    struct{ greeter }
)

func (movesDir) Enhance(ctx context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	out, err := greeter{}.Enhance(ctx, cfg)
	out.Dir = os.TempDir()
	return out, err
}

func (escalates) Enhance(ctx context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	out, err := greeter{}.Enhance(ctx, cfg)
	out.User = "root"
	return out, err
}

func (mutatesEnv) Enhance(_ context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	if cfg.Env == nil {
		cfg.Env = make(map[string]string)
	}
	cfg.Env["GREETING"] = "hello"
	return cfg, nil
}

func (appendsArgs) Enhance(_ context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	cfg.Args = append(cfg.Args, "--greeting=hello")
	return cfg, nil
}

func (p ignoresCtx) Applicable(context.Context, sdk.ProcessConfig) (bool, error) {
	<-p.release
	return true, nil
}

func (invalid) Enhance(ctx context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	out, err := greeter{}.Enhance(ctx, cfg)
	if err != nil {
		return out, err
	}
	out.Env["A=B"] = "1"
	return out, nil
}

func (p varies) Enhance(ctx context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	out, err := greeter{}.Enhance(ctx, cfg)
	if err != nil {
		return out, err
	}
	out.Env["CALL"] = strconv.FormatInt(p.calls.Add(1), 10)
	return out, nil
}

func (prints) Enhance(ctx context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	fmt.Println("sdktest: a deliberate write to stdout")
	return greeter{}.Enhance(ctx, cfg)
}

func (badInfo) Info() sdk.Info {
	return sdk.Info{Name: "Greeter Plugin", Priority: 1 << 40}
}

func (panics) Enhance(context.Context, sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	var env map[string]string
	env["GREETING"] = "hello"
	return sdk.ProcessConfig{}, nil
}

func (neverApplies) Applicable(context.Context, sdk.ProcessConfig) (bool, error) {
	return false, nil
}

func TestChecksCatchBadPlugins(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	tests := []struct {
		name   string
		plugin sdk.Plugin
		failed []string // the checks that must fail, and only they
		says   string   // a part of one failure
	}{
		{"mutates Env", mutatesEnv{}, []string{"no-mutation"}, `Enhance changed the config it was given: Env["GREETING"] is unset before the call, "hello" after`},
		{"appends to Args in place", appendsArgs{}, []string{"no-mutation"}, "appended to the Args it was given in place"},
		{"ignores ctx", ignoresCtx{release: release}, []string{"deadline"}, "Applicable with an expired deadline did not return within 2s"},
		{"returns an invalid config", invalid{}, []string{"valid-result"}, `Env: key "A=B" contains '='`},
		{"is not deterministic", varies{calls: new(atomic.Int64)}, []string{"deterministic"}, `Enhance gave different results for the same config: Env["CALL"] is "`},
		{"prints to stdout", prints{}, []string{"no-stdout"}, `Enhance wrote to stdout, which belongs to the protocol: "sdktest: a deliberate write to stdout\n"`},
		{"has a bad Info", badInfo{}, []string{"info"}, `Name "Greeter Plugin" does not match`},
		{"panics", panics{}, []string{"deadline", "no-mutation", "valid-result", "deterministic", "no-stdout", "field-policy"}, "Enhance panicked: assignment to entry in nil map"},
		{"panics over the protocol", panics{}, []string{"deadline", "no-mutation", "valid-result", "deterministic", "no-stdout", "field-policy"}, "valid-result, case 0: the plugin panicked in a call over the protocol (a host sees a crash, not an answer): assignment to entry in nil map"},
		{"changes Dir", movesDir{}, []string{"field-policy"}, `Enhance changes Dir, which a host lets plugins change only when its embedder allows it (host.WithPluginFields): procman and every default host drop the result; if the plugin is meant for hosts that allow it, say so with sdktest.AllowChanges("Dir")`},
		{"changes User", escalates{}, []string{"deterministic", "field-policy"}, "Enhance changes User, which only a host's own configuration sets: every host drops the result"},
		{"never applies", neverApplies{}, []string{"cases"}, "applies to none of the 3 cases"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			discardStdout(t)
			results := runChecks(t, tt.plugin, testCases(t))
			var failed, all []string
			for _, res := range results {
				if len(res.failures) > 0 && !slices.Contains(failed, res.check) {
					failed = append(failed, res.check)
				}
				all = append(all, res.failures...)
			}
			if !slices.Equal(failed, tt.failed) {
				t.Errorf("failed checks: %q, want %q; failures:\n%s", failed, tt.failed, strings.Join(all, "\n"))
			}
			if !slices.ContainsFunc(all, func(s string) bool { return strings.Contains(s, tt.says) }) {
				t.Errorf("no failure says %q; failures:\n%s", tt.says, strings.Join(all, "\n"))
			}
		})
	}
}

func TestChecksStopAfterACallThatNeverReturns(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	results := runChecks(t, ignoresCtx{release: release}, testCases(t))
	hung := slices.IndexFunc(results, func(res result) bool { return len(res.failures) > 0 })
	if hung < 0 {
		t.Fatal("no check failed")
	}
	for _, res := range results[hung+1:] {
		if res.skipped == "" {
			t.Errorf("%s ran after a call that never returned", res.name())
		}
	}
}

func TestBadPluginInfo(t *testing.T) {
	results := runChecks(t, badInfo{}, testCases(t))
	want := []string{
		`info: Name "Greeter Plugin" does not match ^[a-z0-9][a-z0-9-]*$`,
		"info: Version is empty",
		"info: Description is empty",
		"info: Priority 1099511627776 does not fit in the protocol's 32 bits: a host receives 2147483647",
	}
	if got := results[0].failures; !slices.Equal(got, want) {
		t.Errorf("info failures:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestConformanceReports runs Conformance on a bad plugin in a child
// process, since a failing Conformance fails its test, and checks what it
// reported.
func TestConformanceReports(t *testing.T) {
	if os.Getenv("SDKTEST_CONFORMANCE_CHILD") == "1" {
		Conformance(t, mutatesEnv{}, testCases(t))
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestConformanceReports$", "-test.v")
	cmd.Env = append(os.Environ(), "SDKTEST_CONFORMANCE_CHILD=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("the child's Conformance passed, want it to fail: %v\n%s", err, out)
	}
	for _, want := range []string{
		"--- FAIL: TestConformanceReports/no-mutation/case-0",
		`no-mutation, case 0: Enhance changed the config it was given: Env["GREETING"]`,
		"--- PASS: TestConformanceReports/no-mutation/case-2", // one the plugin does not apply to
		"--- PASS: TestConformanceReports/info",
		"--- SKIP: TestConformanceReports/valid-result/case-2",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the child's output lacks %q:\n%s", want, out)
		}
	}
}

// runChecks runs every check as Conformance does, and returns the results
// rather than reporting them.
func runChecks(t *testing.T, p sdk.Plugin, cases []sdk.ProcessConfig, opts ...Option) []result {
	t.Helper()
	r := newRunner(t, p, cases)
	for _, opt := range opts {
		opt(r)
	}
	var results []result
	for _, c := range checkList {
		if !c.perCase {
			results = append(results, r.run(c, -1))
			continue
		}
		for i := range cases {
			results = append(results, r.run(c, i))
		}
	}
	return results
}

func (res result) name() string {
	if res.caseIndex < 0 {
		return res.check
	}
	return fmt.Sprintf("%s/case-%d", res.check, res.caseIndex)
}

// discardStdout sends what is written to os.Stdout to nowhere for the rest
// of the test: the prints plugin writes there in every call, not only under
// the no-stdout check.
func discardStdout(t *testing.T) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = null
	t.Cleanup(func() {
		os.Stdout = saved
		null.Close()
	})
}

func TestAllowChangesWidensTheFieldPolicy(t *testing.T) {
	for _, res := range runChecks(t, movesDir{}, testCases(t), AllowChanges("Dir")) {
		if len(res.failures) > 0 {
			t.Errorf("with AllowChanges(\"Dir\"), %s failed: %q", res.name(), res.failures)
		}
	}
}

// chatty logs through both of the SDK's loggers.
type chatty struct{ greeter }

func (chatty) Enhance(ctx context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	sdk.Logger().Warn("from the process's logger", "k", "v")
	sdk.LoggerFrom(ctx).Info("from the call's logger", "n", 1)
	return greeter{}.Enhance(ctx, cfg)
}

// TestPluginLogsGoToTheTestLog runs Connect in a child process, whose
// test output is what a plugin author sees, and checks that the plugin's
// log lines are in it as text.
func TestPluginLogsGoToTheTestLog(t *testing.T) {
	if os.Getenv("SDKTEST_LOG_CHILD") == "1" {
		p := Connect(t, chatty{})
		if _, err := p.Enhance(context.Background(), testCases(t)[0]); err != nil {
			t.Fatal(err)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPluginLogsGoToTheTestLog$", "-test.v")
	cmd.Env = append(os.Environ(), "SDKTEST_LOG_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	for _, want := range []string{"plugin: [WARN] from the process's logger: k=v", "plugin: [INFO]  from the call's logger: n=1"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the test output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "@message") {
		t.Errorf("the test output holds JSON log lines:\n%s", out)
	}
}
