package supervisor

import (
	"context"
	"strings"
	"sync"
)

// Logs writes the kept lines of the named process (at most the last 1000
// of each replica, each line prefixed with the replica's name when there
// are several) to write, without their newline; with follow, it goes on
// with the lines that come until ctx is done or the Supervisor's Run
// ends. It stops at write's first error.
func (s *Supervisor) Logs(ctx context.Context, name string, follow bool, write func(line string) error) error {
	list, err := s.instancesNamed(name)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	var firstErr error
	emit := func(i *instance, lines []string) bool {
		mu.Lock()
		defer mu.Unlock()
		for _, line := range lines {
			if firstErr != nil {
				return false
			}
			line = strings.TrimSuffix(line, "\n")
			if len(list) > 1 {
				line = i.name + " | " + line
			}
			firstErr = write(line)
		}
		return firstErr == nil
	}
	var wg sync.WaitGroup
	for _, i := range list {
		wg.Go(func() {
			lines, next, more := i.out.ring.since(0)
			for emit(i, lines) && follow {
				select {
				case <-more:
				case <-ctx.Done():
					return
				case <-s.done:
					// The last lines, written as Run ended.
					lines, _, _ = i.out.ring.since(next)
					emit(i, lines)
					return
				}
				lines, next, more = i.out.ring.since(next)
			}
		})
	}
	wg.Wait()
	return firstErr
}
