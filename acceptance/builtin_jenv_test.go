//go:build linux

package acceptance

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/procman-dev/procman/internal/proctest"
)

// The JDKs that the jenv plugin chooses between. The system's java, the
// one /usr/bin/java runs, is a third (here the same as the first).
var jenvJDKs = []string{"/usr/lib/jvm/java-17-openjdk-amd64", "/usr/lib/jvm/temurin-25-jdk-amd64"}

// jenvSetup is a HOME whose jenv knows the real JDKs by the names jenv add
// gives them, and a procman that finds the jenv plugin alone.
type jenvSetup struct {
	pluginDir string // PROCMAN_PLUGIN_PATH, holding procman-plugin-jenv
	tmp       string // procman's TMPDIR
	home      string // HOME
	root      string // HOME/.jenv
	// systemHome is the JDK that /usr/bin/java belongs to; "" if there is
	// none.
	systemHome string
}

// jdkNames are the names jenv add gave one JDK.
type jdkNames struct {
	alias   string // PROVIDER64-VERSION: openjdk64-17.0.15
	version string // 17.0.15
	short   string // 17.0
	major   string // 17
}

func setupJenv(t *testing.T) *jenvSetup {
	t.Helper()
	for _, jdk := range jenvJDKs {
		for _, program := range []string{"java", "javac"} {
			if _, err := os.Stat(filepath.Join(jdk, "bin", program)); err != nil {
				t.Skipf("the jenv tests need the JDK %s: %v", jdk, err)
			}
		}
	}
	s := &jenvSetup{pluginDir: jenvPlugin(t), tmp: proctest.ShortTempDir(t), home: t.TempDir()}
	s.root = filepath.Join(s.home, ".jenv")
	if java, err := filepath.EvalSymlinks("/usr/bin/java"); err == nil {
		s.systemHome = filepath.Dir(filepath.Dir(java))
	}
	t.Cleanup(func() {
		if left, _ := os.ReadDir(s.tmp); len(left) > 0 {
			t.Errorf("procman left %d files in its TMPDIR, the first %s", len(left), left[0].Name())
		}
	})
	return s
}

// jenvPlugin returns a directory that holds the jenv plugin alone:
// $PROCMAN_PLUGIN_JENV when set (the unprivileged runs build it
// beforehand), else one built here. At the end of the test, it checks that
// no plugin process is left.
func jenvPlugin(t *testing.T) string {
	t.Helper()
	dir, err := filepath.EvalSymlinks(proctest.TrustedDir(t))
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "procman-plugin-jenv")
	if prebuilt := os.Getenv("PROCMAN_PLUGIN_JENV"); prebuilt != "" {
		data, err := os.ReadFile(prebuilt)
		if err == nil {
			err = os.WriteFile(exe, data, 0o755)
		}
		if err != nil {
			t.Fatal(err)
		}
	} else if _, err := proctest.Build(dir, "github.com/procman-dev/procman/builtin-plugins/jenv/cmd/procman-plugin-jenv", "procman-plugin-jenv"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if pids := proctest.FindExe(exe); len(pids) > 0 {
			t.Errorf("plugin jenv still running after procman exited: %v", pids)
			for _, pid := range pids {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	return dir
}

// add adds the JDK at home to the jenv root as jenv add does: it reads the
// version and the provider from java -version and links
// versions/PROVIDER64-VERSION, VERSION, MAJOR.MINOR and MAJOR to home.
func (s *jenvSetup) add(t *testing.T, home string) jdkNames {
	t.Helper()
	out, err := exec.Command(filepath.Join(home, "bin", "java"), "-version").CombinedOutput()
	if err != nil {
		t.Fatalf("%s -version: %v\n%s", home, err, out)
	}
	m := regexp.MustCompile(`version "((([0-9]+)\.[0-9]+)[^"]*)"`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("%s -version names no version:\n%s", home, out)
	}
	// jenv add's providers, in its order, of those a JDK here may be.
	provider := "other"
	for _, p := range [][2]string{{"HotSpot", "oracle"}, {"Temurin", "temurin"}, {"OpenJDK", "openjdk"}} {
		if strings.Contains(string(out), p[0]) {
			provider = p[1]
			break
		}
	}
	names := jdkNames{alias: provider + "64-" + m[1], version: m[1], short: m[2], major: m[3]}
	for _, name := range []string{names.alias, names.version, names.short, names.major} {
		link := filepath.Join(s.root, "versions", name)
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(home, link); err != nil {
			t.Fatal(err)
		}
	}
	return names
}

// procman returns a command that runs procman with args and the jenv
// plugin alone.
func (s *jenvSetup) procman(t *testing.T, args ...string) *exec.Cmd {
	cmd := procman(t, generousPluginTimeout(args)...)
	cmd.Env = append(os.Environ(), "PROCMAN_PLUGIN_PATH="+s.pluginDir, "PATH="+t.TempDir(), "TMPDIR="+s.tmp)
	return cmd
}

// args returns the arguments of procman SUBCOMMAND that run command in dir
// with a clean environment of HOME, PATH=/usr/bin:/bin and env.
func (s *jenvSetup) args(subcommand, dir string, env []string, command ...string) []string {
	args := []string{subcommand, "--clean-env", "--env", "HOME=" + s.home, "--env", "PATH=/usr/bin:/bin", "--cwd", dir}
	for _, kv := range env {
		args = append(args, "--env", kv)
	}
	return slices.Concat(args, []string{"--"}, command)
}

// javaProperties runs java -XshowSettings:properties -version under procman
// and returns procman's result and the system properties java printed.
func (s *jenvSetup) javaProperties(t *testing.T, dir string, env ...string) (result, map[string]string) {
	t.Helper()
	marker := proctest.Marker(t) // java ignores what follows -version
	r := run(t, s.procman(t, s.args("run", dir, env, "java", "-XshowSettings:properties", "-version", marker)...))
	r.wantExit(t, 0)
	props := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^ +(\S+) = (.*)$`).FindAllStringSubmatch(r.stderr, -1) {
		props[m[1]] = m[2]
	}
	if props["java.home"] == "" {
		t.Fatalf("java printed no java.home; stderr:\n%s", r.stderr)
	}
	return r, props
}

// jenvWriteFiles writes files under base: paths relative to it, and
// their content.
func jenvWriteFiles(t *testing.T, base string, files map[string]string) {
	t.Helper()
	for rel, content := range files {
		path := filepath.Join(base, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestJenvChoosesTheJDK(t *testing.T) {
	s := setupJenv(t)
	jdk17, jdk25 := s.add(t, jenvJDKs[0]), s.add(t, jenvJDKs[1])

	// A second jenv root whose global version is 25, sharing the versions.
	globalRoot := t.TempDir()
	if err := os.Symlink(filepath.Join(s.root, "versions"), filepath.Join(globalRoot, "versions")); err != nil {
		t.Fatal(err)
	}
	jenvWriteFiles(t, globalRoot, map[string]string{"version": jdk25.alias + "\n"})

	tests := []struct {
		name  string
		files map[string]string // under the test's own directory, which "@" stands for
		dir   string            // the working directory, under "@"
		env   []string
		want  string // JDK home; "" for the system's
		// warning is a line procman's stderr must have, holding these.
		warning []string
	}{
		{
			name:  ".java-version in the working directory",
			files: map[string]string{"project/.java-version": jdk25.major + "\n"},
			dir:   "project",
			want:  jenvJDKs[1],
		},
		{
			name:  ".java-version in a parent directory",
			files: map[string]string{"project/.java-version": jdk25.short + "\r\n", "project/src/main/java/.keep": ""},
			dir:   "project/src/main/java",
			want:  jenvJDKs[1],
		},
		{
			name:  ".jenv-version",
			files: map[string]string{"project/.jenv-version": jdk25.version + "\n"},
			dir:   "project",
			want:  jenvJDKs[1],
		},
		{
			name:  "JENV_VERSION overrides .java-version",
			files: map[string]string{"project/.java-version": jdk25.major + "\n"},
			dir:   "project",
			env:   []string{"JENV_VERSION=" + jdk17.alias},
			want:  jenvJDKs[0],
		},
		{
			name: "the global version of JENV_ROOT",
			dir:  ".",
			env:  []string{"JENV_ROOT=" + globalRoot},
			want: jenvJDKs[1],
		},
		{
			name:  ".java-version beats the global version",
			files: map[string]string{"project/.java-version": jdk17.version + "\n"},
			dir:   "project",
			env:   []string{"JENV_ROOT=" + globalRoot},
			want:  jenvJDKs[0],
		},
		{
			name:    "java- prefix, with a warning",
			files:   map[string]string{"project/.java-version": "java-" + jdk25.major + "\n"},
			dir:     "project",
			want:    jenvJDKs[1],
			warning: []string{"[WARN]", "jenv", "ignoring extraneous 'java-' prefix", "version=java-" + jdk25.major},
		},
		{
			name:    "not installed: the system's java, with jenv's warning",
			files:   map[string]string{"project/.java-version": "21\n"},
			dir:     "project",
			env:     []string{"JENV_ROOT=" + globalRoot},
			warning: []string{"[WARN]", "plugin=jenv", "jenv: version '21' is not installed"},
		},
		{
			name:    "no prefix matching",
			files:   map[string]string{"project/.java-version": "2\n"},
			dir:     "project",
			warning: []string{"[WARN]", "plugin=jenv", "jenv: version '2' is not installed"},
		},
		{
			name:  "nothing asks for a version: the system's java",
			files: map[string]string{"project/.keep": ""},
			dir:   "project",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if want == "" {
				if s.systemHome == "" {
					t.Skip("there is no system java at /usr/bin/java")
				}
				want = s.systemHome
			}
			base := t.TempDir()
			jenvWriteFiles(t, base, tt.files)
			r, props := s.javaProperties(t, filepath.Join(base, tt.dir), tt.env...)
			if props["java.home"] != want {
				t.Errorf("java.home = %s, want %s; stderr:\n%s", props["java.home"], want, r.stderr)
			}
			if tt.warning != nil && !jenvHasLine(r.stderr, tt.warning...) {
				t.Errorf("stderr has no line with %q:\n%s", tt.warning, r.stderr)
			}
			if tt.warning == nil && strings.Contains(r.stderr, "[WARN]") {
				t.Errorf("stderr has a warning:\n%s", r.stderr)
			}
		})
	}
}

// jenvHasLine reports whether one line of text holds every one of parts.
func jenvHasLine(text string, parts ...string) bool {
	for _, line := range strings.Split(text, "\n") {
		if !slices.ContainsFunc(parts, func(part string) bool { return !strings.Contains(line, part) }) {
			return true
		}
	}
	return false
}

func TestJenvEnvironment(t *testing.T) {
	s := setupJenv(t)
	jdk17 := s.add(t, jenvJDKs[0])
	project := t.TempDir()
	jenvWriteFiles(t, project, map[string]string{".java-version": jdk17.alias + "\n", ".java-options": "-Dnot.for=testchild\n"})

	marker := proctest.Marker(t)
	r := run(t, s.procman(t, s.args("run", project, nil, testchildBin, "env", marker)...))
	r.wantExit(t, 0)
	home := filepath.Join(s.root, "versions", jdk17.alias) // the link, not the JDK
	want := []string{
		"HOME=" + s.home,
		"JAVA_HOME=" + home,
		"JDK_HOME=" + home,
		"JENV_VERSION=" + jdk17.alias,
		"PATH=" + home + "/bin:/usr/bin:/bin",
	}
	got := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("child environment:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The options are for java alone.
	r = run(t, s.procman(t, s.args("run", project, nil, testchildBin, "args", "a", marker)...))
	r.wantExit(t, 0)
	if want := "\"a\"\n\"" + marker + "\"\n"; r.stdout != want {
		t.Errorf("testchild's arguments:\n%swant:\n%s", r.stdout, want)
	}

	// A shell sees the same.
	r = run(t, s.procman(t, s.args("run", project, nil, "sh", "-c", `echo "$JAVA_HOME"; command -v java`, marker)...))
	r.wantExit(t, 0)
	if want := home + "\n" + home + "/bin/java\n"; r.stdout != want {
		t.Errorf("sh printed %q, want %q", r.stdout, want)
	}
}

func TestJenvOptionsReachJava(t *testing.T) {
	s := setupJenv(t)
	jdk25 := s.add(t, jenvJDKs[1])
	project := t.TempDir()
	jenvWriteFiles(t, project, map[string]string{
		".java-version":       jdk25.major + "\n",
		".java-options":       "-Dprocman.test=file -Dprocman.where=project\n",
		"module/src/.keep":    "",
		"other/.java-options": "-Dprocman.test=other\n",
	})
	dir := filepath.Join(project, "module", "src")

	t.Run(".java-options", func(t *testing.T) {
		r, props := s.javaProperties(t, dir)
		if props["procman.test"] != "file" || props["procman.where"] != "project" || props["java.home"] != jenvJDKs[1] {
			t.Errorf("java saw procman.test=%q, procman.where=%q, java.home=%s; want the options of %s/.java-options for JDK 25; stderr:\n%s",
				props["procman.test"], props["procman.where"], props["java.home"], project, r.stderr)
		}
	})
	t.Run("JENV_OPTIONS", func(t *testing.T) {
		r, props := s.javaProperties(t, dir, "JENV_OPTIONS=-Dprocman.test=yes")
		if props["procman.test"] != "yes" || props["procman.where"] != "" {
			t.Errorf("java saw procman.test=%q, procman.where=%q; want JENV_OPTIONS alone; stderr:\n%s",
				props["procman.test"], props["procman.where"], r.stderr)
		}
	})
}

func TestJenvExplain(t *testing.T) {
	s := setupJenv(t)
	jdk25 := s.add(t, jenvJDKs[1])
	project := t.TempDir()
	jenvWriteFiles(t, project, map[string]string{".java-version": jdk25.major + "\n", ".java-options": "-Dprocman.test=yes\n"})

	r := run(t, s.procman(t, s.args("explain", project, nil, "java", "-jar", "app.jar")...))
	r.wantExit(t, 0)
	home := filepath.Join(s.root, "versions", jdk25.major)
	for _, want := range []string{
		"Command:  " + home + "/bin/java\n",
		`Args:     "-Dprocman.test=yes" "-jar" "app.jar"` + "\n",
		"  JAVA_HOME=" + home + "\n",
		"  jenv 1.0.0, priority 50: applicable (",
		"    note: java " + jdk25.major + ", set by " + filepath.Join(project, ".java-version") + "\n",
		"    note: java options -Dprocman.test=yes, set by " + filepath.Join(project, ".java-options") + "\n",
		"    + JAVA_HOME=" + home + "\n",
		"    + JDK_HOME=" + home + "\n",
		"    + JENV_VERSION=" + jdk25.major + "\n",
		"    Env[PATH]: + " + home + "/bin (first)\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("explain has no %q:\n%s", want, r.stdout)
		}
	}

	// Not applicable, and why.
	r = run(t, s.procman(t, s.args("explain", t.TempDir(), []string{"JENV_VERSION=system"}, "java", "-version")...))
	r.wantExit(t, 0)
	for _, want := range []string{
		"  jenv 1.0.0, priority 50: not applicable (",
		"    note: system java, set by JENV_VERSION environment variable\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("explain has no %q:\n%s", want, r.stdout)
		}
	}
}
