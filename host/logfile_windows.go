package host

import (
	"context"
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// openLogFile opens the log file at path for appending, creating it if it
// does not exist, by the rules told with ErrSymlinkNotFollowed: the last
// component is opened as it is, never followed, and a symbolic link or
// junction there is refused; special allows a character device (NUL, CON)
// or a pipe.
// On Windows no open of a file waits for anything, so neither ctx nor
// waiting is used.
func openLogFile(_ context.Context, path string, special bool, _ func()) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND|windows.O_FILE_FLAG_OPEN_REPARSE_POINT, 0o644)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err == nil {
		err = checkLogKind(info.Mode(), special)
	}
	if err != nil {
		f.Close()
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return f, nil
}

// checkLogKind says whether a file of mode may be the log file.
func checkLogKind(mode os.FileMode, special bool) error {
	var kind string
	switch t := mode.Type(); {
	case t == 0:
		return nil
	case t&(os.ModeSymlink|os.ModeIrregular) != 0:
		return fmt.Errorf("%w: a reparse point (a symbolic link or a junction)", ErrSymlinkNotFollowed)
	case t&os.ModeCharDevice != 0:
		kind = "a character device"
	case t&os.ModeNamedPipe != 0:
		kind = "a pipe"
	default:
		return fmt.Errorf("%w: of mode %v", ErrNotRegularFile, mode)
	}
	if special {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrNotRegularFile, kind)
}
