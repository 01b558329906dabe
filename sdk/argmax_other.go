//go:build !linux

package sdk

// argLimit reports no limit where procman does not know the system's:
// exec itself will refuse what is too large.
func argLimit() (total, perString int) { return 0, 0 }
