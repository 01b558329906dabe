//go:build unix

package host

import (
	"context"
	"os"
	"syscall"
	"time"
)

// openLogFile opens the log file at path for appending, creating it if it
// does not exist. A FIFO cannot be opened for writing until it has a
// reader: openLogFile calls waiting, then waits for one until ctx is done,
// and then returns ctx's error. The file it returns is in blocking mode,
// as a child expects its stdout to be.
func openLogFile(ctx context.Context, path string, waiting func()) (*os.File, error) {
	// O_NONBLOCK makes an open that would wait for a reader fail with ENXIO
	// instead; it changes nothing for a regular file.
	const flags = syscall.O_WRONLY | syscall.O_CREAT | syscall.O_APPEND | syscall.O_CLOEXEC | syscall.O_NONBLOCK
	const firstRetry, maxRetry = time.Millisecond, 100 * time.Millisecond
	retry := firstRetry
	for {
		fd, err := syscall.Open(path, flags, 0o644)
		switch {
		case err == nil:
			if err := syscall.SetNonblock(fd, false); err != nil {
				syscall.Close(fd)
				return nil, &os.PathError{Op: "open", Path: path, Err: err}
			}
			return os.NewFile(uintptr(fd), path), nil
		case err == syscall.EINTR:
			continue
		case err != syscall.ENXIO || !isFIFO(path):
			// ENXIO is also the answer for a socket or a device with
			// nothing behind it: no wait would change it.
			return nil, &os.PathError{Op: "open", Path: path, Err: err}
		}
		if retry == firstRetry {
			waiting()
		}
		timer := time.NewTimer(retry)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, ctx.Err()
		case <-timer.C:
		}
		retry = min(2*retry, maxRetry)
	}
}

func isFIFO(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode()&os.ModeNamedPipe != 0
}
