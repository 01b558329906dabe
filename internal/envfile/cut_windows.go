package envfile

import "strings"

// Cut splits KEY=VALUE at the first '=' that is not the first character:
// on Windows, a leading '=' is part of the name, as in the hidden variables
// =C: (the current directory of drive C:) and =ExitCode that Windows keeps
// in every environment. So "=C:=C:\work" sets =C:, and "=C:" alone is the
// key =C:. set is false when there is no other '=' (a KEY alone).
func Cut(s string) (key, value string, set bool) {
	if len(s) > 1 && s[0] == '=' {
		key, value, set = strings.Cut(s[1:], "=")
		return "=" + key, value, set
	}
	return strings.Cut(s, "=")
}
