package project

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong in a project file.
type Problem struct {
	// File is the file's path, as given to Load.
	File string
	// Line is the line of the file the problem is at, counting from 1;
	// 0 for a problem of the whole file (an empty one has no processes)
	// or a YAML syntax error reported without a line.
	Line int
	// Field is the dotted path of the field the problem is in, such as
	// processes.web.readiness_probe.period_seconds; empty for a problem
	// of no field (an unknown top-level key, a YAML syntax error).
	Field string
	// Message says what is wrong.
	Message string
}

// Error returns the problem as FILE:LINE: FIELD: MESSAGE, leaving out
// LINE when it is 0 and FIELD when it is empty.
func (p Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// FileError is Load's error for a project file whose content is wrong: it
// holds every problem found in the file, not only the first.
type FileError struct {
	// Problems are the file's problems, by line; there is at least one.
	Problems []Problem
}

// Error returns the problems, one a line.
func (e *FileError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}
