package host

import (
	"context"
	"os"
)

// openLogFile opens the log file at path for appending, creating it if it
// does not exist. On Windows no open of a file waits for anything, so
// neither ctx nor waiting is used.
func openLogFile(_ context.Context, path string, _ func()) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
}
