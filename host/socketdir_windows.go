package host

// makeSocketDir makes no directory: on Windows go-plugin has the plugin
// listen on loopback TCP, not on a socket in a directory. It returns "".
func makeSocketDir() (string, error) { return "", nil }

// guardSocketDir does nothing: there is no directory.
func guardSocketDir(string) func() { return nil }
