package main

// displayBackslash are TestDisplay's cases for backslashes: on Windows,
// paths show as Windows writes them, and a value quoted for another reason
// has its backslashes doubled.
var displayBackslash = []struct{ in, want string }{
	{`back\slash`, `back\slash`},
	{`C:\Program Files (x86)\nodejs`, `C:\Program Files (x86)\nodejs`},
	{`\\server\share\x`, `\\server\share\x`},
	{`C:\"quoted"`, `"C:\\\"quoted\""`},
	{"C:\\new\nline", `"C:\\new\nline"`},
}
