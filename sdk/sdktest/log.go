package sdktest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/internal/lines/linestest"
	"github.com/procman-dev/procman/sdk"
)

// captureLogs sends what the plugin under test logs to t's log, a line at
// a time, until t's cleanup: the lines of sdk.Logger, written as the
// protocol's JSON, turned back into text, and the lines of
// sdk.LoggerFrom(ctx), through the logger it returns, which the caller
// puts in the calls' ctx. sdk.Logger is the process's, so tests that
// capture its lines must not run in parallel.
func captureLogs(t testing.TB) hclog.Logger {
	w, stop := linestest.Log(t, func(line []byte) string { return "plugin: " + readable(line) })
	if r, ok := sdk.Logger().(hclog.OutputResettable); ok {
		r.ResetOutput(&hclog.LoggerOptions{Output: w})
		t.Cleanup(func() { r.ResetOutput(&hclog.LoggerOptions{Output: os.Stderr}) })
	}
	t.Cleanup(stop)
	return hclog.New(&hclog.LoggerOptions{Output: w, Level: hclog.Trace, DisableTime: true})
}

// readable returns a log line as text: a JSON line of hclog's
// ({"@level", "@message", and key/value pairs}) as "[LEVEL] message:
// key=value ...", keys sorted; any other line as it is.
func readable(line []byte) string {
	var entry map[string]any
	if json.Unmarshal(line, &entry) != nil {
		return string(line)
	}
	msg, ok := entry["@message"].(string)
	if !ok {
		return string(line)
	}
	level, _ := entry["@level"].(string)
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] %s", strings.ToUpper(level), msg)
	var keys []string
	for k := range entry {
		if !strings.HasPrefix(k, "@") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for i, k := range keys {
		sep := " "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(&b, "%s%s=%v", sep, k, entry[k])
	}
	return b.String()
}

// logging is a plugin whose calls carry logger in their ctx, for
// sdk.LoggerFrom.
type logging struct {
	sdk.Plugin
	logger hclog.Logger
}

func (p logging) Applicable(ctx context.Context, cfg sdk.ProcessConfig) (bool, error) {
	return p.Plugin.Applicable(wire().WithLogger(ctx, p.logger), cfg)
}

func (p logging) Enhance(ctx context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	return p.Plugin.Enhance(wire().WithLogger(ctx, p.logger), cfg)
}
