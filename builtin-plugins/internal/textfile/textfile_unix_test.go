//go:build unix

package textfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A named pipe put in the place of a version file is refused at once, by
// Head and by Read: no writer is waited for.
func TestNamedPipeIsRefusedAtOnce(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), ".python-version")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, read := range map[string]func(string) (string, error){
		"Head": func(path string) (string, error) { return Head(path, 10) },
		"Read": func(path string) (string, error) { return Read(path, 10) },
	} {
		done := make(chan error, 1)
		go func() {
			_, err := read(fifo)
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "not a regular file") {
				t.Errorf("%s of a named pipe: %v, want it refused as not a regular file", name, err)
			}
		case <-time.After(10 * time.Second):
			// A writer lets the blocked open return, so that nothing is left.
			if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
			}
			<-done
			t.Errorf("%s waited for a writer of a named pipe", name)
		}
	}
}

func TestReadRefusesWhatIsOverItsLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".nvmrc")
	if err := os.WriteFile(path, []byte(strings.Repeat("x", 2048)), 0o644); err != nil {
		t.Fatal(err)
	}
	if data, err := Read(path, 2048); err != nil || len(data) != 2048 {
		t.Errorf("Read at the limit = %d bytes, %v; want all 2048", len(data), err)
	}
	_, err := Read(path, 2047)
	var tooLarge *TooLargeError
	if !errors.As(err, &tooLarge) || tooLarge.Path != path || err.Error() != path+" is larger than 1 KiB" {
		t.Errorf("Read over the limit: %v, want a *TooLargeError naming the file", err)
	}
	if data, err := Head(path, 100); err != nil || data != strings.Repeat("x", 100) {
		t.Errorf("Head = %q, %v; want the first 100 bytes", data, err)
	}
}
