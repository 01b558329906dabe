package host

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// EventKind says what changed in an Event.
type EventKind int

// The kinds of Event, in the order they can happen to one process. A
// process gets EventStarted or EventFailed first; EventStopRequested,
// EventUnresponsive and EventDetached may follow, each at most once;
// EventExited, EventTerminated or EventFailed comes last, once the whole
// tree is gone.
const (
	// EventStarted: the process runs (State Running).
	EventStarted EventKind = iota + 1
	// EventStopRequested: a stop was asked for (Stop, StopWithSignal, Kill,
	// Close, or the end of the main process under WithExitWithMain);
	// Status.StopRequested is set from now on.
	EventStopRequested
	// EventUnresponsive: the tree outlived the stop's grace and is being
	// killed (Status.Unresponsive).
	EventUnresponsive
	// EventDetached: the process itself ended and processes it started live on
	// (State RunningDetached).
	EventDetached
	// EventExited: the process exited by itself and its tree is gone (State
	// Exited).
	EventExited
	// EventTerminated: a signal ended the process and its tree is gone (State
	// Terminated).
	EventTerminated
	// EventFailed: the process could not be started, or could no longer be
	// followed (State Failed).
	EventFailed
)

var eventNames = [...]string{"", "started", "stop-requested", "unresponsive", "detached", "exited", "terminated", "failed"}

func (k EventKind) String() string {
	if k <= 0 || int(k) >= len(eventNames) {
		return fmt.Sprintf("EventKind(%d)", int(k))
	}
	return eventNames[k]
}

// An Event is one change of the status of one process.
type Event struct {
	Handle Handle
	Kind   EventKind
	At     time.Time
	Status Status // the process's status just after the change
}

func (e Event) String() string { return fmt.Sprintf("%s %s: %s", e.Handle, e.Kind, e.Status) }

// Events returns a channel that receives every Event of every process of
// the Manager from now on: subscribe before Start to see a process's
// whole life. The events of one process come in the order they happened,
// and events of different processes in the order the Manager recorded
// them. None is dropped: each subscription queues what its reader has not
// taken yet, so a reader that stops reading makes the queue grow until ctx
// is done.
//
// The channel is closed once ctx is done, or once the Manager is closed
// and every tree is gone, after the last event: a loop ranging over it
// ends with the Manager.
func (m *Manager) Events(ctx context.Context) <-chan Event {
	m.ready()
	return m.events.subscribe(ctx)
}

// broker hands each event to every subscription.
type broker struct {
	mu    sync.Mutex
	subs  map[*subscription]struct{}
	ended bool // no event will come: new subscriptions end at once
}

type subscription struct {
	mu    sync.Mutex
	queue []Event
	ended bool          // the broker ended: close once the queue is empty
	wake  chan struct{} // has a token when queue or ended changed
	out   chan Event
}

func (b *broker) subscribe(ctx context.Context) <-chan Event {
	s := &subscription{wake: make(chan struct{}, 1), out: make(chan Event)}
	b.mu.Lock()
	if b.ended {
		s.ended = true
	} else {
		if b.subs == nil {
			b.subs = make(map[*subscription]struct{})
		}
		b.subs[s] = struct{}{}
	}
	b.mu.Unlock()
	go s.deliver(ctx, b)
	return s.out
}

// publish queues e for every subscription.
func (b *broker) publish(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		s.mu.Lock()
		s.queue = append(s.queue, e)
		s.mu.Unlock()
		s.poke()
	}
}

// end closes every subscription once it has delivered what it holds.
func (b *broker) end() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ended {
		return
	}
	b.ended = true
	for s := range b.subs {
		s.mu.Lock()
		s.ended = true
		s.mu.Unlock()
		s.poke()
	}
	b.subs = nil
}

func (b *broker) unsubscribe(s *subscription) {
	b.mu.Lock()
	delete(b.subs, s)
	b.mu.Unlock()
}

func (s *subscription) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// deliver sends the queued events to out, in order, until ctx is done or
// the broker ended and the queue is empty; then it closes out.
func (s *subscription) deliver(ctx context.Context, b *broker) {
	defer close(s.out)
	defer b.unsubscribe(s)
	for {
		s.mu.Lock()
		queue, ended := s.queue, s.ended
		s.queue = nil
		s.mu.Unlock()
		for i, e := range queue {
			select {
			case s.out <- e:
			case <-ctx.Done():
				return
			}
			queue[i] = Event{} // let what it holds go
		}
		if ended && len(queue) == 0 {
			return
		}
		if len(queue) > 0 {
			continue // more may have come meanwhile
		}
		select {
		case <-s.wake:
		case <-ctx.Done():
			return
		}
	}
}
