package main

import (
	"fmt"
	"os"
	"runtime/debug"
)

// version is procman's version. Releases set it when linking:
//
//	go build -ldflags "-X main.version=v1.2.3" ./cmd/procman
var version = "dev"

// printVersion is the version subcommand.
func printVersion(args []string) int {
	if len(args) > 0 {
		fmt.Fprintf(os.Stderr, "procman version: unexpected argument %q\n", args[0])
		return exitUsage
	}
	fmt.Println("procman", currentVersion())
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
