package resolve

import (
	"path/filepath"
	"strings"
)

// Env returns the variables that "nvm use" sets for c, given the PATH the
// process would otherwise have: PATH with c's bin directory in it (see
// below), NVM_BIN, the bin directory, and NVM_INC, its include/node.
//
// The bin directory takes the place of the first PATH entry inside one of
// nvm's installations (under NVM_DIR/versions, or an old NVM_DIR/vX.Y.Z),
// so that switching versions keeps the order of PATH. It goes first instead
// when there is no such entry, or when /bin, /usr/bin or /usr/local/bin
// comes before it, where that place would leave the system's node in front.
func (c Choice) Env(path string) map[string]string {
	bin := filepath.Join(c.Dir, "bin")
	return map[string]string{
		"PATH":    withNodeBin(path, c.nvmDir, bin),
		"NVM_BIN": bin,
		"NVM_INC": filepath.Join(c.Dir, "include", "node"),
	}
}

// systemBins are the directories before which nvm will not put a node in
// place of another.
var systemBins = map[string]bool{"/bin": true, "/usr/bin": true, "/usr/local/bin": true}

func withNodeBin(path, nvmDir, bin string) string {
	if path == "" {
		return bin
	}
	sep := string(filepath.ListSeparator)
	entries := filepath.SplitList(path)
	for i, entry := range entries {
		if systemBins[entry] {
			break
		}
		if inInstallation(entry, nvmDir) {
			entries[i] = bin
			return strings.Join(entries, sep)
		}
	}
	return bin + sep + path
}

// inInstallation reports whether the PATH entry lies inside one of nvm's
// installations.
func inInstallation(entry, nvmDir string) bool {
	rel, err := filepath.Rel(nvmDir, entry)
	if err != nil || !filepath.IsLocal(rel) {
		return false
	}
	first, rest, _ := strings.Cut(filepath.ToSlash(rel), "/")
	_, oldLayout := parseVersion(first)
	return rest != "" && (first == "versions" || oldLayout)
}
