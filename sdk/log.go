package sdk

import (
	"context"
	"os"

	"github.com/hashicorp/go-hclog"
)

var logger = hclog.New(&hclog.LoggerOptions{
	Level:      hclog.Trace, // the host filters by its own level
	Output:     os.Stderr,
	JSONFormat: true, // what the host parses back into structured lines
})

// Logger returns the logger a plugin should use: its lines reach the host's
// log, with their level and key/value pairs, under the plugin's name.
// Inside Applicable and Enhance, LoggerFrom(ctx) does the same wherever the
// plugin runs.
func Logger() hclog.Logger { return logger }

type loggerKey struct{}

// LoggerFrom returns the logger of the call that ctx, as given to
// Applicable or Enhance, belongs to: the host's own logger, named after the
// plugin, when the host runs the plugin in its process (as procman runs its
// built-in plugins); else Logger().
func LoggerFrom(ctx context.Context) hclog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(hclog.Logger); ok {
		return l
	}
	return logger
}

// contextWithLogger returns ctx carrying l, for LoggerFrom: see
// pluginwire.SDK.WithLogger.
func contextWithLogger(ctx context.Context, l hclog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, l)
}
