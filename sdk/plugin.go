package sdk

import "context"

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
type Plugin interface {
	// Info describes the plugin. It is asked once, when the plugin starts.
	Info() Info
	// Applicable reports whether the plugin has anything to do for cfg.
	Applicable(ctx context.Context, cfg ProcessConfig) (bool, error)
	// Enhance returns cfg as the plugin would have it.
	Enhance(ctx context.Context, cfg ProcessConfig) (ProcessConfig, error)
}
