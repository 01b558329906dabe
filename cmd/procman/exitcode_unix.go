//go:build unix

package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

// missingToExecute says which file, other than the program at path, the
// kernel could not find to execute it: the interpreter its "#!" line
// names, or one that cannot be told (the dynamic loader, say).
func missingToExecute(path string) string {
	if interp := interpreter(path); interp != "" && !exists(interp) {
		return fmt.Sprintf("its interpreter %s does not exist", interp)
	}
	return "an interpreter it needs (#! line or dynamic loader) does not exist"
}

// interpreter returns the interpreter named on the "#!" line of the file at
// path, or "" when there is none.
func interpreter(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	// Linux reads at most 256 bytes of a "#!" line.
	line, _ := bufio.NewReader(io.LimitReader(f, 256)).ReadString('\n')
	rest, ok := strings.CutPrefix(line, "#!")
	if !ok {
		return ""
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return ""
	}
	return fields[0]
}
