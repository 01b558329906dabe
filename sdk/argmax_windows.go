package sdk

import (
	"fmt"
	"unicode/utf16"

	"golang.org/x/sys/windows"
)

// The limits of CreateProcess, in UTF-16 units, the unit of the Windows
// API (a character beyond U+FFFF counts twice), from Microsoft's
// documentation: the command line holds at most 32,767 units with its
// terminating NUL (CreateProcessW's lpCommandLine); a variable's value at
// most 32,767 (SetEnvironmentVariableW's lpValue). The environment block as
// a whole has had no limit since Windows Vista ("Environment Variables").
const (
	maxCommandLine   = 32767 - 1
	maxVariableValue = 32767
)

// checkSize rejects what CreateProcess would refuse as too long. The
// command line counted is Command and Args quoted as Windows programs
// parse them, by windows.ComposeCommandLine (os/exec quotes the same way
// but for rare details of the first word, a few units at most). The field
// blamed for a command line too long is the one that takes it over the
// limit.
func (c ProcessConfig) checkSize(envKeys []string) error {
	for _, k := range envKeys {
		if n := utf16Len(c.Env[k]); n > maxVariableValue {
			return invalid("Env", fmt.Sprintf("value of %q is %d UTF-16 units, more than the system allows in one variable (%d)", k, n, maxVariableValue))
		}
	}
	total := utf16Len(windows.ComposeCommandLine([]string{c.Command}))
	field := ""
	if total > maxCommandLine {
		field = "Command"
	}
	for i, arg := range c.Args {
		total += 1 + utf16Len(windows.EscapeArg(arg))
		if field == "" && total > maxCommandLine {
			field = fmt.Sprintf("Args[%d]", i)
		}
	}
	if field != "" {
		return invalid(field, fmt.Sprintf("takes the command line to %d UTF-16 units, more than the system allows (%d)", total, maxCommandLine))
	}
	return nil
}

// utf16Len is the length of s in UTF-16 units, as the Windows API receives
// it: an invalid byte becomes U+FFFD, one unit.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
