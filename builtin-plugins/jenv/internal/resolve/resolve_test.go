//go:build unix

package resolve

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// layout makes files under a new temporary directory and returns the
// directory. Keys are paths relative to it; a value is the file's content,
// or, after "-> ", the target of a symbolic link, relative to the directory
// too. A key ending in '/' is a directory.
func layout(t *testing.T, files map[string]string) string {
	t.Helper()
	base := t.TempDir()
	for _, rel := range slices.Sorted(maps.Keys(files)) {
		path := filepath.Join(base, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		content := files[rel]
		var err error
		switch target, link := strings.CutPrefix(content, "-> "); {
		case strings.HasSuffix(rel, "/"):
			err = os.MkdirAll(path, 0o755)
		case link:
			err = os.Symlink(filepath.Join(base, target), path)
		default:
			err = os.WriteFile(path, []byte(content), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return base
}

// with returns the files of base and of more, those of more winning.
func with(base, more map[string]string) map[string]string {
	files := maps.Clone(base)
	maps.Copy(files, more)
	return files
}

// project is a working directory three levels below work/, with a HOME.
var project = map[string]string{
	"work/a/b/c/": "",
	"home/":       "",
}

const envVersion = "JENV_VERSION environment variable"

func TestRequested(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		env     map[string]string // HOME is added
		want    string            // Version
		origin  string            // a file relative to the layout, or envVersion
		wantErr bool
	}{
		{name: "nothing asks: system", want: "", origin: ""},
		{
			name:  "JENV_VERSION wins over every file",
			files: map[string]string{"work/a/b/c/.java-version": "11\n", "home/.jenv/version": "8\n"},
			env:   map[string]string{"JENV_VERSION": "17"},
			want:  "17", origin: envVersion,
		},
		{
			name:  "an empty JENV_VERSION does not count",
			files: map[string]string{"work/a/b/c/.java-version": "11\n"},
			env:   map[string]string{"JENV_VERSION": ""},
			want:  "11", origin: "work/a/b/c/.java-version",
		},
		{
			name: "JENV_VERSION is taken as it is",
			env:  map[string]string{"JENV_VERSION": " 17 "},
			want: " 17 ", origin: envVersion,
		},
		{
			name:  ".java-version in the working directory",
			files: map[string]string{"work/a/b/c/.java-version": "17\n", "work/.java-version": "11\n"},
			want:  "17", origin: "work/a/b/c/.java-version",
		},
		{
			name:  ".java-version in a parent",
			files: map[string]string{"work/a/.java-version": "17\n", "home/.jenv/version": "11\n"},
			want:  "17", origin: "work/a/.java-version",
		},
		{
			name:  ".java-version before .jenv-version in the same directory",
			files: map[string]string{"work/a/.java-version": "17\n", "work/a/.jenv-version": "11\n"},
			want:  "17", origin: "work/a/.java-version",
		},
		{
			name:  ".jenv-version alone",
			files: map[string]string{"work/a/b/.jenv-version": "11\n"},
			want:  "11", origin: "work/a/b/.jenv-version",
		},
		{
			name:  "the nearer directory wins, whatever the file's name",
			files: map[string]string{"work/a/b/.jenv-version": "11\n", "work/a/.java-version": "17\n"},
			want:  "11", origin: "work/a/b/.jenv-version",
		},
		{
			name:  "an empty file ends the search: system",
			files: map[string]string{"work/a/b/.java-version": "", "work/.java-version": "17\n", "home/.jenv/version": "11\n"},
			want:  "", origin: "work/a/b/.java-version",
		},
		{
			name:  "a blank file ends the search: system",
			files: map[string]string{"work/a/b/.java-version": " \n\t\r\n\n", "home/.jenv/version": "11\n"},
			want:  "", origin: "work/a/b/.java-version",
		},
		{
			name:  "a file may say system",
			files: map[string]string{"work/.java-version": "system\n", "home/.jenv/version": "11\n"},
			want:  "system", origin: "work/.java-version",
		},
		{
			name:  "a symbolic link to a version file counts",
			files: map[string]string{"work/a/.java-version": "-> shared/java-version", "shared/java-version": "17\n"},
			want:  "17", origin: "work/a/.java-version",
		},
		{
			name:  "a dangling symbolic link does not",
			files: map[string]string{"work/a/.java-version": "-> missing", "work/.java-version": "11\n"},
			want:  "11", origin: "work/.java-version",
		},
		{
			name:  "blank lines and indentation before the version",
			files: map[string]string{"work/.java-version": "\n  \n\t  17.0.15  \n11\n"},
			want:  "17.0.15", origin: "work/.java-version",
		},
		{
			name:  "CRLF",
			files: map[string]string{"work/.java-version": "\r\n17\r\n"},
			want:  "17", origin: "work/.java-version",
		},
		{
			name:  "the first word only",
			files: map[string]string{"work/.java-version": "17 # the LTS\n"},
			want:  "17", origin: "work/.java-version",
		},
		{
			name:  "no comments",
			files: map[string]string{"work/.java-version": "# 11\n17\n"},
			want:  "#", origin: "work/.java-version",
		},
		{
			name:  "no newline at the end",
			files: map[string]string{"work/.java-version": "17"},
			want:  "17", origin: "work/.java-version",
		},
		{
			name:  "global version file",
			files: map[string]string{"home/.jenv/version": "17\n", "home/.jenv/global": "11\n", "home/.jenv/default": "8\n"},
			want:  "17", origin: "home/.jenv/version",
		},
		{
			name:  "global file global, without version",
			files: map[string]string{"home/.jenv/global": "11\n", "home/.jenv/default": "8\n"},
			want:  "11", origin: "home/.jenv/global",
		},
		{
			name:  "global file default, without version and global",
			files: map[string]string{"home/.jenv/default": "8\n"},
			want:  "8", origin: "home/.jenv/default",
		},
		{
			name:  "an empty global version file ends the search: system",
			files: map[string]string{"home/.jenv/version": "", "home/.jenv/global": "11\n"},
			want:  "", origin: "home/.jenv/version",
		},
		{
			name:  "JENV_ROOT instead of HOME/.jenv",
			files: map[string]string{"jenv/version": "17\n", "home/.jenv/version": "11\n"},
			env:   map[string]string{"JENV_ROOT": "@/jenv/"},
			want:  "17", origin: "jenv/version",
		},
		{
			name:  "an empty JENV_ROOT means HOME/.jenv",
			files: map[string]string{"jenv/version": "17\n", "home/.jenv/version": "11\n"},
			env:   map[string]string{"JENV_ROOT": ""},
			want:  "11", origin: "home/.jenv/version",
		},
		{
			name:  "a relative JENV_ROOT is relative to the working directory",
			files: map[string]string{"work/a/b/c/jenv/version": "17\n"},
			env:   map[string]string{"JENV_ROOT": "jenv"},
			want:  "17", origin: "work/a/b/c/jenv/version",
		},
		{
			name:    "an unreadable version file is an error",
			files:   map[string]string{"work/a/.java-version/": ""},
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := layout(t, with(project, tt.files))
			env := map[string]string{"HOME": filepath.Join(base, "home")}
			for k, v := range tt.env {
				env[k] = strings.ReplaceAll(v, "@", base)
			}
			dir := filepath.Join(base, "work/a/b/c")
			got, err := Requested(context.Background(), dir, env)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Requested = %+v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			origin := tt.origin
			if origin != "" && origin != envVersion {
				origin = filepath.Join(base, origin)
			}
			if got.Version != tt.want || got.Origin != origin {
				t.Errorf("Requested = version %q from %q, want %q from %q", got.Version, got.Origin, tt.want, origin)
			}
			if got.System() != (tt.want == "" || tt.want == "system") {
				t.Errorf("System() = %t for version %q", got.System(), got.Version)
			}
		})
	}
}

func TestRequestedStopsBelowTheRootDirectory(t *testing.T) {
	// jenv walks up to the top, but does not look into / itself.
	const file = "/.java-version"
	if _, err := os.Lstat(file); err == nil {
		t.Skipf("%s exists already", file)
	}
	if err := os.WriteFile(file, []byte("17\n"), 0o644); err != nil {
		t.Skipf("cannot write to the root directory: %v", err)
	}
	t.Cleanup(func() { os.Remove(file) })

	dir := t.TempDir()
	for _, d := range []string{dir, "/"} {
		got, err := Requested(context.Background(), d, map[string]string{"HOME": dir})
		if err != nil || !got.System() || got.Origin != "" {
			t.Errorf("Requested from %s = %+v, %v; want the system's Java, found nowhere", d, got, err)
		}
	}
}

func TestRequestedNeedsAnAbsoluteDirectory(t *testing.T) {
	for _, dir := range []string{"", "work"} {
		if got, err := Requested(context.Background(), dir, nil); err == nil {
			t.Errorf("Requested from %q = %+v, want an error: the plugin's own working directory must not count", dir, got)
		}
	}
}

func TestRequestedHonoursCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Requested(ctx, t.TempDir(), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Requested with a cancelled ctx: %v, want context.Canceled", err)
	}
}

func TestRoot(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"HOME/.jenv by default", map[string]string{"HOME": "/home/ann"}, "/home/ann/.jenv"},
		{"JENV_ROOT", map[string]string{"HOME": "/home/ann", "JENV_ROOT": "/opt/jenv"}, "/opt/jenv"},
		{"without a trailing slash", map[string]string{"JENV_ROOT": "/opt/jenv/"}, "/opt/jenv"},
		{"an empty JENV_ROOT", map[string]string{"HOME": "/home/ann", "JENV_ROOT": ""}, "/home/ann/.jenv"},
		{"no HOME, as in jenv", nil, "/.jenv"},
		{"relative to the working directory", map[string]string{"JENV_ROOT": "tools/jenv"}, "/work/tools/jenv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Root("/work", tt.env); got != filepath.FromSlash(tt.want) {
				t.Errorf("Root = %q, want %q", got, tt.want)
			}
		})
	}
}

// jenvRoot is a jenv root under jenv/ with the names jenv add gives, and
// some it does not.
var jenvRoot = map[string]string{
	"jdks/jdk-17/bin/java":  "",
	"jdks/jdk-17/bin/javac": "",
	"jdks/jre-11/bin/java":  "",
	"jdks/jdk-8/bin/java":   "",
	"jdks/jdk-8/bin/javac":  "",

	"jenv/versions/openjdk64-17.0.15": "-> jdks/jdk-17",
	"jenv/versions/17.0.15":           "-> jdks/jdk-17",
	"jenv/versions/17":                "-> jdks/jdk-17",
	"jenv/versions/11":                "-> jdks/jre-11",
	"jenv/versions/java-8":            "-> jdks/jdk-8",
	"jenv/versions/gone":              "-> jdks/removed",
	"jenv/versions/file":              "not a JDK",
	"jenv/versions/plain/bin/java":    "",
}

func TestInstalled(t *testing.T) {
	tests := []struct {
		version string
		want    string // Name; "" for not installed
		jdk     bool
	}{
		{"17", "17", true},
		{"17.0.15", "17.0.15", true},
		{"openjdk64-17.0.15", "openjdk64-17.0.15", true},
		{"plain", "plain", false}, // a directory rather than a link will do
		{"11", "11", false},       // a runtime: no javac
		{"java-17", "17", true},   // prefix stripped
		{"java-8", "java-8", true},
		{"gone", "", false},              // dangling link
		{"java-gone", "", false},         // stripped, still dangling
		{"file", "", false},              // not a directory
		{"17.0", "", false},              // no prefix matching
		{"1", "", false},                 // no prefix matching
		{"openjdk64-17", "", false},      // no prefix matching
		{"8", "", false},                 // only java-8 is there
		{"../../jdks/jdk-17", "", false}, // not an entry of versions/
		{"java-../../jdks/jdk-17", "", false},
		{".", "", false},
		{"..", "", false},
		{"java-", "", false},
		{"17 ", "", false},
	}
	base := layout(t, jenvRoot)
	root := filepath.Join(base, "jenv")
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			req := Request{Version: tt.version, Origin: "/p/.java-version", Root: root}
			got, err := Installed(req)
			if tt.want == "" {
				var notInstalled *NotInstalledError
				if !errors.As(err, &notInstalled) || notInstalled.Version != tt.version {
					t.Fatalf("Installed = %+v, %v; want a NotInstalledError", got, err)
				}
				if want := "jenv: version '" + tt.version + "' is not installed"; err.Error() != want {
					t.Errorf("error %q, want jenv's %q", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			home := filepath.Join(root, "versions", tt.want)
			if got.Name != tt.want || got.Home != home || got.JDK != tt.jdk {
				t.Errorf("Installed = %+v, want name %q, home %q, JDK %t", got, tt.want, home, tt.jdk)
			}
			if got.PrefixStripped(req) != (tt.want != tt.version) {
				t.Errorf("PrefixStripped = %t", got.PrefixStripped(req))
			}
		})
	}
}

func TestInstalledHomeIsTheLink(t *testing.T) {
	base := layout(t, jenvRoot)
	got, err := Installed(Request{Version: "17", Root: filepath.Join(base, "jenv")})
	if err != nil {
		t.Fatal(err)
	}
	target, err := filepath.EvalSymlinks(got.Home)
	if err != nil {
		t.Fatal(err)
	}
	if got.Home == target || got.Home != filepath.Join(base, "jenv", "versions", "17") {
		t.Errorf("Home = %q, want the link in versions/, not %q", got.Home, target)
	}
}

func TestInstalledRefusesTheSystem(t *testing.T) {
	for _, version := range []string{"", "system"} {
		if got, err := Installed(Request{Version: version, Root: t.TempDir()}); err == nil {
			t.Errorf("Installed(%q) = %+v, want an error", version, got)
		}
	}
}

func TestJavaOptions(t *testing.T) {
	const envOptions = "JENV_OPTIONS environment variable"
	tests := []struct {
		name    string
		files   map[string]string
		env     map[string]string
		want    []string
		origin  string // a file relative to the layout, or envOptions
		wantErr bool
	}{
		{name: "none"},
		{
			name:  "JENV_OPTIONS wins over the files",
			files: map[string]string{"work/a/b/c/.java-options": "-Dfile=yes\n", "home/.jenv/options": "-Droot=yes\n"},
			env:   map[string]string{"JENV_OPTIONS": "  -Xmx1g\t-Denv=yes "},
			want:  []string{"-Xmx1g", "-Denv=yes"}, origin: envOptions,
		},
		{
			name:  "an empty JENV_OPTIONS does not count",
			files: map[string]string{"work/.java-options": "-Dfile=yes\n"},
			env:   map[string]string{"JENV_OPTIONS": ""},
			want:  []string{"-Dfile=yes"}, origin: "work/.java-options",
		},
		{
			name:  "the nearest .java-options",
			files: map[string]string{"work/a/b/.java-options": "-Dnear=yes\n", "work/.java-options": "-Dfar=yes\n"},
			want:  []string{"-Dnear=yes"}, origin: "work/a/b/.java-options",
		},
		{
			name:  "its first line only, CR removed",
			files: map[string]string{"work/.java-options": "-Xms64m  -Dx=1\r\n-Dsecond=line\r\n"},
			want:  []string{"-Xms64m", "-Dx=1"}, origin: "work/.java-options",
		},
		{
			name:  "no quoting, no wildcards",
			files: map[string]string{"work/.java-options": `-Da='b c' -cp * "-Dd"` + "\n"},
			want:  []string{"-Da='b", "c'", "-cp", "*", `"-Dd"`}, origin: "work/.java-options",
		},
		{
			name:  "a first line that is blank ends the search: no options",
			files: map[string]string{"work/a/.java-options": "\n-Dsecond=line\n", "work/.java-options": "-Dfar=yes\n", "home/.jenv/options": "-Droot=yes\n"},
		},
		{
			name:  "jenv's global options",
			files: map[string]string{"home/.jenv/options": "-Droot=yes\n"},
			want:  []string{"-Droot=yes"}, origin: "home/.jenv/options",
		},
		{
			name:  "global options under JENV_ROOT",
			files: map[string]string{"jenv/options": "-Droot=jenv\n", "home/.jenv/options": "-Droot=home\n"},
			env:   map[string]string{"JENV_ROOT": "@/jenv"},
			want:  []string{"-Droot=jenv"}, origin: "jenv/options",
		},
		{
			name:    "an unreadable options file is an error",
			files:   map[string]string{"work/a/.java-options/": ""},
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := layout(t, with(project, tt.files))
			env := map[string]string{"HOME": filepath.Join(base, "home")}
			for k, v := range tt.env {
				env[k] = strings.ReplaceAll(v, "@", base)
			}
			got, err := JavaOptions(context.Background(), filepath.Join(base, "work/a/b/c"), env)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("JavaOptions = %+v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			origin := tt.origin
			if origin != "" && origin != envOptions {
				origin = filepath.Join(base, origin)
			}
			if !slices.Equal(got.Args, tt.want) || got.Origin != origin {
				t.Errorf("JavaOptions = %q from %q, want %q from %q", got.Args, got.Origin, tt.want, origin)
			}
		})
	}
}
