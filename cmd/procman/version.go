package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/sdk"
)

// version is procman's version. Releases set it when linking:
//
//	go build -ldflags "-X main.version=v1.2.3" ./cmd/procman
var version = "dev"

const versionUsage = `Usage: procman version [--verbose]

Prints procman's version. With --verbose (-v), also the system and the Go
release procman was built for and with, the versions of the plugin protocol
it speaks (the current one and the one before it: a plugin of an older one
must be rebuilt, one of a newer one needs a newer procman), how processes
are contained on this system, what can escape that containment, and why no
stronger way is used.
`

// printVersion is the version subcommand.
func printVersion(args []string) int {
	verbose := false
	switch {
	case len(args) == 1 && (args[0] == "--verbose" || args[0] == "-verbose" || args[0] == "-v"):
		verbose = true
	case len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help"):
		fmt.Fprint(os.Stdout, versionUsage)
		return 0
	case len(args) > 0:
		fmt.Fprintf(os.Stderr, "procman version: unexpected argument %q (want --verbose or nothing)\n", args[0])
		return exitUsage
	}
	fmt.Println("procman", currentVersion())
	if !verbose {
		return 0
	}
	fmt.Printf("%s/%s, built with %s\n", runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Println("plugin protocol:", protocolVersions())
	c, err := host.DetectContainment(host.Automatic)
	if err != nil {
		fmt.Println("containment: none:", err)
		return 0
	}
	fmt.Println(c)
	for _, m := range []host.Mechanism{host.PIDNamespace, host.Cgroup, host.Subreaper} {
		if _, ok := c.OnRequest[m]; ok {
			fmt.Printf("  %v is available; use it with --containment %v\n", m, m)
		}
	}
	return 0
}

// currentVersion returns version, or, when the linker did not set it, the
// module version that "go install ...@v1.2.3" records in the binary.
func currentVersion() string {
	if version != "dev" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return version
}

// protocolVersions says which versions of the plugin protocol procman
// speaks.
func protocolVersions() string {
	if sdk.MinProtocolVersion == sdk.ProtocolVersion {
		return fmt.Sprintf("version %d", sdk.ProtocolVersion)
	}
	return fmt.Sprintf("versions %d to %d", sdk.MinProtocolVersion, sdk.ProtocolVersion)
}
