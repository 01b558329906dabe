//go:build linux || windows

package platform

import "github.com/procman-dev/procman/platform/internal/errlist"

// joinErrors is errors.Join on one line: the reasons are shown on one line
// of a report or of procman's stderr.
func joinErrors(errs ...error) error {
	var list errlist.List
	for _, err := range errs {
		if err != nil {
			list = append(list, err)
		}
	}
	if list == nil {
		return nil
	}
	return list
}
