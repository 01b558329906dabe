package resolve

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/procman-dev/procman/builtin-plugins/internal/textfile"
)

// localFileName is the name of the file that sets a directory's versions.
const localFileName = ".python-version"

// findLocalFile returns the first .python-version that is a regular file in
// dir or a directory above it, up to and including "/". A directory that
// cannot be looked into is passed over, as pyenv's test -f does.
func findLocalFile(dir string) (path string, found bool) {
	for {
		path = filepath.Join(dir, localFileName)
		if info, err := os.Stat(path); err == nil && info.Mode().IsRegular() {
			return path, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// maxVersionFileSize bounds what is read of a version file, which names a
// few versions: a larger file is refused rather than read into memory.
const maxVersionFileSize = 64 << 10

// readVersionFile returns the values that the version file at path lists,
// or none if there is no such regular file. A file larger than
// maxVersionFileSize is an error.
func readVersionFile(path string) ([]string, error) {
	if info, err := os.Stat(path); err != nil || !info.Mode().IsRegular() {
		return nil, nil
	}
	data, err := textfile.Read(path, maxVersionFileSize)
	if err != nil {
		return nil, fmt.Errorf("pyenv: reading the version file: %w", err)
	}
	return parseVersionFile(data), nil
}

// parseVersionFile returns the first word of each line of a version file,
// in order, skipping blank lines and words that start with '#'. Words are
// separated by spaces, tabs and '\r', so CRLF line ends do not matter.
func parseVersionFile(data string) []string {
	var values []string
	for line := range strings.SplitSeq(data, "\n") {
		words := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' })
		if len(words) == 0 || strings.HasPrefix(words[0], "#") {
			continue
		}
		values = append(values, words[0])
	}
	return values
}
