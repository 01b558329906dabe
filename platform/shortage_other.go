//go:build !linux && !darwin

package platform

// ExplainShortage returns err as it is: this system's limits are not
// looked up.
func ExplainShortage(err error) error { return err }
