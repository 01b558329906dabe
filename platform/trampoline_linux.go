package platform

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/procman-dev/procman/platform/internal/initimage"
	"golang.org/x/sys/unix"
)

// A program the host starts as its own child is not exec'd by the host's
// fork directly: Go's fork offers no way to close, in the child, the
// descriptors that other goroutines or C code of the host opened without
// O_CLOEXEC, and marking them close-on-exec beforehand races with those
// opens. The child execs procman-init's exec mode instead, a trampoline
// that closes every descriptor but the program's and then execs the
// program in the same process (see exec_program in procman-init.c).

// helperImage is procman-init made runnable, once for the process.
var helperImage struct {
	mu  sync.Mutex
	exe *Executable
	err error
}

// initExecutable returns procman-init made runnable. A failure that may
// pass (out of descriptors or memory) is tried again by the next call.
func initExecutable() (*Executable, error) {
	helperImage.mu.Lock()
	defer helperImage.mu.Unlock()
	if helperImage.exe == nil && (helperImage.err == nil || transient(helperImage.err)) {
		if initimage.Image == nil {
			helperImage.err = fmt.Errorf("procman-init is not built for %s/%s", runtime.GOOS, runtime.GOARCH)
		} else {
			helperImage.exe, helperImage.err = NewExecutable("procman-init", initimage.Image)
		}
	}
	return helperImage.exe, helperImage.err
}

// trampoline returns what to fork and exec so that the program at path
// runs with args and files (its descriptors 0, 1, 2, ...) through exe's
// exec mode, which reports its exec's failure on report, the write end of
// an execReport. files is extended: the report, the program (when it is a
// descriptor of this process) and the trampoline are passed as
// descriptors above the program's, so that no descriptor placed for the
// child can replace them before the exec.
func trampoline(exe *Executable, spec Spec, files []uintptr, report uintptr) (string, []string, []uintptr) {
	path, args := spec.Path, spec.Args
	keep := len(files)
	files = append(files, report)
	if fd, ok := procFD(path); ok {
		files = append(files, uintptr(fd))
		path = "" // exec'd through the descriptor
	}
	files = append(files, exe.file.Fd())
	a := attrs(spec)
	if spec.Credential != nil {
		// The directory, entered by the fork as this process's user,
		// is entered again as the program's.
		a += " d"
	}
	return "/proc/self/fd/" + strconv.Itoa(len(files)-1), trampolineArgs(keep, "pipe", strings.TrimPrefix(a, " "), path, args), files
}

// trampolineArgs is the command line of procman-init's exec mode: keep
// descriptors are the program's, report is "pipe" or "stderr", attrs the
// program's credentials and limits (see attrs), path is empty when the
// program is a descriptor.
func trampolineArgs(keep int, report, attrs, path string, args []string) []string {
	return append([]string{"procman-init", "exec", strconv.Itoa(keep), report, attrs, path}, args...)
}

// passPath returns what to exec for path, and files extended: a path
// naming a descriptor of this process (/proc/self/fd/N, an Executable's)
// would name another file once the child's descriptors are in place, so
// the descriptor is passed, above the others, and named there. The
// program inherits it.
func passPath(path string, files []uintptr) (string, []uintptr) {
	fd, ok := procFD(path)
	if !ok {
		return path, files
	}
	files = append(files, uintptr(fd))
	return "/proc/self/fd/" + strconv.Itoa(len(files)-1), files
}

// procFD returns N when path is /proc/self/fd/N.
func procFD(path string) (int, bool) {
	rest, ok := strings.CutPrefix(path, "/proc/self/fd/")
	if !ok {
		return 0, false
	}
	fd, err := strconv.Atoi(rest)
	return fd, err == nil && fd >= 0
}

// An execReport is the pipe on which the trampoline reports its exec's
// failure: end of file once the program runs, else the exec's errno.
type execReport struct {
	r, w int
}

func newExecReport() (*execReport, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return nil, os.NewSyscallError("pipe2", err)
	}
	return &execReport{r: p[0], w: p[1]}, nil
}

// result closes this process's write end, so that the child's is the
// last, and returns the child's report (see attrError), or 0 once the
// program runs.
func (e *execReport) result() (int32, error) {
	e.closeWriter()
	var buf [4]byte
	n := 0
	for n < len(buf) {
		m, err := unix.Read(e.r, buf[n:])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return 0, os.NewSyscallError("read", err)
		}
		if m == 0 {
			break
		}
		n += m
	}
	switch n {
	case 0:
		return 0, nil
	case len(buf):
		return int32(binary.NativeEndian.Uint32(buf[:])), nil
	}
	return 0, fmt.Errorf("procman-init (exec) reported %d bytes", n)
}

func (e *execReport) closeWriter() {
	if e.w >= 0 {
		unix.Close(e.w)
		e.w = -1
	}
}

func (e *execReport) close() {
	e.closeWriter()
	unix.Close(e.r)
}

// PrepareCommand rewrites cmd so that, started (by cmd.Start, or by what
// starts it for the caller, such as go-plugin), it runs the executable
// program is open on with no descriptor of this process but cmd's own:
// 0, 1 and 2, and cmd.ExtraFiles as 3, 4, .... What other goroutines or C
// code of this process open meanwhile without O_CLOEXEC does not leak into
// it, as it would with cmd.Start alone. cmd must be set up (Args, Env,
// Dir, ExtraFiles, SysProcAttr) and not started; program may be opened
// with O_PATH, and must stay open until cmd has started.
//
// The program is executed through program's descriptor (execveat with
// AT_EMPTY_PATH), not by a path, so the file that runs is the one program
// was opened on, whatever its path names by then; cmd.Path is replaced
// and cmd.Args[0] (cmd.Path when Args is empty) becomes the program's
// argv[0]. The program's pid is the started process's: cmd.Process is the
// program. The descriptor is closed on exec, except for a #! script, whose
// interpreter reads the script through /dev/fd/N: the script keeps it
// open.
//
// It is procman-init, in its exec mode, that cmd then starts: it closes
// the other descriptors and executes the program. When the program cannot
// be executed, procman-init writes "procman-init: exec NAME: REASON" to
// cmd's stderr and exits with status 127.
//
// Where procman-init cannot run (a noexec policy on memory files and on
// the temporary directory), PrepareCommand returns the reason, wrapping
// errors.ErrUnsupported, and leaves cmd as it was.
func PrepareCommand(cmd *exec.Cmd, program *os.File) error {
	exe, err := initExecutable()
	if err != nil {
		return fmt.Errorf("prepare command: %w: %w", errors.ErrUnsupported, err)
	}
	args := cmd.Args
	if len(args) == 0 {
		args = []string{cmd.Path}
	}
	keep := 3 + len(cmd.ExtraFiles)
	extra := append(slices.Clip(cmd.ExtraFiles), program, exe.file)
	cmd.Path = "/proc/self/fd/" + strconv.Itoa(keep+1)
	cmd.Args = trampolineArgs(keep, "stderr", "", "", args)
	cmd.ExtraFiles = extra
	cmd.Err = nil // a failed look-up of cmd.Path, which is not used
	return nil
}
