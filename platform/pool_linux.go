package platform

import "sync"

// A pool keeps things made ahead of time — ready inits, cgroups — so that
// a start takes one instead of making it; a short burst of starts is
// served by several.
type pool[T any] struct {
	make    func() (T, error)
	discard func(T) // ends a thing that will not be used

	mu      sync.Mutex
	ready   []T
	taken   int           // things got so far
	making  bool          // the maker goroutine runs
	arrived chan struct{} // closed, and replaced, when the maker adds a thing or stops
	closed  bool
	maker   sync.WaitGroup
}

// poolSize is how many things a pool keeps ready once starts come one
// after another.
const poolSize = 2

// target is how many things to keep ready: one for the first start; none
// more until a second start shows that more will come (a program that
// starts one process makes one), then poolSize. p.mu is held.
func (p *pool[T]) target() int {
	switch p.taken {
	case 0:
		return 1
	case 1:
		return 0
	}
	return poolSize
}

// get returns a thing made ahead of time if there is one, or the one being
// made if it comes, else a new one. Call refill once it is used.
func (p *pool[T]) get() (T, error) {
	p.mu.Lock()
	for len(p.ready) == 0 && p.making && !p.closed {
		// The maker started before this call: its thing is ready sooner
		// than a new one, and making two at once helps neither.
		arrived := p.arrived
		p.mu.Unlock()
		<-arrived
		p.mu.Lock()
	}
	p.taken++
	if n := len(p.ready); n > 0 {
		t := p.ready[n-1]
		p.ready = p.ready[:n-1]
		p.mu.Unlock()
		return t, nil
	}
	p.mu.Unlock()
	return p.make()
}

// refill starts making things until the pool holds its target. It is not
// done by get, so that making them does not compete for the processor with
// the start that needs one now.
func (p *pool[T]) refill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.making || len(p.ready) >= p.target() {
		return
	}
	// One goroutine makes them one after the other: in the background, the
	// fewer processors taken from the host's own work the better.
	p.making = true
	p.arrived = make(chan struct{})
	p.maker.Go(func() {
		for {
			t, err := p.make()
			p.mu.Lock()
			if err == nil && p.closed {
				p.discard(t)
			} else if err == nil {
				p.ready = append(p.ready, t)
			}
			close(p.arrived)
			p.arrived = make(chan struct{})
			// On an error, get makes its own, and reports it.
			if err != nil || p.closed || len(p.ready) >= p.target() {
				p.making = false
				p.mu.Unlock()
				return
			}
			p.mu.Unlock()
		}
	})
}

// close discards the things made ahead of time; those already taken are
// not affected.
func (p *pool[T]) close() {
	p.mu.Lock()
	p.closed = true
	for _, t := range p.ready {
		p.discard(t)
	}
	p.ready = nil
	p.mu.Unlock()
	p.maker.Wait()
}
