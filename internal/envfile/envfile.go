// Package envfile parses env files: files of KEY=VALUE lines that set a
// program's environment variables, as procman run --env-file and a project
// file's env_file name them.
package envfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"

	"github.com/procman-dev/procman/sdk"
)

// Var is one KEY=VALUE line of an env file.
type Var struct{ Key, Value string }

// maxLine is the longest line of an env file, in bytes without its end.
// No system passes a variable that long to a program: the limit only
// bounds what a mistaken file (a binary, a log) costs to read.
const maxLine = 1 << 20

// Parse parses r, an env file named name in errors. Every line is
// KEY=VALUE, split as Cut splits it (so on Windows a leading '=' is part
// of the key, as in =C:), with the value taken verbatim up to the end of
// the line (no quotes, escapes or expansion); lines whose first non-blank
// character is '#', and blank lines, are skipped. Both "\n" and "\r\n" end
// a line, and a UTF-8 byte-order mark at the start of the file is skipped.
// Every variable obeys sdk.ValidateEnvVar, and no line is longer than
// 1 MiB. An error is one line that names the file and the line, as in
// "vars.env:3: malformed line: want KEY=VALUE"; an error of r is wrapped.
// The variables are returned in the order of the file, a key that is
// repeated as many times as it appears.
func Parse(r io.Reader, name string) ([]Var, error) {
	var vars []Var
	sc := bufio.NewScanner(r)
	// Room for a line of maxLine bytes and its "\r\n", so that a longer
	// one is told by its length, whatever its end.
	sc.Buffer(nil, maxLine+2)
	n := 0
	for sc.Scan() {
		n++
		text := sc.Text()
		if len(text) > maxLine {
			return nil, errLineTooLong(name, n)
		}
		if n == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		line := strings.TrimLeftFunc(text, unicode.IsSpace)
		if line == "" || line[0] == '#' {
			continue
		}
		key, value, ok := Cut(line)
		if !ok {
			return nil, fmt.Errorf("%s:%d: malformed line: want KEY=VALUE", name, n)
		}
		if err := sdk.ValidateEnvVar(key, value); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		vars = append(vars, Var{key, value})
	}
	switch err := sc.Err(); {
	case errors.Is(err, bufio.ErrTooLong):
		return nil, errLineTooLong(name, n+1)
	case err != nil:
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return vars, nil
}

func errLineTooLong(name string, n int) error {
	return fmt.Errorf("%s:%d: line is longer than %d bytes", name, n, maxLine)
}

// Read opens and parses the env file at path, as Parse does; its errors
// name path. That the file cannot be opened is an *fs.PathError
// (errors.Is(err, fs.ErrNotExist) when there is no such file).
func Read(path string) ([]Var, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f, path)
}
