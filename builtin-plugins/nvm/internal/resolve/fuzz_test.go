//go:build unix

package resolve

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// nvmrcSeeds are .nvmrc and alias contents worth starting from: versions
// and aliases of every kind, ways out of NVM_DIR, NUL, a byte order mark,
// CRLF line ends, settings, comments.
var nvmrcSeeds = []string{
	"20\n",
	"v18.17.1\r\n",
	"lts/iron\n",
	"lts/*",
	"lts/-1",
	"node",
	"iojs",
	"iojs-3",
	"system",
	"mine",
	"default",
	"18.1",
	"# project\nmirror=x\n20 # LTS\n",
	"node=20\n",
	"../../outside",
	"../../../../../../..",
	"/",
	"v19.0.0",
	"lts/../../outside",
	"lts/-99999999999999999999",
	"v1.2.3\x00",
	"\ufeff20\n",
	"\xff\xfe2\x000\x00\n\x00",
	"20\n" + strings.Repeat("#", maxFileSize),
}

func FuzzParseNvmrc(f *testing.F) {
	for _, s := range nvmrcSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, content string) {
		version, err := parseNvmrc(content)
		if err != nil {
			if version != "" {
				t.Fatalf("error %v with version %q", err, version)
			}
			return
		}
		if version == "" || strings.Contains(version, "#") || strings.Trim(version, space) != version || strings.ContainsAny(version, "\n") {
			t.Fatalf("version %q: empty, holds a comment or a line end, or is not trimmed", version)
		}
	})
}

// FuzzChoose writes a .nvmrc and an alias ("mine"), and checks that
// whatever they say, the installation Choose picks lies inside NVM_DIR and
// has an executable bin/node, and that the variables it sets point there.
// v19.0.0 is a link to an installation outside NVM_DIR: a link there is
// how its owner installs a node that lives elsewhere, and is followed.
func FuzzChoose(f *testing.F) {
	for _, s := range nvmrcSeeds {
		f.Add(s, "")
		f.Add("mine", s)
	}
	top := f.TempDir()
	nvm := filepath.Join(top, "nvm")
	for _, dir := range []string{
		"nvm/versions/node/v18.17.1", "nvm/versions/node/v20.1.0", "nvm/v0.10.48", "nvm/versions/io.js/v3.3.1", "outside/v19.0.0",
	} {
		if err := os.MkdirAll(filepath.Join(top, dir, "bin"), 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(top, dir, "bin", "node"), nil, 0o755); err != nil {
			f.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(top, "outside", "v19.0.0"), filepath.Join(nvm, "versions", "node", "v19.0.0")); err != nil {
		f.Fatal(err)
	}
	for name, content := range map[string]string{"default": "18", "lts/iron": "v20.1.0", "lts/hydrogen": "v18.17.1", "lts/*": "lts/iron"} {
		path := filepath.Join(nvm, "alias", name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	proj := filepath.Join(top, "proj")
	if err := os.Mkdir(proj, 0o755); err != nil {
		f.Fatal(err)
	}
	env := map[string]string{"NVM_DIR": nvm}
	const path = "/usr/bin:/bin"

	f.Fuzz(func(t *testing.T, nvmrc, alias string) {
		if err := os.WriteFile(filepath.Join(proj, ".nvmrc"), []byte(nvmrc), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(nvm, "alias", "mine"), []byte(alias), 0o644); err != nil {
			t.Fatal(err)
		}
		c, ok, err := Choose(context.Background(), proj, env)
		if err != nil || !ok {
			return
		}
		if !inside(nvm, c.Dir) {
			t.Fatalf("%q chose %s, outside %s", c.Requested, c.Dir, nvm)
		}
		if info, err := os.Stat(filepath.Join(c.Dir, "bin", "node")); err != nil || info.Mode().Perm()&0o111 == 0 {
			t.Fatalf("%q chose %s, which has no executable bin/node (%v)", c.Requested, c.Dir, err)
		}
		vars := c.Env(path)
		for _, dir := range append(filepath.SplitList(vars["PATH"]), vars["NVM_BIN"], vars["NVM_INC"]) {
			if dir != "/usr/bin" && dir != "/bin" && !inside(c.Dir, dir) {
				t.Fatalf("%q: %s lies outside %s (%q)", c.Requested, dir, c.Dir, vars)
			}
		}
	})
}

// inside reports whether path lies strictly inside dir, by its spelling.
func inside(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != "." && filepath.IsLocal(rel)
}
