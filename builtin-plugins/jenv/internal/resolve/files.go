package resolve

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/procman-dev/procman/builtin-plugins/internal/textfile"
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
	data, err := textfile.Head(path, readLimit)
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
	data, err := textfile.Head(path, readLimit)
	line, _, _ := strings.Cut(data, "\n")
	return line, err
}

// splitWords splits s into words as the shell does with its default
// separators: at runs of spaces, tabs and newlines.
func splitWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' })
}
