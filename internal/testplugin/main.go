// Command testplugin is the plugin procman's tests run, misbehaving on
// purpose when asked: installed as procman-plugin-KIND[-pN][-SUFFIX], it
// serves the test plugin of that name (see package kinds).
package main

import (
	"os"

	"github.com/procman-dev/procman/internal/testplugin/kinds"
)

func main() { kinds.Serve(os.Args[0]) }
