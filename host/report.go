package host

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/procman-dev/procman/sdk"
)

// Report says what the plugins did to one config: a step for each plugin
// in the order they ran.
type Report struct {
	Steps []PluginStep
}

// Warnings returns the warning of every step that has one, each prefixed
// with the plugin's name.
func (r Report) Warnings() []string {
	var warnings []string
	for _, step := range r.Steps {
		if step.Warning != "" {
			warnings = append(warnings, fmt.Sprintf("plugin %s: %s", step.Plugin, step.Warning))
		}
	}
	return warnings
}

// PluginStep is what one plugin did.
type PluginStep struct {
	Plugin   string // the plugin's name
	Version  string // the plugin's own version, when it could be asked
	Priority int    // the priority it ran at
	Path     string // its executable; empty for a plugin run in-process
	BuiltIn  bool   // one of procman's built-in plugins, run in-process

	// Applicable is what the plugin's Applicable said.
	Applicable bool
	// Changes are the changes the plugin made and the host kept, field by
	// field; none when Warning is set.
	Changes []Change
	// Notes are what the plugin said of its choice (sdk.Note): which
	// version, from which file.
	Notes []string
	// Warning says why the plugin's change was dropped, if it was: an
	// error, a crash, a missed deadline, an invalid result, a field it may
	// not change.
	Warning string
	// Duration is how long the plugin's calls took.
	Duration time.Duration
}

// Change is one field a plugin changed. Field is "Command", "Args", "Dir",
// "LogFile" or "Env[KEY]"; Old and New are the values before and after
// (Args joined in Go-quoted form, and as lists in OldArgs and NewArgs). An
// environment variable the plugin set has Added; one it removed has
// Removed.
type Change struct {
	Field            string
	Old, New         string
	OldArgs, NewArgs []string // for Args only
	Added            bool
	Removed          bool
}

// diff lists the changes from old to new, fields in a fixed order and Env
// keys sorted.
func diff(old, new sdk.ProcessConfig) []Change {
	var changes []Change
	add := func(field, o, n string) {
		if o != n {
			changes = append(changes, Change{Field: field, Old: o, New: n})
		}
	}
	add("Command", old.Command, new.Command)
	if o, n := quoteArgs(old.Args), quoteArgs(new.Args); o != n {
		changes = append(changes, Change{Field: "Args", Old: o, New: n,
			OldArgs: slices.Clone(old.Args), NewArgs: slices.Clone(new.Args)})
	}
	add("Dir", old.Dir, new.Dir)
	add("LogFile", old.LogFile, new.LogFile)
	keys := slices.Sorted(maps.Keys(old.Env))
	for k := range new.Env {
		if _, ok := old.Env[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		o, inOld := old.Env[k]
		n, inNew := new.Env[k]
		switch {
		case !inOld:
			changes = append(changes, Change{Field: "Env[" + k + "]", New: n, Added: true})
		case !inNew:
			changes = append(changes, Change{Field: "Env[" + k + "]", Old: o, Removed: true})
		case o != n:
			changes = append(changes, Change{Field: "Env[" + k + "]", Old: o, New: n})
		}
	}
	return changes
}

// changedFields is the set of fields that differ between old and new.
func changedFields(old, new sdk.ProcessConfig) Field {
	var f Field
	if old.Command != new.Command {
		f |= FieldCommand
	}
	if !slices.Equal(old.Args, new.Args) {
		f |= FieldArgs
	}
	if old.Dir != new.Dir {
		f |= FieldDir
	}
	if !maps.Equal(old.Env, new.Env) {
		f |= FieldEnv
	}
	if old.LogFile != new.LogFile {
		f |= FieldLogFile
	}
	if old.User != new.User {
		f |= FieldUser
	}
	if old.Group != new.Group {
		f |= FieldGroup
	}
	if old.NoNewPrivileges != new.NoNewPrivileges {
		f |= FieldNoNewPrivileges
	}
	if !old.Limits.Equal(new.Limits) {
		f |= FieldLimits
	}
	return f
}

func quoteArgs(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return fmt.Sprintf("%q", args)
}
