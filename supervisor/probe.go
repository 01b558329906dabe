package supervisor

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/project"
	"github.com/procman-dev/procman/sdk"
)

// probe runs p until ctx is done, after its initial delay and then every
// period, and tells report each change of its verdict: ok after
// SuccessThreshold successes in a row, not ok after FailureThreshold
// failures in a row, with why the last one failed. It stops when report
// returns false.
func (i *instance) probe(ctx context.Context, p *project.Probe, report func(ok bool, why string) bool) {
	timer := time.NewTimer(p.InitialDelay)
	defer timer.Stop()
	var successes, failures int
	verdict := 0 // 1 ok, -1 not ok, 0 none yet
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		began := time.Now()
		if i.s.isSuspended() {
			// A stopped process answers no probe: start counting again
			// once it runs.
			successes, failures = 0, 0
			timer.Reset(p.Period)
			continue
		}
		why := i.check(ctx, p)
		if ctx.Err() != nil {
			return
		}
		if why == "" {
			successes, failures = successes+1, 0
			if successes >= p.SuccessThreshold && verdict != 1 {
				verdict = 1
				if !report(true, "") {
					return
				}
			}
		} else {
			successes, failures = 0, failures+1
			if failures >= p.FailureThreshold && verdict != -1 {
				verdict = -1
				if !report(false, why) {
					return
				}
			}
		}
		timer.Reset(max(0, p.Period-time.Since(began)))
	}
}

// readiness takes the verdicts of the readiness probe.
func (i *instance) readiness(ok bool, why string) bool {
	s := i.s
	s.mu.Lock()
	was := i.ready
	i.ready = ok
	s.changedLocked()
	s.mu.Unlock()
	switch {
	case ok:
		i.note("ready")
	case was:
		i.note("not ready: %s", why)
	}
	return true
}

// check runs p once, and returns why it failed, or "".
func (i *instance) check(ctx context.Context, p *project.Probe) string {
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	switch {
	case p.HTTPGet != nil:
		return checkHTTP(ctx, p.HTTPGet)
	case p.TCP != nil:
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(p.TCP.Host, strconv.Itoa(p.TCP.Port)))
		if err != nil {
			return err.Error()
		}
		conn.Close()
		return ""
	case p.Exec != nil:
		return i.checkExec(ctx, p.Exec, p.Timeout)
	}
	return "probe of no kind"
}

func checkHTTP(ctx context.Context, g *project.HTTPGetProbe) string {
	url := fmt.Sprintf("%s://%s%s", g.Scheme, net.JoinHostPort(g.Host, strconv.Itoa(g.Port)), g.Path)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err.Error()
	}
	resp, err := probeClient.Do(req)
	if err != nil {
		return err.Error()
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 399 {
		return fmt.Sprintf("GET %s: %s", url, resp.Status)
	}
	return ""
}

// probeClient neither follows redirects (a 3xx is a success) nor keeps
// connections, nor uses a proxy: a probe asks the process itself.
var probeClient = &http.Client{
	Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil},
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

// checkExec runs an exec probe as a process of the Manager, contained like
// any other: it succeeds when the probe exits with status 0 before ctx's
// deadline; it is killed after.
func (i *instance) checkExec(ctx context.Context, e *project.ExecProbe, timeout time.Duration) string {
	m := i.s.m
	h, err := m.Start(ctx, i.probeConfig(e), host.WithStopGrace(time.Second))
	if err != nil {
		return err.Error()
	}
	defer m.Forget(h)
	st, err := m.Wait(ctx, h)
	if err != nil {
		m.Kill(context.Background(), h)
		return fmt.Sprintf("%s did not end within %s", e.Command[0], timeout)
	}
	switch {
	case st.State == host.Exited && st.ExitCode == 0:
		return ""
	case st.State == host.Exited:
		return fmt.Sprintf("%s exited with status %d", e.Command[0], st.ExitCode)
	}
	return fmt.Sprintf("%s: %s", e.Command[0], st)
}

// probeConfig is the configuration of an exec probe: in the process's
// directory, unless it names one, with the process's environment.
func (i *instance) probeConfig(e *project.ExecProbe) sdk.ProcessConfig {
	dir := e.WorkingDir
	if dir == "" {
		dir = i.config.Dir
	}
	return sdk.ProcessConfig{Command: e.Command[0], Args: e.Command[1:], Dir: dir, Env: i.config.Env}
}
