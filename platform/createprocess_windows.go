package platform

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"unicode/utf16"
	"unsafe"

	"golang.org/x/sys/windows"
)

// maxCommandLine is the longest command line CreateProcess takes, in
// UTF-16 code units with the terminating NUL.
const maxCommandLine = 32768

// startInJob starts the program of spec in a job of its own (newJobTree),
// as a member from its creation.
func startInJob(spec Spec) (*Process, error) {
	if len(spec.ExtraFiles) > 0 {
		return nil, fmt.Errorf("start %s: passing files beyond stdin, stdout and stderr: %w", spec.Path, errors.ErrUnsupported)
	}
	t, err := newJobTree()
	if err != nil {
		return nil, err
	}
	// A console program shares the host's console, if the host has one,
	// so that CTRL_BREAK_EVENT can reach it; otherwise it gets a console
	// without a window rather than a window popping up.
	flags := uint32(windows.CREATE_UNICODE_ENVIRONMENT | windows.EXTENDED_STARTUPINFO_PRESENT | windows.CREATE_NEW_PROCESS_GROUP)
	shares := hostHasConsole() && !spec.NewSession
	if !shares {
		flags |= windows.CREATE_NO_WINDOW
	}
	pi, err := createProcess(spec, t.job, flags)
	if err != nil {
		jobPort.forget(t)
		windows.CloseHandle(t.job)
		return nil, err
	}
	windows.CloseHandle(pi.Thread)
	if shares {
		t.group = pi.ProcessId // CREATE_NEW_PROCESS_GROUP: the group is named after its leader
	}
	jobPort.started(t, pi.Process, pi.ProcessId)
	return &Process{Pid: int(pi.ProcessId), tree: t}, nil
}

// createProcess creates the process of spec in job with flags, given
// spec's three files as its standard handles and no other handle.
func createProcess(spec Spec, job windows.Handle, flags uint32) (*windows.ProcessInformation, error) {
	path, err := windows.UTF16PtrFromString(spec.Path)
	if err != nil {
		return nil, fmt.Errorf("start %q: %w", spec.Path, err)
	}
	args := spec.Args
	if len(args) == 0 {
		args = []string{spec.Path}
	}
	cmdLine, err := windows.UTF16FromString(windows.ComposeCommandLine(args))
	if err != nil {
		return nil, fmt.Errorf("start %s: arguments: %w", spec.Path, err)
	}
	if len(cmdLine) > maxCommandLine {
		return nil, &ProgramError{Op: "exec", Path: spec.Path, Err: syscall.E2BIG}
	}
	env, err := environmentBlock(spec.Env)
	if err != nil {
		return nil, fmt.Errorf("start %s: environment: %w", spec.Path, err)
	}
	var dir *uint16
	if spec.Dir != "" {
		if dir, err = windows.UTF16PtrFromString(spec.Dir); err != nil {
			return nil, fmt.Errorf("start %s: directory %q: %w", spec.Path, spec.Dir, err)
		}
	}

	// The child inherits inheritable copies of the three files, and only
	// them (PROC_THREAD_ATTRIBUTE_HANDLE_LIST): whatever else of this
	// process is inheritable stays here.
	self := windows.CurrentProcess()
	inherit := make([]windows.Handle, 0, 3)
	defer func() {
		for _, h := range inherit {
			windows.CloseHandle(h)
		}
	}()
	for _, f := range []*os.File{spec.Stdin, spec.Stdout, spec.Stderr} {
		var h windows.Handle
		if err := windows.DuplicateHandle(self, windows.Handle(f.Fd()), self, &h, 0, true, windows.DUPLICATE_SAME_ACCESS); err != nil {
			return nil, fmt.Errorf("start %s: duplicate %s: %w", spec.Path, f.Name(), err)
		}
		inherit = append(inherit, h)
	}
	jobs := []windows.Handle{job}
	attrs, err := windows.NewProcThreadAttributeList(2)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Path, err)
	}
	defer attrs.Delete()
	if err := attrs.Update(windows.PROC_THREAD_ATTRIBUTE_HANDLE_LIST, unsafe.Pointer(&inherit[0]), uintptr(len(inherit))*unsafe.Sizeof(inherit[0])); err != nil {
		return nil, fmt.Errorf("start %s: handle list: %w", spec.Path, err)
	}
	if err := attrs.Update(procThreadAttributeJobList, unsafe.Pointer(&jobs[0]), unsafe.Sizeof(jobs[0])); err != nil {
		return nil, fmt.Errorf("start %s: job list: %w", spec.Path, err)
	}
	si := &windows.StartupInfoEx{ProcThreadAttributeList: attrs.List()}
	si.Cb = uint32(unsafe.Sizeof(*si))
	si.Flags = windows.STARTF_USESTDHANDLES
	si.StdInput, si.StdOutput, si.StdErr = inherit[0], inherit[1], inherit[2]

	pi := new(windows.ProcessInformation)
	err = windows.CreateProcess(path, &cmdLine[0], nil, nil, true, flags, &env[0], dir, &si.StartupInfo, pi)
	runtime.KeepAlive(spec)
	runtime.KeepAlive(jobs)
	if err != nil {
		return nil, createError(spec, err)
	}
	return pi, nil
}

// environmentBlock returns env as CreateProcess takes it with
// CREATE_UNICODE_ENVIRONMENT: each "KEY=value" NUL-terminated, and one
// more NUL. An empty env gives an empty block, not this process's.
func environmentBlock(env []string) ([]uint16, error) {
	var block []uint16
	for _, kv := range env {
		for i := 0; i < len(kv); i++ {
			if kv[i] == 0 {
				return nil, fmt.Errorf("%q contains a NUL byte: %w", kv, windows.ERROR_INVALID_PARAMETER)
			}
		}
		block = utf16.AppendRune(append(block, utf16.Encode([]rune(kv))...), 0)
	}
	if len(block) == 0 {
		block = append(block, 0) // an empty block still has one entry's worth of NUL
	}
	return append(block, 0), nil
}

// programErrors are the failures of CreateProcess that are the
// program's or its Spec's: it, or a directory on its path, does not
// exist, may not be run, or is no program of this machine.
var programErrors = []windows.Errno{
	windows.ERROR_FILE_NOT_FOUND, windows.ERROR_PATH_NOT_FOUND, windows.ERROR_ACCESS_DENIED,
	windows.ERROR_BAD_EXE_FORMAT, windows.ERROR_EXE_MACHINE_TYPE_MISMATCH, windows.ERROR_INVALID_NAME,
	windows.ERROR_BAD_PATHNAME, windows.ERROR_FILENAME_EXCED_RANGE, windows.ERROR_ELEVATION_REQUIRED,
	windows.ERROR_DIRECTORY, windows.ERROR_INVALID_EXE_SIGNATURE, windows.ERROR_EXE_MARKED_INVALID,
}

// createError returns err, CreateProcess's failure to start spec, as a
// *ProgramError when it is the program's or its directory's fault, and as
// it is otherwise. CreateProcess does not say which of the two paths it
// could not use, so a failure with a Dir that is not a directory one can
// enter is put down to the Dir.
func createError(spec Spec, err error) error {
	var errno windows.Errno
	if !errors.As(err, &errno) {
		return fmt.Errorf("start %s: %w", spec.Path, err)
	}
	for _, e := range programErrors {
		if errno != e {
			continue
		}
		if spec.Dir != "" {
			if fi, serr := os.Stat(spec.Dir); errno == windows.ERROR_DIRECTORY || serr != nil || !fi.IsDir() {
				return &ProgramError{Op: "chdir", Path: spec.Dir, Err: errno}
			}
		}
		return &ProgramError{Op: "exec", Path: spec.Path, Err: errno}
	}
	if fi, serr := os.Stat(spec.Path); serr == nil && fi.IsDir() {
		// Windows says access denied, Wine invalid handle.
		return &ProgramError{Op: "exec", Path: spec.Path, Err: errno}
	}
	return fmt.Errorf("start %s: %w", spec.Path, err)
}
