package resolve

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// versionSeeds are version files and JENV_VERSION values worth starting
// from: names of every kind, ways out of versions/, NUL, a byte order
// mark, CRLF line ends.
var versionSeeds = []string{
	"17\n",
	"17.0.15\r\n",
	"  \n\t openjdk64-17.0.15 trailing\n",
	"java-17",
	"system",
	"linked",
	"dangling",
	"..",
	".",
	"../../outside",
	"java-..",
	"java-../../outside",
	"/",
	"17/..",
	"17/../../..",
	"17\x00",
	"\ufeff17\n",
	"\xff\xfe1\x007\x00\n\x00",
	strings.Repeat(" ", readLimit) + "17",
}

func FuzzFirstWord(f *testing.F) {
	for _, s := range versionSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		word := firstWord(data)
		if strings.ContainsAny(word, " \t\r\n") || !strings.Contains(strings.ReplaceAll(data, "\r", ""), word) {
			t.Fatalf("first word %q: holds a separator, or is not in the data", word)
		}
	})
}

// FuzzInstalled writes a .java-version and sets JENV_VERSION, and checks
// that whatever they say, the Java that Installed finds is an entry of
// $JENV_ROOT/versions that is a directory, and JAVA_HOME is spelled inside
// versions/. Links there are how jenv add installs a JDK that lives
// elsewhere ("linked"), and are followed.
func FuzzInstalled(f *testing.F) {
	for _, s := range versionSeeds {
		f.Add(s, "")
		f.Add("17", s)
	}
	top := f.TempDir()
	root := filepath.Join(top, "jenv")
	versions := filepath.Join(root, "versions")
	for _, dir := range []string{"jenv/versions/17/bin", "jenv/versions/17.0.15/bin", "jenv/bin", "outside/jdk/bin", "proj"} {
		if err := os.MkdirAll(filepath.Join(top, dir), 0o755); err != nil {
			f.Fatal(err)
		}
	}
	for link, target := range map[string]string{"linked": filepath.Join(top, "outside", "jdk"), "dangling": filepath.Join(top, "nowhere")} {
		if err := os.Symlink(target, filepath.Join(versions, link)); err != nil {
			f.Fatal(err)
		}
	}
	proj := filepath.Join(top, "proj")

	f.Fuzz(func(t *testing.T, file, jenvVersion string) {
		if err := os.WriteFile(filepath.Join(proj, ".java-version"), []byte(file), 0o644); err != nil {
			t.Fatal(err)
		}
		req, err := Requested(context.Background(), proj, map[string]string{"JENV_ROOT": root, "JENV_VERSION": jenvVersion})
		if err != nil || req.System() {
			return
		}
		java, err := Installed(req)
		if err != nil {
			return
		}
		if !isEntryName(java.Name) || java.Home != filepath.Join(versions, java.Name) || filepath.Dir(java.Home) != versions {
			t.Fatalf("%q: Java %+v is no entry of %s", req.Version, java, versions)
		}
		if info, err := os.Stat(java.Home); err != nil || !info.IsDir() {
			t.Fatalf("%q: Java %+v is not a directory (%v)", req.Version, java, err)
		}
	})
}
