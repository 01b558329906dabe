package sdktest

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/procman-dev/procman/sdk"
)

const (
	// callTimeout is the deadline of an ordinary call, the same as a procman
	// host's default.
	callTimeout = 2 * time.Second

	// grace is how long after its deadline a call may take to return.
	grace = 2 * time.Second

	// shortTimeout is the deadline of the deadline check's short calls.
	shortTimeout = 10 * time.Millisecond
)

// answer is what one call of a plugin gave.
type answer struct {
	applicable bool              // Applicable's result
	config     sdk.ProcessConfig // Enhance's result
	err        error             // the error the plugin returned

	// fault, when set, says how the call failed as no plugin may: it
	// panicked, or it did not return in time and was abandoned.
	fault string
	// abandoned reports that the call did not return in time.
	abandoned bool
}

// call runs f in a goroutine and waits for it to return, at most until
// grace after ctx's deadline. A panic in f becomes a fault. A call that
// does not return in time is abandoned: its goroutine is left running,
// since nothing can stop it.
func call(ctx context.Context, what string, f func(context.Context) answer) answer {
	done := make(chan answer, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- answer{fault: fmt.Sprintf("%s panicked: %v", what, v)}
			}
		}()
		done <- f(ctx)
	}()
	bound := grace
	if deadline, ok := ctx.Deadline(); ok {
		bound += max(time.Until(deadline), 0)
	}
	timer := time.NewTimer(bound)
	defer timer.Stop()
	select {
	case a := <-done:
		return a
	case <-timer.C:
		return answer{
			abandoned: true,
			fault: fmt.Sprintf("%s did not return within %v of its deadline: a plugin must return promptly once ctx is done "+
				"(the call was abandoned and may still be running)", what, grace),
		}
	}
}

// applicable calls p.Applicable(ctx, cfg) with ctx's deadline timeout from
// now; what names the call in messages.
func applicable(p sdk.Plugin, cfg sdk.ProcessConfig, timeout time.Duration, what string) answer {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return call(ctx, what, func(ctx context.Context) answer {
		ok, err := p.Applicable(ctx, cfg)
		return answer{applicable: ok, err: err}
	})
}

// enhance calls p.Enhance(ctx, cfg) with ctx's deadline timeout from now;
// what names the call in messages.
func enhance(p sdk.Plugin, cfg sdk.ProcessConfig, timeout time.Duration, what string) answer {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return call(ctx, what, func(ctx context.Context) answer {
		out, err := p.Enhance(ctx, cfg)
		return answer{config: out, err: err}
	})
}

// apply calls Apply(ctx, p, cfg), as a host does, with ctx's deadline
// timeout from now; what names the call in messages.
func apply(p sdk.Plugin, cfg sdk.ProcessConfig, timeout time.Duration, what string) answer {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return call(ctx, what, func(ctx context.Context) answer {
		out, err := Apply(ctx, p, cfg)
		return answer{applicable: out.Applicable, config: out.Config, err: err}
	})
}

// info calls p.Info, which takes no context, as if under an ordinary
// deadline.
func info(p sdk.Plugin) (sdk.Info, answer) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	var got sdk.Info
	a := call(ctx, "Info", func(context.Context) answer {
		got = p.Info()
		return answer{}
	})
	if a.fault != "" {
		return sdk.Info{}, a
	}
	return got, a
}

// captureStdout runs f, which must not panic, with os.Stdout swapped for a
// pipe, and returns what was written to it. Only writes through os.Stdout
// are seen: a write to file descriptor 1 by other means goes where it
// always went.
func captureStdout(f func()) (string, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return "", fmt.Errorf("capturing stdout: %w", err)
	}
	read := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		r.Close()
		read <- b
	}()
	saved := os.Stdout
	os.Stdout = w
	f()
	os.Stdout = saved
	w.Close()
	return string(<-read), nil
}
