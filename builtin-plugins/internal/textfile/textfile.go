// Package textfile reads the small files version managers keep (version
// files, aliases, options) as the built-in plugins must read them: never
// waiting, and never reading without bound.
package textfile

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// Head returns the first n bytes of the regular file at path, or all of it
// if it is shorter. It does not wait for a writer when path is a named
// pipe, as the version managers themselves would for ever: the open does
// not block, and anything but a regular file is refused.
func Head(path string, n int64) (string, error) {
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
	data, err := io.ReadAll(io.LimitReader(f, n))
	return string(data), err
}

// Read returns the content of the regular file at path, as Head does, or a
// *TooLargeError when it holds more than limit bytes: a file that names a
// version is small, and a larger one is refused rather than read into
// memory.
func Read(path string, limit int64) (string, error) {
	data, err := Head(path, limit+1)
	if err != nil {
		return "", err
	}
	if int64(len(data)) > limit {
		return "", &TooLargeError{Path: path, Limit: limit}
	}
	return data, nil
}

// TooLargeError is Read's error for a file of more than Limit bytes.
type TooLargeError struct {
	Path  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than %d KiB", e.Path, e.Limit>>10)
}
