//go:build unix

package main

// plainText reports whether display may show s unquoted: when quoting
// would change nothing, a backslash being quoted too.
func plainText(s string) bool { return quotesAs(s) }
