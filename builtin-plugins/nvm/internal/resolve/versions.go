package resolve

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// root is an nvm directory, NVM_DIR.
type root string

// A version is a node or io.js release.
type version struct {
	major, minor, patch int
	iojs                bool
}

// parseVersion parses a plain release name, "v1.2.3", as nvm names the
// directory of a node or io.js version. Numbers have no sign and no
// leading zeros.
func parseVersion(name string) (version, bool) {
	digits, ok := strings.CutPrefix(name, "v")
	parts := strings.Split(digits, ".")
	if !ok || len(parts) != 3 {
		return version{}, false
	}
	var n [3]int
	for i, part := range parts {
		var err error
		if n[i], err = strconv.Atoi(part); err != nil || strconv.Itoa(n[i]) != part {
			return version{}, false
		}
	}
	return version{major: n[0], minor: n[1], patch: n[2]}, true
}

// String names v as nvm does: "v20.20.2", or "iojs-v3.3.1" for io.js.
func (v version) String() string {
	if v.iojs {
		return "iojs-" + v.plain()
	}
	return v.plain()
}

// plain is v's name without the io.js prefix: the name of its directory.
func (v version) plain() string {
	return fmt.Sprintf("v%d.%d.%d", v.major, v.minor, v.patch)
}

// compare orders versions by number.
func (v version) compare(w version) int {
	return cmp.Or(cmp.Compare(v.major, w.major), cmp.Compare(v.minor, w.minor), cmp.Compare(v.patch, w.patch))
}

// installDir is where nvm installs v: versions/io.js/vX.Y.Z for io.js,
// vX.Y.Z at the top for node before 0.12, versions/node/vX.Y.Z after.
func (r root) installDir(v version) string {
	switch {
	case v.iojs:
		return filepath.Join(string(r), "versions", "io.js", v.plain())
	case v.major == 0 && v.minor < 12:
		return filepath.Join(string(r), v.plain())
	}
	return filepath.Join(string(r), "versions", "node", v.plain())
}

// installed reports whether v is installed: whether its node program is
// there (see isNode).
func (r root) installed(v version) bool {
	return isNode(filepath.Join(r.installDir(v), "bin"))
}

// installedVersions returns the installed versions of node, or of io.js,
// oldest first.
func (r root) installedVersions(iojs bool) []version {
	dirs := []string{string(r), filepath.Join(string(r), "versions", "node")}
	if iojs {
		dirs = []string{filepath.Join(string(r), "versions", "io.js")}
	}
	var found []version
	for _, dir := range dirs {
		entries, _ := os.ReadDir(dir) // a directory that cannot be read holds no version
		for _, entry := range entries {
			v, ok := parseVersion(entry.Name())
			v.iojs = iojs
			if ok && !slices.Contains(found, v) && r.installed(v) {
				found = append(found, v)
			}
		}
	}
	slices.SortFunc(found, version.compare)
	return found
}

// newest returns the newest installed version of node, or of io.js.
func (r root) newest(iojs bool) (version, bool) {
	all := r.installedVersions(iojs)
	if len(all) == 0 {
		return version{}, false
	}
	return all[len(all)-1], true
}

// match returns the installed version that pattern names, nvm's way: a
// number gets a "v"; three components must match exactly; one or two match
// the newest version that starts with them followed by a dot. A pattern
// that starts with "iojs-" matches io.js only, any other both node and io.js.
func (r root) match(pattern string) (version, bool) {
	plain, iojsOnly := strings.CutPrefix(withV(pattern), "iojs-")
	flavors := []bool{false, true}
	if iojsOnly {
		flavors = []bool{true}
	}
	if v, ok := parseVersion(plain); ok {
		for _, iojs := range flavors {
			if v.iojs = iojs; r.installed(v) {
				return v, true
			}
		}
		return version{}, false
	}
	prefix := strings.TrimSuffix(plain, ".") + "."
	if !strings.HasPrefix(prefix, "v") || strings.Count(prefix, ".") > 2 {
		return version{}, false
	}
	var best version
	found := false
	for _, iojs := range flavors {
		for _, v := range r.installedVersions(iojs) {
			if strings.HasPrefix(v.plain(), prefix) && (!found || v.compare(best) > 0) {
				best, found = v, true
			}
		}
	}
	return best, found
}

// withV gives a version number its "v", as nvm does: "18" becomes "v18",
// "iojs-3" "iojs-v3"; anything else stays as it is.
func withV(name string) string {
	plain, iojs := strings.CutPrefix(name, "iojs-")
	if plain != "" && '0' <= plain[0] && plain[0] <= '9' {
		plain = "v" + plain
	}
	if iojs {
		return "iojs-" + plain
	}
	return plain
}
