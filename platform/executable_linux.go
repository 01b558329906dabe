package platform

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Executable is a program image the process carries inside itself (a helper
// embedded with go:embed) made runnable, so that an embedding program needs
// no file installed beside it. The image lives in an anonymous memory file;
// where the system forbids executing those, in a private temporary file.
type Executable struct {
	// Path is what to pass to execve. It names a descriptor of this process
	// (/proc/self/fd/N), valid in a child between fork and exec, or a file.
	Path string

	file *os.File
}

// NewExecutable makes image runnable under name (which ps shows only when
// the image is exec'd from a file; helpers set their own name).
func NewExecutable(name string, image []byte) (*Executable, error) {
	e, err := memExecutable(name, image)
	if err == nil {
		return e, nil
	}
	e, fileErr := fileExecutable(name, image)
	if fileErr != nil {
		return nil, fmt.Errorf("helper %s: memory file: %v; temporary file: %w", name, err, fileErr)
	}
	return e, nil
}

// Close frees the image. Children already started keep running.
func (e *Executable) Close() error {
	if e.file == nil {
		return nil
	}
	err := e.file.Close()
	if filepath.IsAbs(e.Path) && !isProcFD(e.Path) {
		os.Remove(e.Path)
	}
	return err
}

func isProcFD(path string) bool {
	return len(path) > len("/proc/self/fd/") && path[:len("/proc/self/fd/")] == "/proc/self/fd/"
}

// mfdExec is MFD_EXEC (Linux 6.3): without it newer kernels may refuse, or
// warn about, executable memory files.
const mfdExec = 0x10

func memExecutable(name string, image []byte) (*Executable, error) {
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING|mfdExec)
	if errors.Is(err, unix.EINVAL) { // before Linux 6.3
		fd, err = unix.MemfdCreate(name, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	}
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), name)
	if _, err := f.Write(image); err != nil {
		f.Close()
		return nil, err
	}
	// Sealed, the image can no longer be changed by anyone holding the file.
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		f.Close()
		return nil, err
	}
	e := &Executable{Path: fmt.Sprintf("/proc/self/fd/%d", fd), file: f}
	if err := probe(e.Path); err != nil {
		f.Close()
		return nil, err
	}
	return e, nil
}

func fileExecutable(name string, image []byte) (*Executable, error) {
	// Named after this process, like its socket directories, so that a
	// reaper sweeps the directory should the process die before it is
	// removed, a few lines below.
	host, err := HostName()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "procman-"+host+"-helper-*")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, name)
	err = os.WriteFile(path, image, 0o500)
	if err == nil {
		err = probe(path)
	}
	if err != nil {
		removeHelperDir(dir, path)
		return nil, err
	}
	// Open, then unlink: the image stays reachable through the descriptor.
	f, err := os.Open(path)
	removeHelperDir(dir, path)
	if err != nil {
		return nil, err
	}
	return &Executable{Path: fmt.Sprintf("/proc/self/fd/%d", f.Fd()), file: f}, nil
}

// removeHelperDir removes dir, made for path alone, with unlink and rmdir:
// unlike os.RemoveAll, which opens the directory to list it, they need no
// descriptor, which may be what ran out.
func removeHelperDir(dir, path string) {
	os.Remove(path)
	os.Remove(dir)
}

// probe checks that the system lets this process execute path: a mounted
// noexec file system or a memfd_noexec policy fails here, not at spawn.
func probe(path string) error {
	return unix.Faccessat(unix.AT_FDCWD, path, unix.X_OK, unix.AT_EACCESS)
}
