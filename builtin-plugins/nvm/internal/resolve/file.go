package resolve

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// maxFileSize bounds what is read of a .nvmrc or an alias file, which name
// one version: a larger file is refused rather than read into memory.
const maxFileSize = 64 << 10

// errTooLarge is matched by the error for a file over maxFileSize.
var errTooLarge = errors.New("larger than 64 KiB")

// readSmallFile returns the content of the regular file at path, which
// must hold at most maxFileSize bytes. It does not wait for a writer when
// path has been replaced by a named pipe since it was looked at: the open
// does not block, and anything but a regular file is refused.
func readSmallFile(path string) (string, error) {
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
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return "", err
	}
	if len(data) > maxFileSize {
		return "", fmt.Errorf("%s is %w", path, errTooLarge)
	}
	return string(data), nil
}
