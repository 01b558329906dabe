//go:build unix

package discovery_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/procman-dev/procman/discovery"
	"github.com/procman-dev/procman/internal/proctest"
)

// The tests build real directory layouts. Modes are always set with
// os.Chmod, since the umask would strip the world-write bits the tests need.

// trustedRoot returns a new directory in which discovery accepts plugins,
// free of symbolic links so that reasons name it as it is written.
func trustedRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.EvalSymlinks(proctest.TrustedDir(t))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func chown(t testing.TB, path string, uid int) {
	t.Helper()
	if err := os.Lchown(path, uid, uid); err != nil {
		t.Fatal(err)
	}
}

func mkdir(t testing.TB, path string, mode os.FileMode) string {
	t.Helper()
	if err := os.MkdirAll(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeFile(t testing.TB, path string, mode os.FileMode) string {
	t.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/sh\nexit 0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func symlink(t testing.TB, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func list(entries ...string) string {
	return strings.Join(entries, string(os.PathListSeparator))
}

// want is an expected candidate. path is relative to the test's root;
// reason must occur in the candidate's Reason, and an empty reason requires
// an empty Reason.
type want struct {
	name   string
	path   string
	status discovery.Status
	reason string
}

func checkCandidates(t *testing.T, root string, got []discovery.Candidate, wants []want) {
	t.Helper()
	for i := 0; i < max(len(got), len(wants)); i++ {
		if i >= len(got) {
			t.Errorf("candidate %d missing, want %+v", i, wants[i])
			continue
		}
		if i >= len(wants) {
			t.Errorf("unexpected candidate %d: %+v", i, got[i])
			continue
		}
		g, w := got[i], wants[i]
		wantPath := filepath.Join(root, w.path)
		wantReason := strings.ReplaceAll(w.reason, "ROOT", root)
		if g.Name != w.name || g.Path != wantPath || g.Status != w.status ||
			!strings.Contains(g.Reason, wantReason) || (wantReason == "") != (g.Reason == "") {
			t.Errorf("candidate %d = {%q %q %v %q}, want {%q %q %v reason containing %q}",
				i, g.Name, g.Path, g.Status, g.Reason, w.name, wantPath, w.status, wantReason)
		}
	}
}

func TestFindCandidates(t *testing.T) {
	const plugin = discovery.Prefix
	tests := []struct {
		name string
		// setup builds the layout under root and returns the two lists to
		// search.
		setup func(t *testing.T, root string) (pluginPath, path string)
		want  []want
	}{{
		name: "PROCMAN_PLUGIN_PATH comes before PATH",
		setup: func(t *testing.T, root string) (string, string) {
			pp := mkdir(t, filepath.Join(root, "pp"), 0o755)
			bin := mkdir(t, filepath.Join(root, "bin"), 0o755)
			writeFile(t, filepath.Join(bin, plugin+"a"), 0o755)
			writeFile(t, filepath.Join(bin, plugin+"b"), 0o755)
			writeFile(t, filepath.Join(pp, plugin+"a"), 0o755)
			return pp, bin
		},
		want: []want{
			{"a", "pp/" + plugin + "a", discovery.OK, ""},
			{"a", "bin/" + plugin + "a", discovery.Shadowed, `shadowed by "ROOT/pp/` + plugin + `a"`},
			{"b", "bin/" + plugin + "b", discovery.OK, ""},
		},
	}, {
		name: "first in PATH wins, later ones are shadowed",
		setup: func(t *testing.T, root string) (string, string) {
			var dirs []string
			for _, d := range []string{"one", "two", "three"} {
				dir := mkdir(t, filepath.Join(root, d), 0o755)
				writeFile(t, filepath.Join(dir, plugin+"x"), 0o755)
				dirs = append(dirs, dir)
			}
			return "", list(dirs...)
		},
		want: []want{
			{"x", "one/" + plugin + "x", discovery.OK, ""},
			{"x", "two/" + plugin + "x", discovery.Shadowed, `shadowed by "ROOT/one/` + plugin + `x"`},
			{"x", "three/" + plugin + "x", discovery.Shadowed, `shadowed by "ROOT/one/` + plugin + `x"`},
		},
	}, {
		name: "non-executable file is refused and shadows nothing",
		setup: func(t *testing.T, root string) (string, string) {
			one := mkdir(t, filepath.Join(root, "one"), 0o755)
			two := mkdir(t, filepath.Join(root, "two"), 0o755)
			writeFile(t, filepath.Join(one, plugin+"a"), 0o644)
			writeFile(t, filepath.Join(two, plugin+"a"), 0o755)
			return one, two
		},
		want: []want{
			{"a", "one/" + plugin + "a", discovery.Refused, "not executable"},
			{"a", "two/" + plugin + "a", discovery.OK, ""},
		},
	}, {
		name: "unusable candidate after the winner is refused, not shadowed",
		setup: func(t *testing.T, root string) (string, string) {
			one := mkdir(t, filepath.Join(root, "one"), 0o755)
			two := mkdir(t, filepath.Join(root, "two"), 0o755)
			writeFile(t, filepath.Join(one, plugin+"a"), 0o755)
			writeFile(t, filepath.Join(two, plugin+"a"), 0o644)
			return "", list(one, two)
		},
		want: []want{
			{"a", "one/" + plugin + "a", discovery.OK, ""},
			{"a", "two/" + plugin + "a", discovery.Refused, "not executable"},
		},
	}, {
		name: "directory named like a plugin is refused and shadows nothing",
		setup: func(t *testing.T, root string) (string, string) {
			one := mkdir(t, filepath.Join(root, "one"), 0o755)
			two := mkdir(t, filepath.Join(root, "two"), 0o755)
			mkdir(t, filepath.Join(one, plugin+"d"), 0o755)
			writeFile(t, filepath.Join(two, plugin+"d"), 0o755)
			return "", list(one, two)
		},
		want: []want{
			{"d", "one/" + plugin + "d", discovery.Refused, "is a directory"},
			{"d", "two/" + plugin + "d", discovery.OK, ""},
		},
	}, {
		name: "fifo is refused",
		setup: func(t *testing.T, root string) (string, string) {
			bin := mkdir(t, filepath.Join(root, "bin"), 0o755)
			if err := unix.Mkfifo(filepath.Join(bin, plugin+"f"), 0o755); err != nil {
				t.Fatal(err)
			}
			return "", bin
		},
		want: []want{
			{"f", "bin/" + plugin + "f", discovery.Refused, "not a regular file"},
		},
	}, {
		name: "invalid names are refused, in file name order",
		setup: func(t *testing.T, root string) (string, string) {
			bin := mkdir(t, filepath.Join(root, "bin"), 0o755)
			for _, name := range []string{"foo_bar", "Foo", "", "-lead", "a-1", "9z"} {
				writeFile(t, filepath.Join(bin, plugin+name), 0o755)
			}
			return "", bin
		},
		want: []want{
			{"", "bin/" + plugin, discovery.Refused, `invalid plugin name ""`},
			{"-lead", "bin/" + plugin + "-lead", discovery.Refused, `invalid plugin name "-lead"`},
			{"9z", "bin/" + plugin + "9z", discovery.OK, ""},
			{"Foo", "bin/" + plugin + "Foo", discovery.Refused, `invalid plugin name "Foo"`},
			{"a-1", "bin/" + plugin + "a-1", discovery.OK, ""},
			{"foo_bar", "bin/" + plugin + "foo_bar", discovery.Refused, `invalid plugin name "foo_bar"`},
		},
	}, {
		name: "files without the prefix are ignored",
		setup: func(t *testing.T, root string) (string, string) {
			bin := mkdir(t, filepath.Join(root, "bin"), 0o755)
			for _, name := range []string{"procman", "procman-plugin", "procman-pluginx", "xprocman-plugin-a", "plugin-a", "PROCMAN-PLUGIN-a", plugin + "a"} {
				writeFile(t, filepath.Join(bin, name), 0o755)
			}
			return "", bin
		},
		want: []want{
			{"a", "bin/" + plugin + "a", discovery.OK, ""},
		},
	}, {
		name: "world-writable file is refused and shadows nothing",
		setup: func(t *testing.T, root string) (string, string) {
			one := mkdir(t, filepath.Join(root, "one"), 0o755)
			two := mkdir(t, filepath.Join(root, "two"), 0o755)
			writeFile(t, filepath.Join(one, plugin+"w"), 0o777)
			writeFile(t, filepath.Join(two, plugin+"w"), 0o755)
			return "", list(one, two)
		},
		want: []want{
			{"w", "one/" + plugin + "w", discovery.Refused, "file is writable by others (mode -rwxrwxrwx)"},
			{"w", "two/" + plugin + "w", discovery.OK, ""},
		},
	}, {
		name: "world-writable directory without the sticky bit is refused",
		setup: func(t *testing.T, root string) (string, string) {
			open := mkdir(t, filepath.Join(root, "open"), 0o777)
			writeFile(t, filepath.Join(open, plugin+"a"), 0o755)
			writeFile(t, filepath.Join(open, plugin+"b"), 0o755)
			return "", open
		},
		want: []want{
			{"a", "open/" + plugin + "a", discovery.Refused, `directory "ROOT/open" is writable by others (mode drwxrwxrwx)`},
			{"b", "open/" + plugin + "b", discovery.Refused, `directory "ROOT/open" is writable by others (mode drwxrwxrwx)`},
		},
	}, {
		name: "world-writable directory with the sticky bit is refused",
		setup: func(t *testing.T, root string) (string, string) {
			sticky := mkdir(t, filepath.Join(root, "sticky"), 0o777|os.ModeSticky)
			writeFile(t, filepath.Join(sticky, plugin+"a"), 0o755)
			return "", sticky
		},
		want: []want{
			{"a", "sticky/" + plugin + "a", discovery.Refused, `directory "ROOT/sticky" is writable by others (mode dtrwxrwxrwx)`},
		},
	}, {
		name: "group-writable file is refused",
		setup: func(t *testing.T, root string) (string, string) {
			bin := mkdir(t, filepath.Join(root, "bin"), 0o755)
			writeFile(t, filepath.Join(bin, plugin+"g"), 0o775)
			return "", bin
		},
		want: []want{
			{"g", "bin/" + plugin + "g", discovery.Refused, "file is writable by others (mode -rwxrwxr-x)"},
		},
	}, {
		name: "group-writable directory is refused",
		setup: func(t *testing.T, root string) (string, string) {
			bin := mkdir(t, filepath.Join(root, "bin"), 0o775)
			writeFile(t, filepath.Join(bin, plugin+"a"), 0o755)
			return "", bin
		},
		want: []want{
			{"a", "bin/" + plugin + "a", discovery.Refused, `directory "ROOT/bin" is writable by others (mode drwxrwxr-x)`},
		},
	}, {
		name: "directory whose parent is world-writable is refused",
		setup: func(t *testing.T, root string) (string, string) {
			// Whoever may write to parent may rename bin away and put
			// a directory of their own in its place.
			parent := mkdir(t, filepath.Join(root, "parent"), 0o777)
			bin := mkdir(t, filepath.Join(parent, "bin"), 0o755)
			writeFile(t, filepath.Join(bin, plugin+"a"), 0o755)
			return "", bin
		},
		want: []want{
			{"a", "parent/bin/" + plugin + "a", discovery.Refused, `directory "ROOT/parent" is writable by others (mode drwxrwxrwx)`},
		},
	}, {
		name: "directory reached through a symbolic link in a world-writable directory is refused",
		setup: func(t *testing.T, root string) (string, string) {
			bin := mkdir(t, filepath.Join(root, "bin"), 0o755)
			open := mkdir(t, filepath.Join(root, "open"), 0o777)
			writeFile(t, filepath.Join(bin, plugin+"a"), 0o755)
			symlink(t, bin, filepath.Join(open, "bin"))
			return "", filepath.Join(open, "bin")
		},
		want: []want{
			{"a", "open/bin/" + plugin + "a", discovery.Refused, `directory "ROOT/open" is writable by others (mode drwxrwxrwx)`},
		},
	}, {
		name: "symlink to an executable is accepted under the link's path",
		setup: func(t *testing.T, root string) (string, string) {
			store := mkdir(t, filepath.Join(root, "store"), 0o755)
			bin := mkdir(t, filepath.Join(root, "bin"), 0o755)
			writeFile(t, filepath.Join(store, "tool"), 0o755)
			symlink(t, filepath.Join(store, "tool"), filepath.Join(bin, plugin+"s"))
			return "", bin
		},
		want: []want{
			{"s", "bin/" + plugin + "s", discovery.OK, ""},
		},
	}, {
		name: "symlink to a world-writable target is refused, naming the target",
		setup: func(t *testing.T, root string) (string, string) {
			store := mkdir(t, filepath.Join(root, "store"), 0o755)
			bin := mkdir(t, filepath.Join(root, "bin"), 0o755)
			writeFile(t, filepath.Join(store, "tool"), 0o777)
			symlink(t, filepath.Join(store, "tool"), filepath.Join(bin, plugin+"s"))
			return "", bin
		},
		want: []want{
			{"s", "bin/" + plugin + "s", discovery.Refused, `symbolic link target "ROOT/store/tool" is writable by others (mode -rwxrwxrwx)`},
		},
	}, {
		name: "symlink to a non-executable target is refused",
		setup: func(t *testing.T, root string) (string, string) {
			store := mkdir(t, filepath.Join(root, "store"), 0o755)
			bin := mkdir(t, filepath.Join(root, "bin"), 0o755)
			writeFile(t, filepath.Join(store, "tool"), 0o644)
			symlink(t, filepath.Join(store, "tool"), filepath.Join(bin, plugin+"s"))
			return "", bin
		},
		want: []want{
			{"s", "bin/" + plugin + "s", discovery.Refused, "not executable"},
		},
	}, {
		name: "symlink in a world-writable directory is refused",
		setup: func(t *testing.T, root string) (string, string) {
			store := mkdir(t, filepath.Join(root, "store"), 0o755)
			open := mkdir(t, filepath.Join(root, "open"), 0o777)
			writeFile(t, filepath.Join(store, "tool"), 0o755)
			symlink(t, filepath.Join(store, "tool"), filepath.Join(open, plugin+"s"))
			return "", open
		},
		want: []want{
			{"s", "open/" + plugin + "s", discovery.Refused, `directory "ROOT/open" is writable by others (mode drwxrwxrwx)`},
		},
	}, {
		name: "symlink to a target in a world-writable directory is refused",
		setup: func(t *testing.T, root string) (string, string) {
			open := mkdir(t, filepath.Join(root, "open"), 0o777|os.ModeSticky)
			bin := mkdir(t, filepath.Join(root, "bin"), 0o755)
			writeFile(t, filepath.Join(open, "tool"), 0o755)
			symlink(t, filepath.Join(open, "tool"), filepath.Join(bin, plugin+"s"))
			return "", bin
		},
		want: []want{
			{"s", "bin/" + plugin + "s", discovery.Refused, `directory "ROOT/open" is writable by others (mode dtrwxrwxrwx)`},
		},
	}, {
		name: "relative symlink is followed from the link's directory",
		setup: func(t *testing.T, root string) (string, string) {
			store := mkdir(t, filepath.Join(root, "store"), 0o755)
			bin := mkdir(t, filepath.Join(root, "bin"), 0o755)
			writeFile(t, filepath.Join(store, "tool"), 0o777)
			symlink(t, "../store/./tool", filepath.Join(bin, plugin+"s"))
			return "", bin
		},
		want: []want{
			{"s", "bin/" + plugin + "s", discovery.Refused, `symbolic link target "ROOT/store/tool" is writable by others`},
		},
	}, {
		name: "dangling symlink is refused and shadows nothing",
		setup: func(t *testing.T, root string) (string, string) {
			one := mkdir(t, filepath.Join(root, "one"), 0o755)
			two := mkdir(t, filepath.Join(root, "two"), 0o755)
			symlink(t, filepath.Join(root, "nowhere"), filepath.Join(one, plugin+"s"))
			writeFile(t, filepath.Join(two, plugin+"s"), 0o755)
			return "", list(one, two)
		},
		want: []want{
			{"s", "one/" + plugin + "s", discovery.Refused, `broken symbolic link: target "ROOT/nowhere" does not exist`},
			{"s", "two/" + plugin + "s", discovery.OK, ""},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := trustedRoot(t)
			pluginPath, path := tt.setup(t, root)
			got := discovery.Find(pluginPath, path)
			checkCandidates(t, root, got.Candidates, tt.want)
			for _, d := range got.Dirs {
				if d.Skipped != "" {
					t.Errorf("directory %q skipped: %s", d.Path, d.Skipped)
				}
			}
		})
	}
}

// TestFindRefusesOtherUsers checks, as root, that discovery runs nothing
// that another user owns or could have put in place.
func TestFindRefusesOtherUsers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root can give files to another user")
	}
	const plugin, nobody = discovery.Prefix, 65534
	root := trustedRoot(t)
	sticky := mkdir(t, filepath.Join(root, "sticky"), 0o777|os.ModeSticky)
	chown(t, writeFile(t, filepath.Join(sticky, plugin+"a"), 0o755), nobody)
	theirs := mkdir(t, filepath.Join(root, "theirs"), 0o755)
	writeFile(t, filepath.Join(theirs, plugin+"b"), 0o755)
	chown(t, theirs, nobody)
	bin := mkdir(t, filepath.Join(root, "bin"), 0o755)
	chown(t, writeFile(t, filepath.Join(bin, plugin+"c"), 0o755), nobody)
	// A link of root's own, to a file of root's in their directory.
	symlink(t, filepath.Join(theirs, plugin+"b"), filepath.Join(bin, plugin+"d"))
	// Their link, in root's directory, to root's file: links cannot be
	// changed, only replaced by whoever may write to their directory.
	writeFile(t, filepath.Join(root, "tool"), 0o755)
	symlink(t, filepath.Join(root, "tool"), filepath.Join(bin, plugin+"e"))
	chown(t, filepath.Join(bin, plugin+"e"), nobody)

	got := discovery.Find("", list(sticky, theirs, bin))
	checkCandidates(t, root, got.Candidates, []want{
		{"a", "sticky/" + plugin + "a", discovery.Refused, `directory "ROOT/sticky" is writable by others (mode dtrwxrwxrwx)`},
		{"b", "theirs/" + plugin + "b", discovery.Refused, `directory "ROOT/theirs" is owned by uid 65534, not by root or the effective user (uid 0)`},
		{"c", "bin/" + plugin + "c", discovery.Refused, `file is owned by uid 65534, not by root or the effective user (uid 0)`},
		{"d", "bin/" + plugin + "d", discovery.Refused, `directory "ROOT/theirs" is owned by uid 65534, not by root or the effective user (uid 0)`},
		{"e", "bin/" + plugin + "e", discovery.OK, ""},
	})
}

func TestFindDirs(t *testing.T) {
	root := trustedRoot(t)
	const plugin = discovery.Prefix
	pp := mkdir(t, filepath.Join(root, "pp"), 0o755)
	bin := mkdir(t, filepath.Join(root, "bin"), 0o755)
	writeFile(t, filepath.Join(pp, plugin+"p"), 0o755)
	writeFile(t, filepath.Join(bin, plugin+"b"), 0o755)
	binLink := filepath.Join(root, "bin-link")
	symlink(t, bin, binLink)
	notDir := writeFile(t, filepath.Join(root, "not-a-dir"), 0o755)
	missing := filepath.Join(root, "missing")

	// Plugins in the working directory and in a relative directory, which
	// must never be found.
	t.Chdir(root)
	writeFile(t, filepath.Join(root, plugin+"cwd"), 0o755)
	rel := mkdir(t, filepath.Join(root, "rel"), 0o755)
	writeFile(t, filepath.Join(rel, plugin+"rel"), 0o755)

	got := discovery.Find(
		list(pp, "", "rel"),
		list(bin, missing, pp, bin+"/", binLink, notDir, ".", "./rel", ""),
	)

	const ppSource, pathSource = discovery.EnvPluginPath, "PATH"
	wantDirs := []discovery.Dir{
		{Path: pp, Source: ppSource},
		{Path: "", Source: ppSource, Skipped: "empty entry"},
		{Path: "rel", Source: ppSource, Skipped: "relative path"},
		{Path: bin, Source: pathSource},
		{Path: missing, Source: pathSource, Skipped: "does not exist"},
		{Path: pp, Source: pathSource, Skipped: fmt.Sprintf("duplicate of %q", pp)},
		{Path: bin + "/", Source: pathSource, Skipped: fmt.Sprintf("duplicate of %q", bin)},
		{Path: binLink, Source: pathSource, Skipped: fmt.Sprintf("same directory as %q", bin)},
		{Path: notDir, Source: pathSource, Skipped: "not a directory"},
		{Path: ".", Source: pathSource, Skipped: "relative path"},
		{Path: "./rel", Source: pathSource, Skipped: "relative path"},
		{Path: "", Source: pathSource, Skipped: "empty entry"},
	}
	for i := 0; i < max(len(got.Dirs), len(wantDirs)); i++ {
		if i >= len(got.Dirs) || i >= len(wantDirs) {
			t.Errorf("got %d dirs, want %d: %+v", len(got.Dirs), len(wantDirs), got.Dirs)
			break
		}
		g, w := got.Dirs[i], wantDirs[i]
		if g.Path != w.Path || g.Source != w.Source ||
			!strings.Contains(g.Skipped, w.Skipped) || (w.Skipped == "") != (g.Skipped == "") {
			t.Errorf("dir %d = %+v, want %+v (Skipped containing %q)", i, g, w, w.Skipped)
		}
	}
	// Each plugin once: the duplicates were not searched again, and neither
	// the working directory nor the relative one was searched at all.
	checkCandidates(t, root, got.Candidates, []want{
		{"p", "pp/" + plugin + "p", discovery.OK, ""},
		{"b", "bin/" + plugin + "b", discovery.OK, ""},
	})
}

func TestFindUnreadableDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every directory; run as another user to test this")
	}
	root := t.TempDir()
	locked := mkdir(t, filepath.Join(root, "locked"), 0o755)
	writeFile(t, filepath.Join(locked, discovery.Prefix+"a"), 0o755)
	if err := os.Chmod(locked, 0o311); err != nil {
		t.Fatal(err)
	}
	// Readable again for t.TempDir's removal, which runs after this.
	t.Cleanup(func() { os.Chmod(locked, 0o755) })
	got := discovery.Find("", locked)
	if len(got.Dirs) != 1 || !strings.Contains(got.Dirs[0].Skipped, "cannot be read: permission denied") {
		t.Errorf("Dirs = %+v, want %q skipped as unreadable", got.Dirs, locked)
	}
	if len(got.Candidates) != 0 {
		t.Errorf("Candidates = %+v, want none", got.Candidates)
	}
}

func TestFindIgnoresEnvironment(t *testing.T) {
	bin := mkdir(t, filepath.Join(trustedRoot(t), "bin"), 0o755)
	writeFile(t, filepath.Join(bin, discovery.Prefix+"a"), 0o755)
	t.Setenv("PATH", bin)
	t.Setenv(discovery.EnvPluginPath, bin)

	if got := discovery.Find("", ""); len(got.Dirs) != 0 || len(got.Candidates) != 0 {
		t.Errorf("Find(\"\", \"\") = %+v, want nothing: the environment is not Find's to read", got)
	}
	// The same layout is found when passed in.
	if got := discovery.Find("", bin); len(got.Plugins()) != 1 {
		t.Errorf("Find(\"\", %q) = %+v, want one plugin", bin, got)
	}
}

func TestResultPlugins(t *testing.T) {
	root := trustedRoot(t)
	const plugin = discovery.Prefix
	one := mkdir(t, filepath.Join(root, "one"), 0o755)
	two := mkdir(t, filepath.Join(root, "two"), 0o755)
	writeFile(t, filepath.Join(one, plugin+"b"), 0o755)
	writeFile(t, filepath.Join(one, plugin+"c"), 0o644)
	writeFile(t, filepath.Join(two, plugin+"a"), 0o755)
	writeFile(t, filepath.Join(two, plugin+"b"), 0o755)
	writeFile(t, filepath.Join(two, plugin+"c"), 0o755)

	got := discovery.Find(one, two).Plugins()
	checkCandidates(t, root, got, []want{
		{"b", "one/" + plugin + "b", discovery.OK, ""},
		{"a", "two/" + plugin + "a", discovery.OK, ""},
		{"c", "two/" + plugin + "c", discovery.OK, ""},
	})
}

func TestStatusString(t *testing.T) {
	for status, want := range map[discovery.Status]string{
		discovery.OK:       "ok",
		discovery.Shadowed: "shadowed",
		discovery.Refused:  "refused",
		0:                  "Status(0)",
	} {
		if got := status.String(); got != want {
			t.Errorf("Status(%d).String() = %q, want %q", int(status), got, want)
		}
	}
}

// BenchmarkFind searches a PATH like a developer machine's: 8 directories of
// 200 programs each, 3 of them plugins.
func BenchmarkFind(b *testing.B) {
	root := trustedRoot(b)
	var dirs []string
	for d := range 8 {
		dir := mkdir(b, filepath.Join(root, fmt.Sprintf("bin%d", d)), 0o755)
		for f := range 200 {
			writeFile(b, filepath.Join(dir, fmt.Sprintf("tool-%03d", f)), 0o755)
		}
		dirs = append(dirs, dir)
	}
	for _, p := range []struct{ dir, name string }{{dirs[1], "nvm"}, {dirs[4], "jenv"}, {dirs[6], "pyenv"}} {
		writeFile(b, filepath.Join(p.dir, discovery.Prefix+p.name), 0o755)
	}
	path := list(dirs...)
	if n := len(discovery.Find("", path).Plugins()); n != 3 {
		b.Fatalf("found %d plugins, want 3", n)
	}
	for b.Loop() {
		discovery.Find("", path)
	}
}
