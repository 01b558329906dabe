package project

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The YAML tags of plain scalars, as yaml.Node.ShortTag resolves them.
const (
	nullTag  = "!!null"
	boolTag  = "!!bool"
	intTag   = "!!int"
	floatTag = "!!float"
	strTag   = "!!str"
	mergeTag = "!!merge"
)

// Fields of process-compose that procman up does not support, by the
// section they are in: procman names them as such rather than as unknown.
var (
	processComposeTopFields = []string{
		"log_level", "log_length", "log_configuration", "log_format", "shell",
		"is_strict", "vars", "env_cmds", "extends", "disable_env_expansion",
		"is_tui_disabled", "ordered_shutdown",
	}
	processComposeProcessFields = []string{
		"entrypoint", "log_configuration", "ready_log_line", "disable_ansi_colors",
		"namespace", "vars", "is_foreground", "is_tty", "is_elevated",
		"launch_timeout_seconds",
	}
	processComposeAvailabilityFields = []string{"exit_on_skipped"}
	processComposeShutdownFields     = []string{"command", "parent_only"}
	processComposeHTTPGetFields      = []string{"method", "status_code"}
)

// A checker reads one procman.yaml, collecting every problem rather than
// stopping at the first.
type checker struct {
	file     string // the file's path in problems, as given to Load
	dir      string // the file's absolute directory
	problems []Problem
	// dependencyLines holds the line of each entry of a process's
	// depends_on, in the order of Process.DependsOn.
	dependencyLines map[*Process][]int
}

// parseYAML fills proj from data, a procman.yaml named file in problems,
// and returns the problems found.
func parseYAML(proj *Project, file string, data []byte) []Problem {
	c := &checker{file: file, dir: proj.Dir, dependencyLines: make(map[*Process][]int)}
	root, ok := c.document(data)
	if !ok {
		return c.problems
	}
	var processes *entry
	for _, e := range c.entries(root, "") {
		switch e.key.Value {
		case "version":
			// Accepted for process-compose's files; it changes nothing.
		case "environment":
			proj.Environment = c.environment(e.value, "environment")
		case "log_location":
			proj.LogLocation = c.path(e.value, "log_location")
		case "processes":
			processes = &e
		default:
			c.unknown(e.key, "", processComposeTopFields)
		}
	}
	if processes == nil {
		c.problem(root, "processes", "required")
		return c.problems
	}
	proj.Processes = c.processes(processes)
	c.checkDependencies(proj.Processes)
	c.checkReplicaNames(proj.Processes)
	return c.problems
}

// document returns the top node of data's one YAML document; an empty
// file is an empty mapping. It returns false after a syntax error.
func (c *checker) document(data []byte) (*yaml.Node, bool) {
	empty := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return empty, true
	} else if err != nil {
		c.syntaxError(err)
		return nil, false
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		c.problem(&next, "", "a second YAML document: want one")
	case !errors.Is(err, io.EOF):
		c.syntaxError(err)
	}
	if len(doc.Content) == 0 {
		return empty, true
	}
	return doc.Content[0], true
}

// syntaxError adds the problem of err, a YAML syntax error. yaml.v3 gives
// those no type, only the text "yaml: line N: MESSAGE", from which the
// line is taken; should the text change, the message stays whole.
func (c *checker) syntaxError(err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, after, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil {
				line, msg = n, after
			}
		}
	}
	c.problemAt(line, "", "%s", msg)
}

// problem adds a problem at n's line.
func (c *checker) problem(n *yaml.Node, field, format string, args ...any) {
	c.problemAt(n.Line, field, format, args...)
}

// problemAt adds a problem at a line.
func (c *checker) problemAt(line int, field, format string, args ...any) {
	c.problems = append(c.problems, Problem{File: c.file, Line: line, Field: field, Message: fmt.Sprintf(format, args...)})
}

// wrongType adds the problem of n not being what field wants.
func (c *checker) wrongType(n *yaml.Node, field, want string) {
	c.problem(n, field, "want %s, got %s", want, describe(n))
}

// unknown adds the problem of key, a key procman does not know in the
// mapping at field. Keys starting with "x-" are extensions, left for other
// tools as process-compose leaves them: they are no problem.
func (c *checker) unknown(key *yaml.Node, field string, processCompose []string) {
	switch {
	case strings.HasPrefix(key.Value, "x-"):
	case slices.Contains(processCompose, key.Value):
		c.problem(key, field, "%q is a process-compose field procman up does not support", key.Value)
	default:
		c.problem(key, field, "unknown field %q", key.Value)
	}
}

// entry is one key of a YAML mapping with its value, aliases resolved.
type entry struct {
	key, value *yaml.Node
}

// entries returns the entries of n, the mapping at field; nothing (null)
// is an empty mapping. Merge keys (<<) bring in the entries of the
// mappings they name, after n's own, which take precedence. A key that is
// not a string, or that is there twice, is a problem and left out; so are
// all the entries of n when n is not a mapping.
func (c *checker) entries(n *yaml.Node, field string) []entry {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		c.wrongType(n, field, "a mapping")
		return nil
	}
	lines := make(map[string]int) // the line of each key there
	var list []entry
	var merged []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := resolve(n.Content[i]), resolve(n.Content[i+1])
		if key.Kind != yaml.ScalarNode {
			c.wrongType(key, field, "a name as key")
			continue
		}
		if first, ok := lines[key.Value]; ok {
			c.problem(key, field, "duplicate key %q (first at line %d)", key.Value, first)
			continue
		}
		lines[key.Value] = key.Line
		if key.ShortTag() == mergeTag {
			merged = append(merged, value)
			continue
		}
		list = append(list, entry{key, value})
	}
	for _, m := range merged {
		sources := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			sources = m.Content
		}
		for _, source := range sources {
			for _, e := range c.entries(source, field) {
				if _, ok := lines[e.key.Value]; !ok {
					lines[e.key.Value] = e.key.Line
					list = append(list, e)
				}
			}
		}
	}
	return list
}

// resolve returns the node that n stands for: n itself, or the node an
// alias (*name) names.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is nothing: an empty value, null or ~.
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == nullTag
}

// describe names what n is in a problem: the quoted text of a scalar,
// "nothing", "a list" or "a mapping".
func describe(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case isNull(n):
		return "nothing"
	}
	return strconv.Quote(n.Value)
}

// text returns the string n holds: any scalar is taken as its text, as
// process-compose does (a description of 42 is "42"); nothing is "".
func (c *checker) text(n *yaml.Node, field string) string {
	n = resolve(n)
	switch {
	case isNull(n):
		return ""
	case n.Kind != yaml.ScalarNode:
		c.wrongType(n, field, "a string")
		return ""
	}
	return n.Value
}

// boolean returns the boolean n holds.
func (c *checker) boolean(n *yaml.Node, field string) bool {
	n = resolve(n)
	var b bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != boolTag || n.Decode(&b) != nil {
		c.wrongType(n, field, "true or false")
	}
	return b
}

// integer returns the integer n holds, and whether it holds one.
func (c *checker) integer(n *yaml.Node, field string) (int, bool) {
	n = resolve(n)
	var i int
	if n.Kind != yaml.ScalarNode || n.ShortTag() != intTag || n.Decode(&i) != nil {
		c.wrongType(n, field, "an integer")
		return 0, false
	}
	return i, true
}

// count returns the integer n holds, which must be least or more.
func (c *checker) count(n *yaml.Node, field string, least int) int {
	i, ok := c.integer(n, field)
	if ok && i < least {
		c.problem(n, field, "want %d or more, got %d", least, i)
	}
	return i
}
