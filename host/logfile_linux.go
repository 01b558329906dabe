package host

import "golang.org/x/sys/unix"

// dirOpenFlags open a directory of a log file's path as a handle for the
// *at calls only, which needs no permission to read it.
const dirOpenFlags = unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC

// systemResolvesLinks reports whether the links in dir must be left to
// the system to follow: those of /proc, such as /proc/self/fd/1, lead to
// what may have no path, a pipe or a deleted file.
func systemResolvesLinks(dir int) bool {
	var fs unix.Statfs_t
	return unix.Fstatfs(dir, &fs) == nil && fs.Type == unix.PROC_SUPER_MAGIC
}
