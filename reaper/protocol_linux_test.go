package reaper

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctest"
)

// The reaper program's side of the protocol, message by message.
func TestReaperAnswersEveryMessage(t *testing.T) {
	marker := proctest.Marker(t)
	r := startReaper(t, Options{})
	own := identify(t, startOwnChild(t, marker, "sleep").Process.Pid)
	proc := func(format string) string { return fmt.Sprintf(format, own.pid, own.start) }
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	writeFile(t, file)
	spaced := filepath.Join(tmp, "a dir with spaces")
	mkdir(t, spaced)

	for _, c := range []struct{ message, want string }{
		{"X 1", "err 1 unknown message"},
		{"", "err 0 empty message"},
		{"P", "err 0 malformed message"},
		{"P x", "err 0 malformed id"},
		{"P 2 abc", "err 2 malformed process message"},
		{proc("P 3 %d %d 1000 "), "err 3 malformed process message"},
		{proc("P 3 %d  %d 1000"), "err 3 malformed process message"},
		{"P 4 1 1 1", "err 4 invalid pid"},
		{proc("P 5 %d %d 172800001"), "err 5 grace period too long"},
		{fmt.Sprintf("P 6 %d 18446744073709551616 1", own.pid), "err 6 malformed process message"},
		{proc("P 7 %d %d 1000"), "ok 7"},
		{"U 8", "ok 8"},
		{"U 7 1", "err 7 malformed message"},
		{"U 7", "ok 7"},
		{"D 9 relative", "err 9 path is not absolute"},
		{"D 10 " + filepath.Join(tmp, "missing"), "err 10 No such file or directory"},
		{"D 11 " + file, "err 11 not a directory"},
		{"D 12 " + spaced, "ok 12"},
		{"D 13", "err 13 malformed message"},
		{"C 14 " + tmp + " 10", "err 14 not a cgroup directory"},
		{"C 15 " + spaced + " 10", "err 15 not a cgroup directory"},
		{"C 16 10", "err 16 malformed cgroup message"},
		{"C 17 " + tmp + " x", "err 17 malformed cgroup message"},
		{"D 18 " + tmp + "\x00x", "err 18 message holds a NUL byte"},
		{"P 19 " + strings.Repeat("1", 5000), "err 19 message too long"},
		{"U 12", "ok 12"},
		{"K 20 relative 10", "err 20 path is not absolute"},
		{"K 21 " + tmp + " 10", "err 21 not a cgroup directory"},
		{"K 22 10", "err 22 malformed cgroup message"},
		{"K 23 " + tmp, "err 23 malformed cgroup message"},
		{"K 24 " + tmp + " 172800001", "err 24 grace period too long"},
	} {
		if got := rawExchange(t, r, c.message); got != c.want {
			t.Errorf("%q answered %q, want %q", c.message, got, c.want)
		}
	}
}

// The longest grace a reaper accepts is MaxGrace; a longer one is refused
// before it is sent.
func TestGraceUpToMaxGrace(t *testing.T) {
	marker := proctest.Marker(t)
	r := startReaper(t, Options{})
	own := identify(t, startOwnChild(t, marker, "sleep").Process.Pid)
	reg, err := r.ProtectProcess(own.pid, own.start, MaxGrace)
	if err != nil {
		t.Fatalf("grace MaxGrace (%v): %v", MaxGrace, err)
	}
	if err := reg.Release(); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	for what, register := range map[string]func(time.Duration) (*Registration, error){
		"ProtectProcess": func(d time.Duration) (*Registration, error) { return r.ProtectProcess(own.pid, own.start, d) },
		"ProtectCgroup":  func(d time.Duration) (*Registration, error) { return r.ProtectCgroup(tmp, d) },
		"ReclaimCgroup":  func(d time.Duration) (*Registration, error) { return r.ReclaimCgroup(tmp, d) },
	} {
		if _, err := register(MaxGrace + time.Millisecond); !errors.Is(err, ErrGraceTooLong) {
			t.Errorf("%s with grace MaxGrace+1ms: %v, want ErrGraceTooLong", what, err)
		}
	}
}

func rawExchange(t *testing.T, r *Reaper, message string) string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := r.conn.Write([]byte(message)); err != nil {
		t.Fatalf("send %q: %v", message, err)
	}
	n, err := r.conn.Read(r.answer)
	if err != nil {
		t.Fatalf("answer to %q: %v", message, err)
	}
	return string(r.answer[:n])
}

// An id registered again names what it was registered for last; an id
// unregistered names nothing.
func TestReaperReplacesAndForgetsIds(t *testing.T) {
	marker := proctest.Marker(t)
	r := startReaper(t, Options{})
	replaced := startOwnChild(t, marker, "trap")
	replacing := startOwnChild(t, marker, "trap")
	forgotten := startOwnChild(t, marker, "trap")
	for _, m := range []struct {
		id  int
		cmd *exec.Cmd
	}{{100, replaced}, {100, replacing}, {101, forgotten}} {
		p := identify(t, m.cmd.Process.Pid)
		if got := rawExchange(t, r, fmt.Sprintf("P %d %d %d 1000", m.id, p.pid, p.start)); got != fmt.Sprintf("ok %d", m.id) {
			t.Fatalf("registering pid %d as %d: %q", p.pid, m.id, got)
		}
	}
	if got := rawExchange(t, r, "U 101"); got != "ok 101" {
		t.Fatalf("U 101: %q", got)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if status := exitOf(t, replacing); status.ExitStatus() != 100+int(syscall.SIGTERM) {
		t.Errorf("the process registered last under an id ended with %v, want exit %d (SIGTERM caught)", status, 100+int(syscall.SIGTERM))
	}
	for _, cmd := range []*exec.Cmd{replaced, forgotten} {
		if !identify(t, cmd.Process.Pid).alive() {
			t.Errorf("process %d, no longer registered, was stopped", cmd.Process.Pid)
		}
	}
}

func TestParseAnswer(t *testing.T) {
	for _, c := range []struct {
		answer      string
		wantRefusal string // "" for none
		wantErr     bool
	}{
		{"ok 7", "", false},
		{"err 7 invalid pid", "invalid pid", false},
		{"err 7 No such file or directory", "No such file or directory", false},
		{"ok 8", "", true},
		{"ok 07", "", true},
		{"ok 7 ", "", true},
		{"ok 7\n", "", true},
		{"ok", "", true},
		{"", "", true},
		{"err 8 invalid pid", "", true},
		{"err 0 empty message", "", true},
		{"err 7", "", true},
		{"err 7 ", "", true},
		{"ready", "", true},
	} {
		refusal, err := parseAnswer([]byte(c.answer), 7)
		switch {
		case c.wantErr && err == nil:
			t.Errorf("%q to request 7: refusal %v, no error: want an error", c.answer, refusal)
		case !c.wantErr && err != nil:
			t.Errorf("%q to request 7: %v", c.answer, err)
		case c.wantRefusal == "" && refusal != nil:
			t.Errorf("%q to request 7: refusal %q, want none", c.answer, refusal)
		case c.wantRefusal != "" && (refusal == nil || refusal.Error() != c.wantRefusal):
			t.Errorf("%q to request 7: refusal %v, want %q", c.answer, refusal, c.wantRefusal)
		}
	}
}

// FuzzParseAnswer checks that no answer makes the client panic, and that it
// takes an answer for an acceptance or a refusal only when it is one, to
// this very request.
func FuzzParseAnswer(f *testing.F) {
	f.Add([]byte("ok 7"), uint64(7))
	f.Add([]byte("err 7 invalid pid"), uint64(7))
	f.Add([]byte("err 0 empty message"), uint64(0))
	f.Add([]byte("err 18446744073709551615 message too long"), uint64(18446744073709551615))
	f.Add([]byte("ok 8"), uint64(7))
	f.Add([]byte("err 7 "), uint64(7))
	f.Add([]byte("ready"), uint64(1))
	f.Add([]byte("ok 1\x00"), uint64(1))
	f.Fuzz(func(t *testing.T, answer []byte, id uint64) {
		refusal, err := parseAnswer(answer, id)
		ok := "ok " + strconv.FormatUint(id, 10)
		refused := "err " + strconv.FormatUint(id, 10) + " "
		switch {
		case refusal != nil && err != nil:
			t.Fatalf("%q: both a refusal (%v) and an error (%v)", answer, refusal, err)
		case refusal == nil && err == nil && string(answer) != ok:
			t.Fatalf("%q taken for %q", answer, ok)
		case refusal != nil && (refusal.Error() == "" || string(answer) != refused+refusal.Error()):
			t.Fatalf("%q taken for the refusal %q of request %d", answer, refusal, id)
		case err != nil && (string(answer) == ok || strings.HasPrefix(string(answer), refused) && len(answer) > len(refused)):
			t.Fatalf("%q to request %d: %v", answer, id, err)
		}
	})
}
