package pluginhost

import (
	"bytes"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/internal/printable"
)

// maxRelayedLine bounds a line the relay keeps waiting for its end: a
// longer one is logged in pieces of this size.
const maxRelayedLine = 64 << 10

// A lineRelay logs each line written to it under the plugin's logger, at
// level, prefixed with where it was written ("stdout: ..."): what a
// plugin writes to os.Stdout and os.Stderr once it serves, which go-plugin
// carries to the host, would be discarded otherwise.
type lineRelay struct {
	logger hclog.Logger
	level  hclog.Level
	prefix string

	mu      sync.Mutex
	partial []byte
}

func newLineRelay(logger hclog.Logger, level hclog.Level, stream string) *lineRelay {
	return &lineRelay{logger: logger, level: level, prefix: stream + ": "}
}

func (r *lineRelay) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.partial = append(r.partial, p...)
	for {
		line, rest, found := bytes.Cut(r.partial, []byte{'\n'})
		if !found {
			break
		}
		r.log(line)
		r.partial = rest
	}
	for len(r.partial) >= maxRelayedLine {
		r.log(r.partial[:maxRelayedLine])
		r.partial = r.partial[maxRelayedLine:]
	}
	r.partial = append([]byte(nil), r.partial...) // let go of what was logged
	return len(p), nil
}

func (r *lineRelay) log(line []byte) {
	line = bytes.TrimSuffix(line, []byte{'\r'})
	r.logger.Log(r.level, r.prefix+printable.String(string(line)))
}
