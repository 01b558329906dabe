//go:build unix

package resolve

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A named pipe put in the place of a .nvmrc between the look at it
// and the read is refused at once: no writer is waited for.
func TestReadSmallFileRefusesNamedPipe(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), ".nvmrc")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := readSmallFile(fifo)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Error("readSmallFile read a named pipe, want an error")
		}
	case <-time.After(10 * time.Second):
		// A writer lets the blocked open return, so that nothing is left.
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		<-done
		t.Error("readSmallFile waited for a writer of a named pipe")
	}
}
