package project

import (
	"fmt"
	"strings"
)

// parseProcfile fills proj from data, a Procfile named file in problems,
// and returns the problems found. A Procfile is foreman's format: one
// process a line, NAME: COMMAND, the command run by /bin/sh -c in the
// file's directory; blank lines and lines starting with # are skipped.
func parseProcfile(proj *Project, file string, data []byte) []Problem {
	proj.Procfile = true
	var problems []Problem
	problem := func(line int, field, format string, args ...any) {
		problems = append(problems, Problem{File: file, Line: line, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	lines := make(map[string]int) // the line of each process
	for i, text := range strings.Split(string(data), "\n") {
		line := i + 1
		text = strings.TrimSpace(text)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		name, command, ok := strings.Cut(text, ":")
		name, command = strings.TrimSpace(name), strings.TrimSpace(command)
		if !ok {
			problem(line, "", "want NAME: COMMAND")
			continue
		}
		if first, ok := lines[name]; ok {
			problem(line, name, "duplicate process (first at line %d)", first)
			continue
		}
		lines[name] = line
		if !validName(name) {
			problem(line, "", "%s", badName(name))
		}
		if command == "" {
			problem(line, name, "empty command")
		}
		proj.Processes = append(proj.Processes, &Process{
			Name:       name,
			Line:       line,
			Command:    []string{"/bin/sh", "-c", command},
			WorkingDir: proj.Dir,
			Shutdown:   defaultShutdown,
			Replicas:   1,
		})
	}
	if len(lines) == 0 && len(problems) == 0 {
		problem(0, "", "no processes: want a line NAME: COMMAND")
	}
	return problems
}
