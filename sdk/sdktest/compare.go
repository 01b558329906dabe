package sdktest

import (
	"fmt"
	"maps"
	"slices"

	"github.com/procman-dev/procman/sdk"
)

// difference describes the first difference between a and b, which are
// called aName and bName in the description, or returns "" if there is
// none. Nil and empty Args or Env are equal, as they are on the wire.
func difference(a, b sdk.ProcessConfig, aName, bName string) string {
	differ := func(field string, x, y any) string {
		return fmt.Sprintf("%s is %q %s, %q %s", field, x, aName, y, bName)
	}
	switch {
	case a.Command != b.Command:
		return differ("Command", a.Command, b.Command)
	case !slices.Equal(a.Args, b.Args):
		return differ("Args", a.Args, b.Args)
	case a.Dir != b.Dir:
		return differ("Dir", a.Dir, b.Dir)
	case a.LogFile != b.LogFile:
		return differ("LogFile", a.LogFile, b.LogFile)
	case a.User != b.User:
		return differ("User", a.User, b.User)
	case a.Group != b.Group:
		return differ("Group", a.Group, b.Group)
	case a.NoNewPrivileges != b.NoNewPrivileges:
		return fmt.Sprintf("NoNewPrivileges is %v %s, %v %s", a.NoNewPrivileges, aName, b.NoNewPrivileges, bName)
	case !a.Limits.Equal(b.Limits):
		return fmt.Sprintf("Limits are %+v %s, %+v %s", a.Limits, aName, b.Limits, bName)
	}
	keys := slices.Sorted(maps.Keys(a.Env))
	keys = append(keys, slices.Sorted(maps.Keys(b.Env))...)
	for _, k := range keys {
		x, inA := a.Env[k]
		y, inB := b.Env[k]
		switch {
		case inA && !inB:
			return fmt.Sprintf("Env[%q] is %q %s, unset %s", k, x, aName, bName)
		case !inA && inB:
			return fmt.Sprintf("Env[%q] is unset %s, %q %s", k, aName, y, bName)
		case x != y:
			return differ(fmt.Sprintf("Env[%q]", k), x, y)
		}
	}
	return ""
}

// changedFields names the fields of sdk.ProcessConfig that differ
// between a and b, in the order of the struct (nil and empty Args or Env
// are equal).
func changedFields(a, b sdk.ProcessConfig) []string {
	var fields []string
	add := func(name string, changed bool) {
		if changed {
			fields = append(fields, name)
		}
	}
	add("Command", a.Command != b.Command)
	add("Args", !slices.Equal(a.Args, b.Args))
	add("Dir", a.Dir != b.Dir)
	add("Env", !maps.Equal(a.Env, b.Env))
	add("LogFile", a.LogFile != b.LogFile)
	add("User", a.User != b.User)
	add("Group", a.Group != b.Group)
	add("NoNewPrivileges", a.NoNewPrivileges != b.NoNewPrivileges)
	add("Limits", !a.Limits.Equal(b.Limits))
	return fields
}

// spareArg fills the spare capacity of the Args that the no-mutation check
// gives a plugin: a plugin that appends to them in place overwrites it.
const spareArg = "sdktest: spare capacity of Args, to stay untouched"

// withSpareArgs returns cfg with Args copied into an array with room to
// grow, the room filled with spareArg.
func withSpareArgs(cfg sdk.ProcessConfig) sdk.ProcessConfig {
	if cfg.Args == nil {
		return cfg
	}
	const spare = 4
	args := make([]string, len(cfg.Args), len(cfg.Args)+spare)
	copy(args, cfg.Args)
	for i := len(args); i < cap(args); i++ {
		args[:cap(args)][i] = spareArg
	}
	cfg.Args = args
	return cfg
}

// appendedInPlace reports whether the spare capacity that withSpareArgs
// gave args has been written to.
func appendedInPlace(args []string) bool {
	return slices.ContainsFunc(args[len(args):cap(args)], func(arg string) bool { return arg != spareArg })
}
