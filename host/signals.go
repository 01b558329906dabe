package host

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// relay is the one signal handler of the program, shared by every Manager
// created with signal handling on: several Managers must all be closed
// before the program ends, so no single Manager may end it on its own.
var relay signalRelay

type signalRelay struct {
	mu       sync.Mutex // guards managers and stop
	managers map[*Manager]struct{}
	stop     chan struct{} // closed to end the relay's goroutine
}

// stopSignals are the signals that mean "stop everything and exit".
var stopSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}

func (r *signalRelay) add(m *Manager) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.managers == nil {
		r.managers = make(map[*Manager]struct{})
	}
	r.managers[m] = struct{}{}
	if len(r.managers) == 1 {
		r.stop = make(chan struct{})
		go r.run(r.stop)
	}
}

func (r *signalRelay) remove(m *Manager) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.managers[m]; !ok {
		return
	}
	delete(r.managers, m)
	if len(r.managers) == 0 {
		close(r.stop)
	}
}

func (r *signalRelay) run(stop chan struct{}) {
	var sigs []os.Signal
	for _, sig := range stopSignals {
		if !signal.Ignored(sig) {
			sigs = append(sigs, sig)
		}
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sigs...)
	select {
	case <-stop:
		signal.Stop(ch)
	case sig := <-ch:
		r.closeAll()
		// No longer listening, the relay passes the signal on: to the
		// program's own handler, if it has one, else to its default.
		signal.Stop(ch)
		exitBy(sig.(syscall.Signal))
	}
}

// closeAll closes every registered Manager in parallel.
func (r *signalRelay) closeAll() {
	r.mu.Lock()
	managers := make([]*Manager, 0, len(r.managers))
	for m := range r.managers {
		managers = append(managers, m)
	}
	r.mu.Unlock()
	var wg sync.WaitGroup
	for _, m := range managers {
		wg.Go(func() {
			if err := m.Close(context.Background()); err != nil {
				m.logger.Error("close on signal", "error", err)
			}
		})
	}
	wg.Wait()
}
