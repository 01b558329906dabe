package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/printable"
	"github.com/procman-dev/procman/sdk"
)

const explainUsage = `Usage: procman explain [flags] [--] COMMAND [ARGS...]

Show what 'procman run' with the same flags would start for COMMAND, and
what each plugin changed, without starting it: the final command (its
resolved path), arguments, working directory, log file and environment,
then each plugin in the order it ran, with its version, its priority,
whether it applied, every change it made and every warning. It takes
every flag of run, with the same meaning, and --json.

Flags:
` + runFlagsHelp + `  --json            print one JSON object instead:
                    {"config": {"command", "args", "dir", "env", "log_file",
                       "user", "group", "no_new_privileges", "limits":
                       {"memory", "cpus", "tasks", "nice", "rlimits":
                       [{"resource", "soft", "hard"}]}},
                     "plugins": [{"name", "version", "priority", "path",
                       "applicable", "changes": [{"field", "old", "new",
                       "added", "removed"}], "notes", "warning",
                       "duration_ms"}],
                     "warnings": [...], "error": "..."}
                    error is empty when run would start COMMAND

Plugins:
` + pluginsHelp + `
Exit status:
  0 when run would start COMMAND; when it would not, the status run would
  exit with (127 when COMMAND is not found, 126 when it cannot be executed,
  2 for an invalid configuration), after the report. 2 for bad flags.
`

// explainOptions are the flags and arguments of the explain subcommand:
// those of run, and --json.
type explainOptions struct {
	runOptions
	json bool
}

// explain is the explain subcommand.
func explain(args []string) int {
	opts, err := parseExplainFlags(args)
	cfg, status, ok := commandConfig("explain", explainUsage, opts.runOptions, err)
	if !ok {
		return status
	}
	opts.noExecutables = handOver(!opts.noPlugins, opts.plugins)
	logger := opts.logger()
	m := host.New(opts.hostOptions(logger)...)
	ctx := context.Background()
	final, report, err := m.Explain(ctx, cfg)
	if err == nil && (opts.containment != host.Automatic || opts.minimum != host.Automatic) {
		// Asked about containment, explain finds out as run would, by
		// trying; otherwise it starts no procman-init and no reaper.
		if _, cerr := m.Containment(); cerr != nil {
			path, _ := final.Resolve()
			err = &host.StartError{Command: path, Fault: host.HostFault, Err: cerr}
		}
	}
	closeManager(ctx, m, logger)
	warnMissingPlugins(logger, opts.plugins, report)
	if err == nil {
		// Show the program that would run, as the Manager resolves it.
		var path string
		if path, err = final.Resolve(); err == nil {
			final.Command = path
		}
	}
	status = 0
	var problem string
	if err != nil {
		problem, status = startFailure(err)
	}
	if opts.json {
		err = writeExplainJSON(os.Stdout, final, report, problem)
	} else {
		err = writeExplanation(os.Stdout, final, report)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "procman:", err)
		return exitFailure
	}
	if problem != "" {
		fmt.Fprintln(os.Stderr, "procman:", problem)
	}
	return status
}

// parseExplainFlags parses the arguments of the explain subcommand. It
// returns flag.ErrHelp for -h.
func parseExplainFlags(args []string) (explainOptions, error) {
	opts := explainOptions{runOptions: defaultRunOptions()}
	fs := newFlagSet("procman explain")
	opts.define(fs)
	fs.BoolVar(&opts.json, "json", false, "")
	err := opts.parse(fs, args)
	return opts, err
}

// writeExplanation writes the human form of explain's report. Values that
// are not plain printable text are Go-quoted, so that every line stays one
// line and every value can be told from its neighbours.
func writeExplanation(w io.Writer, cfg sdk.ProcessConfig, report host.Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Command:  %s\n", display(cfg.Command))
	if len(cfg.Args) == 0 {
		b.WriteString("Args:     none\n")
	} else {
		fmt.Fprintf(&b, "Args:     %s\n", strings.Join(quoteAll(cfg.Args), " "))
	}
	fmt.Fprintf(&b, "Dir:      %s\n", display(cfg.Dir))
	if cfg.LogFile == "" {
		b.WriteString("LogFile:  none (output goes to procman's stdout and stderr)\n")
	} else {
		fmt.Fprintf(&b, "LogFile:  %s\n", display(cfg.LogFile))
	}
	if cfg.User != "" {
		fmt.Fprintf(&b, "User:     %s\n", display(cfg.User))
	}
	if cfg.Group != "" {
		fmt.Fprintf(&b, "Group:    %s\n", display(cfg.Group))
	}
	if limits := describeLimits(cfg); limits != "" {
		fmt.Fprintf(&b, "Limits:   %s\n", limits)
	}
	b.WriteString("Env:\n")
	for _, key := range slices.Sorted(maps.Keys(cfg.Env)) {
		fmt.Fprintf(&b, "  %s=%s\n", display(key), display(cfg.Env[key]))
	}
	if len(report.Steps) == 0 {
		b.WriteString("\nPlugins: none ran\n")
	} else {
		b.WriteString("\nPlugins, in the order they ran:\n")
	}
	for _, step := range report.Steps {
		kind := ""
		if step.BuiltIn {
			kind = " (built in)"
		}
		fmt.Fprintf(&b, "  %s %s%s, priority %d: %s (%v)\n",
			step.Plugin, orUnknown(step.Version), kind, step.Priority, outcome(step), step.Duration.Round(10*time.Microsecond))
		for _, note := range step.Notes {
			fmt.Fprintf(&b, "    note: %s\n", printable.String(note))
		}
		for _, change := range step.Changes {
			fmt.Fprintf(&b, "    %s\n", describeChange(change))
		}
		if step.Warning != "" {
			fmt.Fprintf(&b, "    warning: %s\n", printable.String(step.Warning))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// outcome says in words what came of a plugin step.
func outcome(step host.PluginStep) string {
	switch {
	case step.Applicable && step.Warning != "":
		return "applicable, change dropped"
	case step.Applicable:
		return "applicable"
	case step.Warning != "":
		// It did not answer whether it applies.
		return "failed"
	}
	return "not applicable"
}

func orUnknown(version string) string {
	if version == "" {
		return "(version unknown)"
	}
	return version
}

// describeChange writes a change as "+ KEY=value" for a variable added,
// "- KEY" for one removed, the entries added to and removed from PATH (see
// describePathChange), and "Field: old -> new" for the rest; a change may
// take several lines.
func describeChange(c host.Change) string {
	key, isEnv := strings.CutPrefix(c.Field, "Env[")
	key = strings.TrimSuffix(key, "]")
	switch {
	case isEnv && c.Added:
		return "+ " + display(key) + "=" + display(c.New)
	case isEnv && c.Removed:
		return "- " + display(key)
	case isEnv && strings.EqualFold(key, "PATH"):
		if lines := describePathChange(c.Old, c.New); lines != nil {
			prefix := c.Field + ": "
			return prefix + strings.Join(lines, "\n"+strings.Repeat(" ", len(prefix)))
		}
	case c.Field == "Args":
		// Host gives the arguments in Go-quoted form already.
		return "Args: " + orNone(c.Old) + " -> " + orNone(c.New)
	}
	return c.Field + ": " + display(c.Old) + " -> " + display(c.New)
}

// describePathChange lists the entries added to the search path list old
// to make new, each with where it went ("first", "last", or after which
// entry), and the entries removed; nil when new only reorders old's
// entries, which "old -> new" shows better.
func describePathChange(old, new string) []string {
	oldList := filepath.SplitList(old)
	newList := filepath.SplitList(new)
	var lines []string
	for i, entry := range newList {
		if slices.Contains(oldList, entry) {
			continue
		}
		where := "first"
		switch {
		case i == len(newList)-1 && i > 0:
			where = "last"
		case i > 0:
			where = "after " + display(newList[i-1])
		}
		lines = append(lines, "+ "+display(entry)+" ("+where+")")
	}
	for _, entry := range oldList {
		if !slices.Contains(newList, entry) {
			lines = append(lines, "- "+display(entry))
		}
	}
	return lines
}

func orNone(args string) string {
	if args == "" {
		return "[]"
	}
	return args
}

// display returns s as it is when it is plain printable text, and
// Go-quoted otherwise (empty, or with quotes, control characters, invalid
// UTF-8, or backslashes other than Windows' path separators: see
// plainText).
func display(s string) string {
	if s != "" && plainText(s) {
		return s
	}
	return strconv.Quote(s)
}

// quotesAs reports whether s is its own Go-quoted form, less the quotes.
func quotesAs(s string) bool {
	q := strconv.Quote(s)
	return q[1:len(q)-1] == s
}

func quoteAll(args []string) []string {
	quoted := make([]string, len(args))
	for i, arg := range args {
		quoted[i] = strconv.Quote(arg)
	}
	return quoted
}

// The output of explain --json.
type (
	explainJSON struct {
		Config   configJSON `json:"config"`
		Plugins  []stepJSON `json:"plugins"`
		Warnings []string   `json:"warnings"`
		Error    string     `json:"error"` // empty when the config would start
	}
	configJSON struct {
		Command         string            `json:"command"`
		Args            []string          `json:"args"`
		Dir             string            `json:"dir"`
		Env             map[string]string `json:"env"`
		LogFile         string            `json:"log_file"`
		User            string            `json:"user"`
		Group           string            `json:"group"`
		NoNewPrivileges bool              `json:"no_new_privileges"`
		Limits          limitsJSON        `json:"limits"`
	}
	limitsJSON struct {
		Memory  int64        `json:"memory"` // bytes
		CPUs    float64      `json:"cpus"`
		Tasks   int          `json:"tasks"`
		Nice    *int         `json:"nice"` // null when not set
		Rlimits []rlimitJSON `json:"rlimits"`
	}
	// rlimitJSON's values are strings: a number, or "unlimited".
	rlimitJSON struct {
		Resource string `json:"resource"`
		Soft     string `json:"soft"`
		Hard     string `json:"hard"`
	}
	stepJSON struct {
		Name       string       `json:"name"`
		Version    string       `json:"version"`
		Priority   int          `json:"priority"`
		Path       string       `json:"path"`    // empty for a plugin run inside procman
		BuiltIn    bool         `json:"builtin"` // one of procman's own
		Applicable bool         `json:"applicable"`
		Changes    []changeJSON `json:"changes"`
		Notes      []string     `json:"notes"`
		Warning    string       `json:"warning"`
		DurationMS float64      `json:"duration_ms"`
	}
	// changeJSON's Old and New are strings, but for Args: lists.
	changeJSON struct {
		Field   string `json:"field"`
		Old     any    `json:"old"`
		New     any    `json:"new"`
		Added   bool   `json:"added"`
		Removed bool   `json:"removed"`
	}
)

func writeExplainJSON(w io.Writer, cfg sdk.ProcessConfig, report host.Report, problem string) error {
	out := explainJSON{
		Config: configJSON{
			Command: cfg.Command,
			Args:    orEmpty(cfg.Args),
			Dir:     cfg.Dir,
			Env:     cfg.Env,
			LogFile: cfg.LogFile,
			User:    cfg.User, Group: cfg.Group, NoNewPrivileges: cfg.NoNewPrivileges,
			Limits: limitsJSON{Memory: cfg.Limits.Memory, CPUs: cfg.Limits.CPU, Tasks: cfg.Limits.Tasks,
				Nice: cfg.Limits.Nice, Rlimits: make([]rlimitJSON, 0, len(cfg.Limits.Rlimits))},
		},
		Plugins:  make([]stepJSON, 0, len(report.Steps)),
		Warnings: orEmpty(report.Warnings()),
		Error:    problem,
	}
	if out.Config.Env == nil {
		out.Config.Env = map[string]string{}
	}
	for _, r := range cfg.Limits.Rlimits {
		out.Config.Limits.Rlimits = append(out.Config.Limits.Rlimits,
			rlimitJSON{r.Resource, sdk.FormatRlimitValue(r.Soft), sdk.FormatRlimitValue(r.Hard)})
	}
	for _, step := range report.Steps {
		s := stepJSON{
			Name:       step.Plugin,
			Version:    step.Version,
			Priority:   step.Priority,
			Path:       step.Path,
			BuiltIn:    step.BuiltIn,
			Applicable: step.Applicable,
			Changes:    make([]changeJSON, 0, len(step.Changes)),
			Notes:      orEmpty(step.Notes),
			Warning:    step.Warning,
			DurationMS: math.Round(float64(step.Duration)/float64(time.Microsecond)) / 1000,
		}
		for _, c := range step.Changes {
			change := changeJSON{Field: c.Field, Old: c.Old, New: c.New, Added: c.Added, Removed: c.Removed}
			if c.Field == "Args" {
				change.Old, change.New = orEmpty(c.OldArgs), orEmpty(c.NewArgs)
			}
			s.Changes = append(s.Changes, change)
		}
		out.Plugins = append(out.Plugins, s)
	}
	return writeJSON(w, out)
}

// orEmpty returns list, or an empty list for nil, so that JSON shows [],
// not null.
func orEmpty(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}
