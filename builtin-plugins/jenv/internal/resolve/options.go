package resolve

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
)

// Options are the options for the Java virtual machine that jenv exec puts
// before the arguments of a java command.
type Options struct {
	// Args are the options, in order.
	Args []string
	// Origin is the file that holds them, or "JENV_OPTIONS environment
	// variable"; "" when there are none.
	Origin string
}

// JavaOptions returns the options for java of a process that would run in
// dir, an absolute path, with the environment env. The order is jenv's:
//
//  1. JENV_OPTIONS, when it is not empty;
//  2. walking up from dir, but not into the root directory itself, the
//     first .java-options;
//  3. the file options in jenv's root.
//
// The first file that exists ends the search. Of a file, only the first
// line counts, '\r' removed. Options are separated by spaces and tabs and
// taken as they are: where jenv's shell would also expand wildcards, no
// shell ever interprets them here.
func JavaOptions(ctx context.Context, dir string, env map[string]string) (Options, error) {
	if !filepath.IsAbs(dir) {
		return Options{}, fmt.Errorf("jenv: working directory %q is not an absolute path", dir)
	}
	if options := getenv(env, "JENV_OPTIONS"); options != "" {
		return Options{Args: splitWords(options), Origin: "JENV_OPTIONS environment variable"}, nil
	}
	file, err := findUp(ctx, dir, ".java-options")
	if err != nil {
		return Options{}, err
	}
	if file == "" {
		file = firstExisting(filepath.Join(Root(dir, env), "options"))
	}
	if file == "" {
		return Options{}, nil
	}
	line, err := readFirstLine(file)
	if err != nil {
		return Options{}, fmt.Errorf("jenv: %w", err)
	}
	args := splitWords(strings.ReplaceAll(line, "\r", ""))
	if len(args) == 0 {
		return Options{}, nil
	}
	return Options{Args: args, Origin: file}, nil
}
