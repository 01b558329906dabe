// Package pluginwire is what a procman host and package sdk share of the
// plugin protocol and what a plugin author never uses: the names both sides
// agree on, and the hooks by which the host and sdktest reach sdk's own side
// of the protocol.
//
// The hooks are sdk's unexported functions, which package sdk registers as
// it is initialised (Register); a package that imports sdk gets them with
// Get. That keeps sdk's documentation to what authors use, and go-plugin's
// types out of the SDK's compatibility promise, while the protocol's code
// stays in one place: sdk.Serve needs it, so it cannot move out of sdk
// without an import cycle.
package pluginwire

import (
	"context"
	"errors"

	"github.com/hashicorp/go-hclog"
)

// Key is the name under which the one plugin of a binary is served: what a
// host passes to go-plugin's ClientProtocol.Dispense.
const Key = "procman"

// EnvLifeline names the environment variable by which a host tells a plugin
// which of its file descriptors is the read end of a pipe whose other end
// only the host holds: end of file on it means the host is gone.
const EnvLifeline = "PROCMAN_PLUGIN_LIFELINE_FD"

// The handshake's magic cookie: it only keeps a plugin binary from being run
// by hand as if it were a normal program; it is not a security measure.
const (
	MagicCookieKey   = "PROCMAN_PLUGIN"
	MagicCookieValue = "6b0c9c1e4f7a4d2a9a3e5f61c0d8b7e2-configuration-enhancer"
)

// ErrUnavailable matches the error of a call whose plugin process could not
// be reached: it died, or closed its connection, before it answered (or it
// answered with the status Unavailable).
var ErrUnavailable = errors.New("plugin unavailable")

// Outcome is what a plugin made of one config; C is sdk.ProcessConfig.
type Outcome[C any] struct {
	Applicable bool     // what Applicable answered
	Config     C        // Enhance's result, when Applicable
	Notes      []string // what the plugin said with sdk.Note
}

// SDK is what package sdk registers; P is sdk.Plugin, C sdk.ProcessConfig.
type SDK[P, C any] struct {
	// Apply asks p whether it applies to cfg and, if it does, for its
	// enhanced config, collecting its notes: what a host does with each
	// plugin, in one round trip for a plugin reached over the protocol. An
	// error that the plugin's Applicable or Enhance returned is an
	// *sdk.PluginError, its message prefixed with the call's name
	// ("applicable: ", "enhance: "), wherever the plugin runs; a failure
	// to reach the plugin is not. With an error, the Outcome still says
	// what was known: whether Applicable said yes, and the notes made
	// before the failure.
	Apply func(ctx context.Context, p P, cfg C) (Outcome[C], error)

	// WithLogger returns ctx carrying l, for sdk.LoggerFrom: a host that
	// calls a plugin in its own process passes its logger this way, so
	// that the plugin's lines join the host's log instead of going to
	// stderr as the protocol's JSON.
	WithLogger func(ctx context.Context, l hclog.Logger) context.Context

	// The go-plugin side, absent from a build with the procman_lean tag.
	GRPC[P]
}

var registered any

// Register is called by package sdk, once, as it is initialised.
func Register[P, C any](s SDK[P, C]) { registered = s }

// Get returns what package sdk registered. It panics if P and C are not
// sdk.Plugin and sdk.ProcessConfig, which only a programming error in this
// module can cause: importing sdk, as any caller must to name those types,
// registers it.
func Get[P, C any]() SDK[P, C] {
	s, ok := registered.(SDK[P, C])
	if !ok {
		panic("pluginwire: no SDK registered for these types")
	}
	return s
}
