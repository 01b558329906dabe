//go:build procman_lean

package main

// leanBuild is set in a build with the procman_lean tag: procman without
// gRPC, which hands over to procman-grpc when plugin executables are found.
const leanBuild = true
