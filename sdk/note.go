package sdk

import (
	"context"
	"fmt"
	"sync"
)

// Note records, for the host's report, why the plugin did what it did:
// which version it chose and from which file, say. procman explain shows
// the notes under the plugin's name. Call it from Applicable or Enhance
// with the ctx they were given; elsewhere it does nothing.
func Note(ctx context.Context, format string, args ...any) {
	if n, ok := ctx.Value(notesKey{}).(*notes); ok {
		n.add(fmt.Sprintf(format, args...))
	}
}

type notesKey struct{}

// notes collects the notes of one call; a plugin may call Note from
// goroutines of its own.
type notes struct {
	mu   sync.Mutex
	list []string
}

func (n *notes) add(note string) {
	n.mu.Lock()
	n.list = append(n.list, note)
	n.mu.Unlock()
}

func (n *notes) get() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.list
}

func withNotes(ctx context.Context) (context.Context, *notes) {
	n := &notes{}
	return context.WithValue(ctx, notesKey{}, n), n
}
