package sdk_test

import (
	"fmt"

	"github.com/procman-dev/procman/sdk"
)

// A plugin that takes variable names from a file checks them by the rule
// the host will apply to its result.
func ExampleValidateEnvVar() {
	for _, key := range []string{"ProgramFiles(x86)", "NL\nX", "A B"} {
		fmt.Println(sdk.ValidateEnvVar(key, "1"))
	}
	// Output:
	// <nil>
	// key "NL\nX" contains white space
	// key "A B" contains white space
}
