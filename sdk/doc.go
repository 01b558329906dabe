// Package sdk is procman's contract with the processes it starts and with
// the plugins that enhance their configuration.
//
// ProcessConfig describes one process: the program, its arguments, its
// working directory, its complete environment and an optional log file.
// ProcessConfig.Validate is the single validation procman applies everywhere.
//
// sdk imports nothing else of procman, so that a plugin author depends on
// this package alone.
package sdk
