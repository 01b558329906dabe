package supervisor

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The control socket: procman ps, start, stop, restart and logs, run from
// another terminal, talk to the procman up of a project file through a
// unix socket whose path follows from the file's, in a directory only the
// user can enter. Each connection carries one request, a JSON object on one
// line, and its answer: one JSON object, or for logs a JSON string per line.

// request is what a client asks.
type request struct {
	Op     string `json:"op"` // "ps", "start", "stop", "restart" or "logs"
	Name   string `json:"name,omitempty"`
	Follow bool   `json:"follow,omitempty"`
}

// reply answers every request but logs, and ends a logs stream.
type reply struct {
	Error     string          `json:"error,omitempty"`
	PID       int             `json:"pid,omitempty"` // of procman up
	Project   string          `json:"project,omitempty"`
	Processes []ProcessStatus `json:"processes,omitempty"`
}

// SocketPath returns the control socket of the procman up of the project
// file at path (absolute): in $XDG_RUNTIME_DIR/procman if that directory
// is set and the user's own (su and sudo may pass another user's on), else
// in procman-UID under the temporary directory.
func SocketPath(path string) string {
	sum := sha256.Sum256([]byte(path))
	return filepath.Join(socketDir(), "up-"+hex.EncodeToString(sum[:8])+".sock")
}

func socketDir() string {
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" && filepath.IsAbs(dir) && ownDir(dir) {
		return filepath.Join(dir, "procman")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("procman-%d", os.Getuid()))
}

// Listen makes the control socket for the project file at path. Another
// procman up of the same file that answers on it is an error; a socket
// left by one that died is replaced.
func Listen(path string) (net.Listener, error) {
	sock := SocketPath(path)
	if err := privateDir(filepath.Dir(sock)); err != nil {
		return nil, err
	}
	if c, err := Dial(path); err == nil {
		r, err := c.call(request{Op: "ps"})
		if err == nil {
			return nil, fmt.Errorf("procman up already runs for %s (pid %d)", path, r.PID)
		}
	}
	os.Remove(sock)
	sweepStale(filepath.Dir(sock))
	l, err := net.Listen("unix", sock)
	if errors.Is(err, fs.ErrNotExist) {
		// Another procman up removed the directory as it ended.
		if err := privateDir(filepath.Dir(sock)); err != nil {
			return nil, err
		}
		l, err = net.Listen("unix", sock)
	}
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(sock, 0o600); err != nil {
		l.Close()
		return nil, err
	}
	return &listener{l, filepath.Dir(sock)}, nil
}

// staleAge is how old a socket must be before sweepStale removes it: one
// being made may be bound and not yet listening for a moment.
const staleAge = 5 * time.Second

// sweepStale removes the sockets in dir that nobody listens on any more,
// left by a procman up that was killed.
func sweepStale(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if e.Type() != fs.ModeSocket || !strings.HasPrefix(name, "up-") || !strings.HasSuffix(name, ".sock") {
			continue
		}
		path := filepath.Join(dir, name)
		if info, err := e.Info(); err != nil || time.Since(info.ModTime()) < staleAge {
			continue
		}
		conn, err := net.DialTimeout("unix", path, time.Second)
		if err == nil {
			conn.Close()
			continue
		}
		if errors.Is(err, syscall.ECONNREFUSED) {
			os.Remove(path)
		}
	}
}

// listener removes the socket's directory, once no socket is left in it,
// as it closes.
type listener struct {
	net.Listener
	dir string
}

func (l *listener) Close() error {
	err := l.Listener.Close() // removes the socket
	os.Remove(l.dir)          // fails while another procman up has its socket there
	return err
}

// Serve answers the requests that come through l until l is closed.
func (s *Supervisor) Serve(l net.Listener) {
	for {
		conn, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.logger.Warn("control socket", "error", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		go s.answer(conn)
	}
}

func (s *Supervisor) answer(conn net.Conn) {
	defer conn.Close()
	if err := samePeer(conn); err != nil {
		json.NewEncoder(conn).Encode(reply{Error: err.Error()})
		return
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var req request
	if err := json.NewDecoder(io.LimitReader(conn, 64<<10)).Decode(&req); err != nil {
		json.NewEncoder(conn).Encode(reply{Error: "bad request: " + err.Error()})
		return
	}
	conn.SetReadDeadline(time.Time{})
	enc := json.NewEncoder(conn)
	var err error
	switch req.Op {
	case "ps":
		enc.Encode(reply{PID: os.Getpid(), Project: s.cfg.Project.Path, Processes: s.Processes()})
		return
	case "start":
		err = s.Start(req.Name)
	case "stop":
		err = s.Stop(req.Name)
	case "restart":
		err = s.Restart(req.Name)
	case "logs":
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			// The client's going away ends a follow.
			io.Copy(io.Discard, conn)
			cancel()
		}()
		err = s.Logs(ctx, req.Name, req.Follow, func(line string) error { return enc.Encode(line) })
	default:
		err = fmt.Errorf("unknown request %q", req.Op)
	}
	if err != nil {
		enc.Encode(reply{Error: err.Error()})
		return
	}
	enc.Encode(reply{})
}

// Client talks to a running procman up.
type Client struct{ sock string }

// Dial returns a client of the procman up of the project file at path
// (absolute), once it has checked that one answers.
func Dial(path string) (*Client, error) {
	c := &Client{sock: SocketPath(path)}
	conn, err := net.DialTimeout("unix", c.sock, 2*time.Second)
	if errors.Is(err, fs.ErrPermission) {
		return nil, fmt.Errorf("cannot reach the procman up of %s: permission denied", path)
	}
	if err != nil {
		return nil, fmt.Errorf("no procman up runs for %s", path)
	}
	conn.Close()
	return c, nil
}

func (c *Client) dial(req request) (net.Conn, error) {
	conn, err := net.DialTimeout("unix", c.sock, 2*time.Second)
	if err != nil {
		return nil, err
	}
	if err := json.NewEncoder(conn).Encode(req); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

func (c *Client) call(req request) (reply, error) {
	conn, err := c.dial(req)
	if err != nil {
		return reply{}, err
	}
	defer conn.Close()
	var r reply
	if err := json.NewDecoder(conn).Decode(&r); err != nil {
		return reply{}, fmt.Errorf("procman up did not answer: %w", err)
	}
	if r.Error != "" {
		return r, errors.New(r.Error)
	}
	return r, nil
}

// Processes returns the status of every process, and procman up's pid.
func (c *Client) Processes() ([]ProcessStatus, int, error) {
	r, err := c.call(request{Op: "ps"})
	return r.Processes, r.PID, err
}

// Start, Stop and Restart ask procman up to start, stop or restart the
// named process, as Supervisor's methods of the same name do.
func (c *Client) Start(name string) error {
	_, err := c.call(request{Op: "start", Name: name})
	return err
}
func (c *Client) Stop(name string) error {
	_, err := c.call(request{Op: "stop", Name: name})
	return err
}
func (c *Client) Restart(name string) error {
	_, err := c.call(request{Op: "restart", Name: name})
	return err
}

// Logs writes the named process's kept lines to w, one per line; with
// follow, also those that come, until procman up ends or ctx is done.
func (c *Client) Logs(ctx context.Context, name string, follow bool, w io.Writer) error {
	conn, err := c.dial(request{Op: "logs", Name: name, Follow: follow})
	if err != nil {
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	sc := bufio.NewScanner(conn)
	sc.Buffer(nil, 4*maxLine)
	for sc.Scan() {
		data := sc.Bytes()
		if len(data) > 0 && data[0] == '{' {
			var r reply
			if err := json.Unmarshal(data, &r); err != nil {
				return err
			}
			if r.Error != "" {
				return errors.New(r.Error)
			}
			return nil
		}
		var line string
		if err := json.Unmarshal(data, &line); err != nil {
			return err
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return errors.New("procman up ended")
}
