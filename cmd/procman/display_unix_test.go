//go:build unix

package main

// displayBackslash are TestDisplay's cases for backslashes: on Unix, a
// backslash is quoted like any escape.
var displayBackslash = []struct{ in, want string }{
	{`back\slash`, `"back\\slash"`},
}
