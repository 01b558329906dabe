package resolve

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// findUp returns the path of the first of names that exists in dir or in
// one of its parents, the root directory excepted, looking in each
// directory for every name in turn; "" when there is none.
func findUp(ctx context.Context, dir string, names ...string) (string, error) {
	for d := filepath.Clean(dir); filepath.Dir(d) != d; d = filepath.Dir(d) {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		for _, name := range names {
			if path := filepath.Join(d, name); exists(path) {
				return path, nil
			}
		}
	}
	return "", nil
}

// firstExisting returns the first of paths that exists, or "".
func firstExisting(paths ...string) string {
	for _, path := range paths {
		if exists(path) {
			return path
		}
	}
	return ""
}

// exists is the shell's test -e: path exists, or, for a symbolic link, what
// it points to.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// readLimit bounds what is read of a version or options file, of which
// jenv wants one word or one line.
const readLimit = 64 << 10

// readFirstWord returns the first word of the first line of path that is
// not blank, as jenv version-file-read reads it (see firstWord).
func readFirstWord(path string) (string, error) {
	data, err := readHead(path)
	if err != nil {
		return "", err
	}
	return firstWord(data), nil
}

// firstWord returns the first word of the first line of data that is not
// blank, '\r' removed; "" when there is none.
func firstWord(data string) string {
	for line := range strings.Lines(data) {
		if words := splitWords(line); len(words) > 0 {
			if word := strings.ReplaceAll(words[0], "\r", ""); word != "" {
				return word
			}
		}
	}
	return ""
}

// readFirstLine returns the first line of path, without its newline.
func readFirstLine(path string) (string, error) {
	data, err := readHead(path)
	line, _, _ := strings.Cut(data, "\n")
	return line, err
}

// readHead returns the first readLimit bytes of the regular file at path,
// or all of it if it is shorter. Anything else is an error, rather than a
// wait: a named pipe in the place of a version file, which jenv itself
// would wait on for ever, is not opened for good (the open does not block)
// and is refused.
func readHead(path string) (string, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil {
		return "", err
	} else if !info.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, readLimit))
	return string(data), err
}

// splitWords splits s into words as the shell does with its default
// separators: at runs of spaces, tabs and newlines.
func splitWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' })
}
