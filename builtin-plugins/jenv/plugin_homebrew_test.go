//go:build unix

package jenv

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procman-dev/procman/builtin-plugins/internal/plugintest"
	"github.com/procman-dev/procman/sdk"
	"github.com/procman-dev/procman/sdk/sdktest"
)

// On macOS, jenv (most often Homebrew's, with its root in ~/.jenv) knows
// JDKs by the links "jenv add" makes to their homes, which are bundles'
// Contents/Home directories: under /Library/Java/JavaVirtualMachines for
// an installer's JDK, and for Homebrew's openjdk@17 under
// /opt/homebrew/opt/openjdk@17/libexec/openjdk.jdk, a link into the
// Cellar that Homebrew's instructions also link from
// /Library/Java/JavaVirtualMachines/openjdk-17.jdk. The test below builds
// those layouts under a temporary root, /Library, /opt/homebrew and
// /Users/me moved into it with links of the same shapes, around the real
// JDKs of the project's machines: OpenJDK 17 and Temurin 25 in
// /usr/lib/jvm.

// realJDK returns the home of the JDK of /usr/lib/jvm whose name matches
// pattern, skipping the test when there is none.
func realJDK(t *testing.T, pattern string) string {
	t.Helper()
	homes, _ := filepath.Glob(filepath.Join("/usr/lib/jvm", pattern))
	if len(homes) == 0 {
		t.Skipf("no JDK /usr/lib/jvm/%s to build the layout around", pattern)
	}
	plugintest.RealProgram(t, filepath.Join(homes[0], "bin", "javac"))
	return homes[0]
}

// bundle makes a macOS JDK bundle at dir (NAME.jdk), whose Contents/Home
// has the java and javac of the real JDK home real.
func bundle(t *testing.T, dir, real string) {
	t.Helper()
	plugintest.WriteFile(t, filepath.Join(dir, "Contents", "Info.plist"), "<plist/>\n")
	for _, program := range []string{"java", "javac"} {
		plugintest.Symlink(t, filepath.Join(real, "bin", program), filepath.Join(dir, "Contents", "Home", "bin", program))
	}
}

// TestHomebrewLayout checks that, with jenv's root in HOME and its
// versions linked to macOS JDK homes through Homebrew's and the
// installers' links, the process gets what "jenv exec" gives: JAVA_HOME
// the version's link in ~/.jenv (never the Cellar path it leads to),
// JDK_HOME, its bin first in PATH; that java, resolved in that PATH, is the
// JDK asked for; and that a version linked to a Cellar directory that
// "brew upgrade" removed is not installed, in jenv's words.
func TestHomebrewLayout(t *testing.T) {
	jdk17, jdk25 := realJDK(t, "java-17-openjdk-*"), realJDK(t, "temurin-25-jdk-*")
	base := t.TempDir()
	prefix := filepath.Join(base, "opt", "homebrew")
	jvms := filepath.Join(base, "Library", "Java", "JavaVirtualMachines")
	home := filepath.Join(base, "Users", "me")
	project := filepath.Join(home, "src", "app")

	bundle(t, filepath.Join(prefix, "Cellar", "openjdk@17", "17.0.15", "libexec", "openjdk.jdk"), jdk17)
	plugintest.Symlink(t, "../Cellar/openjdk@17/17.0.15", filepath.Join(prefix, "opt", "openjdk@17"))
	plugintest.Symlink(t, filepath.Join(prefix, "opt", "openjdk@17", "libexec", "openjdk.jdk"), filepath.Join(jvms, "openjdk-17.jdk"))
	bundle(t, filepath.Join(jvms, "temurin-25.jdk"), jdk25)
	// The names "jenv add" gives, each a link to the home it was given.
	for target, names := range map[string][]string{
		filepath.Join(jvms, "openjdk-17.jdk", "Contents", "Home"):                                              {"openjdk64-17.0.15", "17.0.15", "17.0", "17"},
		filepath.Join(jvms, "temurin-25.jdk", "Contents", "Home"):                                              {"temurin64-25.0.3", "25.0.3", "25.0", "25"},
		filepath.Join(prefix, "Cellar", "openjdk@17", "17.0.14", "libexec", "openjdk.jdk", "Contents", "Home"): {"openjdk64-17.0.14", "17.0.14"},
	} {
		for _, name := range names {
			plugintest.Symlink(t, target, filepath.Join(home, ".jenv", "versions", name))
		}
	}
	if err := os.MkdirAll(project, 0o755); err != nil {
		t.Fatal(err)
	}
	// PATH as macOS's path_helper and "brew shellenv" leave it, with jenv's
	// shims.
	macPath := filepath.Join(home, ".jenv", "shims") + ":" + filepath.Join(prefix, "bin") + ":/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"

	remote := sdktest.Connect(t, Plugin{})
	tests := []struct {
		name        string
		javaVersion string            // the project's .java-version; "" for none
		env         map[string]string // added to HOME and PATH
		version     string            // the version the process gets
		says        string            // what its java -version says first
		wantErr     string
	}{
		{name: "Homebrew's openjdk@17 through /Library", javaVersion: "17\n", version: "17", says: `version "17.`},
		{name: "by major.minor", javaVersion: "17.0\n", version: "17.0", says: `version "17.`},
		{name: "an installer's JDK, by JENV_VERSION", javaVersion: "17\n", env: map[string]string{"JENV_VERSION": "temurin64-25.0.3"}, version: "temurin64-25.0.3", says: `version "25.`},
		{name: "a Cellar version that brew upgrade removed", javaVersion: "openjdk64-17.0.14\n", wantErr: "jenv: version 'openjdk64-17.0.14' is not installed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plugintest.WriteFile(t, filepath.Join(project, ".java-version"), tt.javaVersion)
			cfg := sdk.ProcessConfig{Command: "java", Args: []string{"-version"}, Dir: project, Env: map[string]string{"HOME": home, "PATH": macPath}}
			maps.Copy(cfg.Env, tt.env)

			out, err := sdktest.Apply(context.Background(), remote, cfg)
			if tt.wantErr != "" {
				var pluginErr *sdk.PluginError
				if !errors.As(err, &pluginErr) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Apply = %+v, %v; want the plugin's error %q", out, err, tt.wantErr)
				}
				return
			}
			if err != nil || !out.Applicable {
				t.Fatalf("Apply = %+v, %v; want applicable", out, err)
			}
			javaHome := filepath.Join(home, ".jenv", "versions", tt.version)
			want := maps.Clone(cfg.Env)
			want["JAVA_HOME"] = javaHome
			want["JDK_HOME"] = javaHome
			want["PATH"] = filepath.Join(javaHome, "bin") + ":" + macPath
			want["JENV_VERSION"] = tt.version
			if !maps.Equal(out.Config.Env, want) {
				t.Errorf("env\n%v\nwant\n%v", out.Config.Env, want)
			}
			if path, err := out.Config.Resolve(); err != nil || path != filepath.Join(javaHome, "bin", "java") {
				t.Errorf("java resolves to %q (%v), want the one in %s", path, err, javaHome)
			}
			if got := plugintest.Run(t, out.Config); !strings.Contains(got, tt.says) {
				t.Errorf("java -version says\n%s\nwant it to say %s", got, tt.says)
			}
		})
	}
}
