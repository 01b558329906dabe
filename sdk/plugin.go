package sdk

import (
	"context"
	"errors"
	"fmt"

	"github.com/procman-dev/procman/internal/pluginwire"
)

// DefaultPriority is the priority of a plugin that has no reason to run
// before or after others.
const DefaultPriority = 100

// Info describes a plugin.
type Info struct {
	// Name identifies the plugin in logs, reports and flags: lower-case
	// letters, digits and '-'. It should match the NAME of the plugin's
	// executable, procman-plugin-NAME.
	Name string
	// Version is the plugin's own version, free-form ("1.2.0").
	Version string
	// Priority orders the plugins of a chain: lower runs first, ties by
	// Name. The host may override it.
	Priority int
	// Description says in one line what the plugin does.
	Description string
}

// Plugin enhances the configuration of a process before procman starts it.
//
// procman calls Applicable, and if it says yes, Enhance, each under a
// deadline carried by ctx. A plugin must not change the config it is given
// (Enhance returns a changed copy, see ProcessConfig.Clone), must give the
// same output for the same input, and must not write to stdout. Whatever
// Enhance returns is validated by the host; an invalid result, an error, a
// crash or a missed deadline cost this plugin's change, never the spawn.
//
// Applicable and Enhance are called concurrently: a host that starts
// several processes at once has several calls of one plugin in flight at
// the same time, from as many goroutines (and over the protocol, as many
// concurrent requests to one plugin process). A plugin keeps no state
// from one call to the next, or guards what it shares (a mutex, a
// sync.Map, a cache safe for concurrent use). Info is asked once.
type Plugin interface {
	// Info describes the plugin. It is asked once, when the plugin starts.
	Info() Info
	// Applicable reports whether the plugin has anything to do for cfg.
	Applicable(ctx context.Context, cfg ProcessConfig) (bool, error)
	// Enhance returns cfg as the plugin would have it.
	Enhance(ctx context.Context, cfg ProcessConfig) (ProcessConfig, error)
}

// outcome is what a plugin made of one config.
type outcome = pluginwire.Outcome[ProcessConfig]

// apply is what a host does with each plugin: see pluginwire.SDK.Apply.
func apply(ctx context.Context, p Plugin, cfg ProcessConfig) (outcome, error) {
	if out, err, ok := applyRemote(ctx, p, cfg); ok {
		return out, err
	}
	return applyDirect(ctx, p, cfg)
}

func applyDirect(ctx context.Context, p Plugin, cfg ProcessConfig) (outcome, error) {
	ctx, notes := withNotes(ctx)
	ok, err := p.Applicable(ctx, cfg)
	if err != nil {
		return outcome{Notes: notes.get()}, prefixed("applicable", err)
	}
	if !ok {
		return outcome{Notes: notes.get()}, nil
	}
	result, err := p.Enhance(ctx, cfg)
	if err != nil {
		return outcome{Applicable: true, Notes: notes.get()}, prefixed("enhance", err)
	}
	return outcome{Applicable: true, Config: result, Notes: notes.get()}, nil
}

// prefixed names the call in err's message. An error the plugin returned
// is its answer, a *PluginError, whether the plugin runs in this process or
// behind the wire; only a deadline or a cancellation stays what it is.
func prefixed(call string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w", call, err)
	}
	var pluginErr *PluginError
	if errors.As(err, &pluginErr) {
		return &PluginError{Message: call + ": " + pluginErr.Message, Err: pluginErr.Err}
	}
	return &PluginError{Message: call + ": " + err.Error(), Err: err}
}
