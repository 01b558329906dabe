//go:build unix

package resolve

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A named pipe named .java-version exists, so it ends the search as in
// jenv; but where jenv would wait for a writer for ever, Requested refuses
// it at once.
func TestRequestedRefusesNamedPipe(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, ".java-version")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := Requested(context.Background(), dir, map[string]string{"JENV_ROOT": dir})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Error("Requested read a named pipe, want an error")
		}
	case <-time.After(10 * time.Second):
		// A writer lets the blocked open return, so that nothing is left.
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		<-done
		t.Error("Requested waited for a writer of a named pipe")
	}
}
