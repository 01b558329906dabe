package platform

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Executable is a program image the process carries inside itself (a helper
// embedded with go:embed) made runnable, so that an embedding program needs
// no file installed beside it. macOS can execute only files: the image is
// written once to the user's cache directory, under a name made from its
// contents, and shared by every program of the user that carries it.
type Executable struct {
	// Path is what to pass to execve: a file in a directory that only this
	// user (or root) can change.
	Path string
}

// NewExecutable makes image runnable under name: it reuses the cached file
// when its contents are image, and writes it otherwise.
func NewExecutable(name string, image []byte) (*Executable, error) {
	dir, err := helperDir()
	if err != nil {
		return nil, fmt.Errorf("helper %s: %w", name, err)
	}
	sum := sha256.Sum256(image)
	path := filepath.Join(dir, name+"-"+hex.EncodeToString(sum[:8]))
	if have, err := os.ReadFile(path); err == nil && bytes.Equal(have, image) {
		return &Executable{Path: path}, nil
	}
	tmp, err := os.CreateTemp(dir, name+".*")
	if err != nil {
		return nil, fmt.Errorf("helper %s: %w", name, err)
	}
	_, err = tmp.Write(image)
	if err == nil {
		err = tmp.Chmod(0o500)
	}
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("helper %s: %w", name, err)
	}
	return &Executable{Path: path}, nil
}

// Close does nothing: the cached file serves the next program too.
func (e *Executable) Close() error { return nil }

// helperDir returns the directory of cached helpers, made if need be: it
// must belong to this user and be writable by nobody else, or a helper
// another user put there could run as this one.
func helperDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	dir := filepath.Join(base, fmt.Sprintf("procman-%d", os.Geteuid()))
	if err := os.Mkdir(dir, 0o700); err != nil && !os.IsExist(err) {
		return "", err
	}
	info, err := os.Lstat(dir)
	if err != nil {
		return "", err
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	switch {
	case !info.IsDir():
		return "", fmt.Errorf("%s is not a directory", dir)
	case !ok || int(st.Uid) != os.Geteuid():
		return "", fmt.Errorf("%s does not belong to uid %d", dir, os.Geteuid())
	case info.Mode().Perm()&0o022 != 0:
		return "", fmt.Errorf("%s is writable by others (mode %v)", dir, info.Mode())
	}
	return dir, nil
}
