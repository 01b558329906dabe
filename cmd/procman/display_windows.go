package main

import "strings"

// plainText reports whether display may show s unquoted: when quoting
// would change nothing but its backslashes, which on Windows are the path
// separator, in every path explain shows (C:\Windows, not
// "C:\\Windows"). A value that needs quoting for another reason is
// quoted whole, its backslashes doubled.
func plainText(s string) bool {
	return quotesAs(strings.ReplaceAll(s, `\`, ""))
}
