//go:build unix

package resolve

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// versionFileSeeds are version files and PYENV_VERSION values worth
// starting from: paths that lead out of versions/ or nowhere, names that
// turn into one ("python-.." less its prefix, ".." after a ':'), NUL, a
// byte order mark, CRLF line ends, comments.
var versionFileSeeds = []string{
	"3.11.7\n",
	"3.11\r\n3.12\r\n",
	"# pinned\n\n  3.12 trailing words\n#3.9\n",
	"../../etc",
	"/etc",
	"/",
	"..",
	".",
	"python-..",
	"python-../..",
	"3.11.7:..",
	"3.11.7/../..",
	"3.11.7/envs/venv",
	"venv",
	"linked",
	"linked/..",
	"linked/../../..",
	"dangling",
	"python-",
	"3.11\x00",
	"\ufeff3.11.7\n",
	"\xff\xfe3\x001\x00.\x001\x001\x00\n\x00",
	strings.Repeat("3.11.7 ", 11000),
}

func FuzzParseVersionFile(f *testing.F) {
	for _, s := range versionFileSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		values := parseVersionFile(data)
		if len(values) > strings.Count(data, "\n")+1 {
			t.Fatalf("%d values from %d lines", len(values), strings.Count(data, "\n")+1)
		}
		for _, v := range values {
			if v == "" || strings.ContainsAny(v, " \t\r\n") || strings.HasPrefix(v, "#") {
				t.Fatalf("value %q: empty, holds a separator or is a comment", v)
			}
		}
	})
}

// FuzzSelect writes a .python-version and sets PYENV_VERSION, and checks
// that whatever they say, every installed version Select resolves to lies
// inside $PYENV_ROOT/versions, and so does every directory it adds to
// PATH. Links in versions/ are pyenv's installations (of a system Python,
// of a virtualenv) and may point anywhere: what counts is that the paths
// the process is given are spelled inside versions/, through one of them.
func FuzzSelect(f *testing.F) {
	for _, s := range versionFileSeeds {
		f.Add(s, "")
		f.Add("3.11.7", s)
	}
	top := f.TempDir()
	root := filepath.Join(top, "pyenv")
	versions := filepath.Join(root, "versions")
	for _, dir := range []string{
		"pyenv/versions/3.11.7/bin", "pyenv/versions/3.11.7/envs/venv/bin", "pyenv/versions/3.12.1/bin",
		"pyenv/versions/python-/bin", "pyenv/bin", "outside/bin", "proj",
	} {
		if err := os.MkdirAll(filepath.Join(top, dir), 0o755); err != nil {
			f.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		"venv": "3.11.7/envs/venv", "linked": filepath.Join(top, "outside"), "dangling": filepath.Join(top, "nowhere"),
	} {
		if err := os.Symlink(target, filepath.Join(versions, link)); err != nil {
			f.Fatal(err)
		}
	}
	proj := filepath.Join(top, "proj")
	const path = "/usr/bin:/bin"

	f.Fuzz(func(t *testing.T, file, pyenvVersion string) {
		if err := os.WriteFile(filepath.Join(proj, localFileName), []byte(file), 0o644); err != nil {
			t.Fatal(err)
		}
		env := map[string]string{"PYENV_ROOT": root, "PYENV_VERSION": pyenvVersion, "PATH": path}
		sel, err := Select(proj, env)
		if err != nil {
			return
		}
		for _, v := range sel.Versions {
			if v.Name != "" && v.Name != System && !inside(versions, filepath.Join(versions, v.Name)) {
				t.Fatalf("%q resolved to %q, outside %s", v.Requested, v.Name, versions)
			}
		}
		for _, dir := range filepath.SplitList(sel.Env(env)["PATH"]) {
			if dir != "/usr/bin" && dir != "/bin" && !inside(versions, dir) {
				t.Fatalf("PATH entry %q lies outside %s", dir, versions)
			}
		}
	})
}

// inside reports whether path lies strictly inside dir, by its spelling.
func inside(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != "." && filepath.IsLocal(rel)
}
