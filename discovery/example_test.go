package discovery_test

import (
	"fmt"
	"os"

	"github.com/procman-dev/procman/discovery"
)

// The common path: search the host's own environment and report every
// candidate, as `procman plugins` does.
func ExampleFind() {
	result := discovery.Find(os.Getenv(discovery.EnvPluginPath), os.Getenv("PATH"))
	for _, c := range result.Candidates {
		if c.Status == discovery.OK {
			fmt.Printf("%s\t%s\n", c.Name, c.Path)
		} else {
			fmt.Printf("%s\t%s\t%v: %s\n", c.Name, c.Path, c.Status, c.Reason)
		}
	}
}
