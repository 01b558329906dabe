package host

import "github.com/google/uuid"

// Handle names one process started by a Manager. Handles are random UUIDs,
// unique across managers and runs; the zero Handle names no process.
type Handle uuid.UUID

func newHandle() Handle { return Handle(uuid.New()) }

// String returns the handle in the standard UUID form.
func (h Handle) String() string { return uuid.UUID(h).String() }

// ParseHandle parses the form String returns.
func ParseHandle(s string) (Handle, error) {
	id, err := uuid.Parse(s)
	return Handle(id), err
}
