package sdk

import "errors"

var (
	// ErrInvalidConfig is matched (with errors.Is) by every error that
	// ProcessConfig.Validate returns.
	ErrInvalidConfig = errors.New("invalid config")

	// ErrCommandNotFound is matched by a validation error whose Command does
	// not name an existing file, directly or through the config's PATH.
	ErrCommandNotFound = errors.New("command not found")

	// ErrNotExecutable is matched by a validation error whose Command names a
	// file that exists but cannot be executed.
	ErrNotExecutable = errors.New("command not executable")
)

// ConfigError is the error ProcessConfig.Validate returns: which field is
// wrong and why.
type ConfigError struct {
	// Field is the ProcessConfig field at fault: "Command", "Args[2]", "Dir",
	// "Env" or "LogFile".
	Field string
	// Reason says what is wrong, naming the offending value.
	Reason string
	// Err is ErrCommandNotFound or ErrNotExecutable when Command could not be
	// resolved, nil otherwise.
	Err error
}

func invalid(field, reason string) *ConfigError {
	return &ConfigError{Field: field, Reason: reason}
}

func (e *ConfigError) Error() string {
	return "invalid config: " + e.Field + ": " + e.Reason
}

// Is reports whether target is ErrInvalidConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }

// Unwrap returns the cause, if any (ErrCommandNotFound or ErrNotExecutable).
func (e *ConfigError) Unwrap() error { return e.Err }

// PluginError is an error that a plugin's own Applicable or Enhance
// returned, as opposed to a failure to reach the plugin or to get an answer
// in time.
type PluginError struct {
	Message string
	// Err is the error the plugin returned, when it ran in this process;
	// nil when the error came over the protocol.
	Err error
}

func (e *PluginError) Error() string { return e.Message }

// Unwrap returns Err.
func (e *PluginError) Unwrap() error { return e.Err }
