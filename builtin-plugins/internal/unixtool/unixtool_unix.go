//go:build unix

package unixtool

import (
	"context"

	"github.com/procman-dev/procman/sdk"
)

// Applicable answers a plugin's Applicable for cfg. On Unix, where the tool
// runs, it is the plugin's own answer, applicable: a version asked for that
// cannot be used makes the plugin applicable, so that Enhance fails with
// the tool's own words, which procman shows as a warning. enhance is not
// called.
func Applicable(ctx context.Context, cfg sdk.ProcessConfig, applicable ApplicableFunc, _ EnhanceFunc) (bool, error) {
	return applicable(ctx, cfg)
}
