package resolve

import (
	"os"
	"path/filepath"
	"testing"
)

// writeFile writes content to path, making the directories above it.
func writeFile(t *testing.T, path, content string, perm os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
}

// nvmTree makes an nvm directory in t.TempDir() with a node installed in
// each of dirs (paths relative to it, such as "versions/node/v20.20.2"),
// and the aliases given as name → content.
func nvmTree(t *testing.T, dirs []string, aliases map[string]string) string {
	t.Helper()
	nvm := t.TempDir()
	for _, dir := range dirs {
		writeFile(t, filepath.Join(nvm, dir, "bin", "node"), "#!/bin/sh\necho "+filepath.Base(dir)+"\n", 0o755)
	}
	for name, content := range aliases {
		writeFile(t, filepath.Join(nvm, "alias", name), content, 0o644)
	}
	return nvm
}

// installs are installations of every layout, and near misses that nvm
// does not count: versions in the place of others, a name that is no
// version.
var installs = []string{
	"versions/node/v20.20.2",
	"versions/node/v18.17.1",
	"versions/node/v18.9.0",
	"versions/node/v18.1.0",
	"versions/node/v16.20.2",
	"v0.10.48",               // before 0.12: at the top
	"versions/io.js/v3.3.1",  // io.js
	"versions/io.js/v1.8.4",  // io.js
	"v18.99.0",               // not where nvm puts v18: not installed
	"versions/node/v0.10.40", // not where nvm puts v0.10: not installed
	"versions/node/not-a-version",
}

// brokenInstalls adds the installations that do not count: v21.0.0 has no
// bin/node, v22.0.0 a bin/node that is not executable.
func brokenInstalls(t *testing.T, nvm string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(nvm, "versions/node/v21.0.0/bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(nvm, "versions/node/v22.0.0/bin/node"), "#!/bin/sh\n", 0o644)
}
