package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/discovery"
	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/printable"
)

const pluginsUsage = `Usage: procman plugins [flags]

List the plugins that run would use, lowest priority (the first to run)
first, then every other procman-plugin-NAME file found and why it is not
used. Every plugin is started, to ask it for its version and priority, and
killed before procman exits.

Plugins are the executables named procman-plugin-NAME in the directories of
PROCMAN_PLUGIN_PATH, then of PATH. The first one found for a NAME is used;
a later one of the same NAME is shadowed. A file is refused when its name is
not a valid plugin name, when it is not an executable regular file, or when
anyone but root and the user running procman could change it or put another
program in its place: the file (symbolic links followed) and every directory
above it, up to /, must belong to root or to that user and be writable by
nobody else (no group or other write permission; /tmp is refused too). It
is checked again each time it is started, and the file checked is the one
that runs. Empty and relative entries of either list, "." included, are
never searched: they are listed as skipped, last, with the other entries
that were not searched and why.

Flags:
  --json            print a JSON array instead of a table: one object per
                    plugin or skipped directory, with the keys name,
                    version, priority (null when not known), path, status,
                    reason, warning and description
  --log-level LEVEL procman's own logging on stderr: trace, debug, info,
                    warn, error or off (default warn)

A plugin whose Info calls it by another name than its file's runs all the
same, under its file's name, with a warning in the reason column.

Status:
  ok            run by run and explain
  failed        would not start; the reason says why
  disabled      failed too often
  shadowed      an earlier plugin of the same name is used instead
  refused       cannot be used safely, or at all; the reason says why
  not selected  left out by --plugin
  skipped       a directory of PROCMAN_PLUGIN_PATH or PATH that was not
                searched (no name); the reason says why

Exit status:
  0, even when some plugins are refused or failed; 2 for bad flags.
`

// plugins is the plugins subcommand.
func plugins(args []string) int {
	asJSON, level, err := parsePluginsFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(os.Stdout, pluginsUsage)
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "procman plugins:", err)
		return exitUsage
	}
	handOver(true, nil)
	logger := hclog.New(&hclog.LoggerOptions{Name: "procman", Level: level, Output: os.Stderr})
	m := host.New(host.WithLogger(logger), host.WithBuiltinPlugins(true), host.WithPluginDiscovery(true))
	ctx := context.Background()
	rows := pluginRows(m.Plugins(ctx), m.PluginDirs(ctx))
	closeManager(ctx, m, logger)
	if asJSON {
		err = writeJSON(os.Stdout, rows)
	} else {
		err = writePluginsTable(os.Stdout, rows)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "procman:", err)
		return exitFailure
	}
	return 0
}

// parsePluginsFlags parses the arguments of the plugins subcommand. It
// returns flag.ErrHelp for -h.
func parsePluginsFlags(args []string) (asJSON bool, level hclog.Level, err error) {
	level = hclog.Warn
	fs := newFlagSet("procman plugins")
	fs.BoolVar(&asJSON, "json", false, "")
	fs.Var((*levelFlag)(&level), "log-level", "")
	if err := parseFlags(fs, args); err != nil {
		return false, level, err
	}
	if fs.NArg() > 0 {
		return false, level, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return asJSON, level, nil
}

// priorityKnown reports whether info's Priority is one the plugin runs at:
// it is not for a file that discovery found but that is not run.
func priorityKnown(info host.PluginInfo) bool {
	switch info.Status {
	case host.PluginShadowed, host.PluginRefused, host.PluginNotSelected:
		return false
	}
	return true
}

// pluginRow is one row of the output: a plugin, or a directory that was
// skipped. As JSON, it is one element of the output of plugins --json.
type pluginRow struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	Priority    *int   `json:"priority"` // null when not known
	Path        string `json:"path"`     // empty for a built-in plugin
	BuiltIn     bool   `json:"builtin"`  // one of procman's own, run inside procman
	Status      string `json:"status"`
	Reason      string `json:"reason"`
	Warning     string `json:"warning"` // what is wrong with a plugin that runs all the same
	Description string `json:"description"`
}

// statusSkipped is the status of a directory that was not searched.
const statusSkipped = "skipped"

// pluginRows returns the rows of the plugins infos, then of the entries of
// dirs that were skipped.
func pluginRows(infos []host.PluginInfo, dirs []discovery.Dir) []pluginRow {
	rows := make([]pluginRow, 0, len(infos))
	for _, info := range infos {
		row := pluginRow{
			Name:        info.Name,
			Version:     info.Version,
			Path:        info.Path,
			BuiltIn:     info.BuiltIn,
			Status:      string(info.Status),
			Reason:      info.Reason,
			Warning:     info.Warning,
			Description: info.Description,
		}
		if priorityKnown(info) {
			row.Priority = &info.Priority
		}
		rows = append(rows, row)
	}
	for _, d := range dirs {
		if d.Skipped != "" {
			rows = append(rows, pluginRow{Path: d.Path, Status: statusSkipped, Reason: d.Source + " entry: " + d.Skipped})
		}
	}
	return rows
}

func writePluginsTable(w io.Writer, rows []pluginRow) error {
	if len(rows) == 0 {
		_, err := fmt.Fprintln(w, "No plugins found in PROCMAN_PLUGIN_PATH or PATH.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tPRIORITY\tPATH\tSTATUS\tREASON")
	for _, row := range rows {
		priority := "-"
		if row.Priority != nil {
			priority = strconv.Itoa(*row.Priority)
		}
		path := row.Path
		if row.BuiltIn {
			path = "(built in)"
		}
		reason := row.Reason
		if row.Warning != "" {
			reason = "warning: " + row.Warning
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n",
			orDash(row.Name), orDash(row.Version), priority, orDash(path), row.Status, orDash(reason))
	}
	return tw.Flush()
}

// orDash returns s, shown so that it cannot act on a terminal (it may be
// a plugin's), or "-" when it is empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return printable.String(s)
}

// writeJSON writes v as indented JSON, with <, > and & as they are.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
