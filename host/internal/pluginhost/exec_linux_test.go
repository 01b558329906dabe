package pluginhost

import (
	"os"
	"strconv"
	"testing"
)

// TestExecPathAvoidsTheChildsDescriptors gives execPath a file whose
// descriptor a child would get replaced before its exec: it is moved
// above them, and the path names the new one.
func TestExecPathAvoidsTheChildsDescriptors(t *testing.T) {
	exe, err := os.Open("/bin/sh")
	if err != nil {
		t.Skip(err)
	}
	low := int(exe.Fd())
	files := low + 5
	moved, path, err := execPath(exe, files)
	if err != nil {
		t.Fatal(err)
	}
	defer moved.Close()
	fd := int(moved.Fd())
	if fd < files || path != "/proc/self/fd/"+strconv.Itoa(fd) {
		t.Errorf("execPath moved descriptor %d to %d, path %q; want at least %d, and its path", low, fd, path, files)
	}
	if info, err := os.Stat(path); err != nil || !sameAsSh(info) {
		t.Errorf("%s does not name /bin/sh: %v", path, err)
	}

	kept, path, err := execPath(moved, 3)
	if err != nil || kept != moved || path != "/proc/self/fd/"+strconv.Itoa(fd) {
		t.Errorf("execPath(descriptor %d, 3) = %v, %q, %v; want it as it is", fd, kept, path, err)
	}
}

func sameAsSh(info os.FileInfo) bool {
	sh, err := os.Stat("/bin/sh")
	return err == nil && os.SameFile(info, sh)
}
