package host

import (
	"time"

	"github.com/procman-dev/procman/sdk"
)

// Default plugin deadlines.
const (
	DefaultPluginCallTimeout  = 2 * time.Second
	DefaultPluginStartTimeout = 5 * time.Second
)

// Field names fields of sdk.ProcessConfig, as a set of bits.
type Field uint

// The fields of sdk.ProcessConfig.
const (
	FieldCommand Field = 1 << iota
	FieldArgs
	FieldDir
	FieldEnv
	FieldLogFile

	// The fields only the host's configuration sets: no plugin may change
	// them, whatever WithPluginFields says.
	FieldUser
	FieldGroup
	FieldNoNewPrivileges
	FieldLimits
)

// hostOnlyFields are the fields no plugin may change.
const hostOnlyFields = FieldUser | FieldGroup | FieldNoNewPrivileges | FieldLimits

// DefaultPluginFields are the fields plugins may change unless
// WithPluginFields says otherwise: where the process runs from (Dir) and
// where its output goes (LogFile) stay the embedder's decision.
const DefaultPluginFields = FieldCommand | FieldArgs | FieldEnv

var fieldNames = []struct {
	field Field
	name  string
}{
	{FieldCommand, "Command"}, {FieldArgs, "Args"}, {FieldDir, "Dir"}, {FieldEnv, "Env"}, {FieldLogFile, "LogFile"},
	{FieldUser, "User"}, {FieldGroup, "Group"}, {FieldNoNewPrivileges, "NoNewPrivileges"}, {FieldLimits, "Limits"},
}

func (f Field) String() string {
	var s string
	for _, fn := range fieldNames {
		if f&fn.field != 0 {
			if s != "" {
				s += "|"
			}
			s += fn.name
		}
	}
	return s
}

type pluginSettings struct {
	discovery    bool
	searchPath   *[2]string // PROCMAN_PLUGIN_PATH and PATH, when not the process's own
	inProcess    []sdk.Plugin
	builtins     bool
	only         []string // nil: every plugin
	priorities   map[string]int
	callTimeout  time.Duration
	startTimeout time.Duration
	fields       Field
}

func defaultPluginSettings() pluginSettings {
	return pluginSettings{
		callTimeout:  DefaultPluginCallTimeout,
		startTimeout: DefaultPluginStartTimeout,
		fields:       DefaultPluginFields,
	}
}

// WithPluginDiscovery sets whether the Manager looks for plugin executables
// (procman-plugin-NAME in the directories of $PROCMAN_PLUGIN_PATH, then
// $PATH, or of WithPluginSearchPath). It does not by default: a Manager
// runs exactly the config it is given, changed only by the plugins of
// WithPlugin. The procman command turns discovery on.
func WithPluginDiscovery(on bool) Option {
	return func(s *settings) { s.plugins.discovery = on }
}

// WithPluginSearchPath turns plugin discovery on, searching pluginPath,
// then path, instead of the process's $PROCMAN_PLUGIN_PATH and $PATH. Both
// are lists in the form of $PATH.
func WithPluginSearchPath(pluginPath, path string) Option {
	return func(s *settings) {
		s.plugins.discovery = true
		s.plugins.searchPath = &[2]string{pluginPath, path}
	}
}

// WithPlugin adds p to the plugins of every Start, run in this process:
// for embedders whose enhancement is Go code of their own, and for tests.
// Its calls get the same deadlines and the same checks as a plugin
// executable's, but a call that overruns its deadline keeps running in its
// goroutine until it returns.
func WithPlugin(p sdk.Plugin) Option {
	return func(s *settings) { s.plugins.inProcess = append(s.plugins.inProcess, p) }
}

// WithBuiltinPlugins sets whether the Manager runs procman's built-in
// plugins, nvm, jenv and pyenv (the packages under builtin-plugins), in
// this process, with the same deadlines and checks as any plugin: node,
// java and python then resolve as those tools would choose for each
// process's directory, with nothing to install. With discovery on, a
// plugin executable found under the same name (procman-plugin-nvm, ...)
// replaces the built-in one, which Plugins then reports as shadowed. A
// Manager does not run them by default; the procman command does, unless
// --no-plugins.
func WithBuiltinPlugins(on bool) Option {
	return func(s *settings) { s.plugins.builtins = on }
}

// WithOnlyPlugins limits the plugins that run to those named. With no
// names, no plugin runs.
func WithOnlyPlugins(names ...string) Option {
	return func(s *settings) { s.plugins.only = append([]string{}, names...) }
}

// WithPluginPriority makes the plugin called name run at priority instead
// of the priority it asks for. Lower runs first.
func WithPluginPriority(name string, priority int) Option {
	return func(s *settings) {
		if s.plugins.priorities == nil {
			s.plugins.priorities = make(map[string]int)
		}
		s.plugins.priorities[name] = priority
	}
}

// WithPluginCallTimeout sets the deadline of each call of a plugin
// (Applicable, Enhance). The default is DefaultPluginCallTimeout. A plugin
// executable that misses it is killed, and started again on next use.
func WithPluginCallTimeout(d time.Duration) Option {
	return func(s *settings) { s.plugins.callTimeout = d }
}

// WithPluginStartTimeout sets how long a plugin executable may take to
// start and answer its first call. The default is
// DefaultPluginStartTimeout.
func WithPluginStartTimeout(d time.Duration) Option {
	return func(s *settings) { s.plugins.startTimeout = d }
}

// WithPluginFields sets which fields of a config plugins may change; a
// result that changes any other is dropped. The default is
// DefaultPluginFields. User, Group, NoNewPrivileges and Limits are never
// a plugin's to change: a result that changes one is dropped whatever
// fields says.
func WithPluginFields(fields Field) Option {
	return func(s *settings) { s.plugins.fields = fields }
}
