package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The lean build, bin/procman, hands procman up over to procman-grpc and
// links none of what up needs: every start of procman run would pay for
// initializing it.
func TestLeanBuildLeavesOutUp(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-tags", "procman_lean", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	for _, pkg := range []string{
		"github.com/procman-dev/procman/supervisor",
		"github.com/procman-dev/procman/project",
		"go.yaml.in/yaml/v3",
		"net/http",
		"crypto/x509",
		"testing",
		"google.golang.org/grpc",
		// Neither is needed to run one program, and their initialization
		// and size showed in a cold start: the init's control socket is
		// driven without package net, and handles are made without
		// crypto/rand.
		"net",
		"crypto/rand",
	} {
		if slices.Contains(deps, pkg) {
			t.Errorf("the lean build links %s", pkg)
		}
	}
}
