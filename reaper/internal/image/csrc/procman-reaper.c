/*
 * procman-reaper: the guardian that outlives procman's host and, when the
 * host dies (even by SIGKILL), stops everything the host had registered.
 *
 *   procman-reaper host=PID [--sweep-dir-prefix=P]... [--sweep-cgroup-dir=D]...
 *
 * Descriptor 3 is a SOCK_SEQPACKET socket whose other end only the host
 * holds. Once set up (and after the start sweep, below) the reaper sends
 * "ready". Then every message of the host is answered by one message,
 * "ok ID" or "err ID REASON", so that registering is synchronous:
 *
 *   P ID PID STARTTIME GRACE_MS   a process: pid and start time (field 22
 *                                 of /proc/PID/stat) name it for good
 *   C ID PATH GRACE_MS            a cgroup v2 directory and all below it,
 *                                 stopped: SIGTERM, grace, cgroup.kill
 *   K ID PATH WAIT_MS             a cgroup v2 directory and all below it,
 *                                 reclaimed: no signal but the final kill;
 *                                 or a cgroup v1 directory (one of the
 *                                 trees' limits), removed once its
 *                                 processes, which other entries stop,
 *                                 have left it
 *   D ID PATH                     a directory of plain files and sockets
 *   U ID                          forget ID (unknown ids are not an error)
 *
 * IDs are decimal uint64s chosen by the host; registering an ID again
 * replaces what it named. GRACE_MS and WAIT_MS are at most 172800000 (48
 * hours). A process that is already gone, or whose pid now belongs to a
 * process with another start time, is accepted and never signalled. A
 * registered process is held by a pidfd from then on, so that a pid
 * recycled later is never signalled either. An empty message is answered
 * "err 0 empty message", one longer than PATH_MAX+64 bytes "err ID message
 * too long".
 *
 * Pids (PID, the host's, those in cgroup.procs) are the reaper's PID
 * namespace's, which it shares with the host. /proc may belong to an
 * ancestor namespace (procman run inside a PID namespace that kept the
 * outer /proc): the reaper then reads /proc/N of a process by the pid
 * that its pidfd's fdinfo ("Pid:") gives in /proc's namespace. STARTTIME
 * is read from /proc, and so are the pids in the names swept below.
 *
 * A C, K or D registration whose directory is named after a host (its
 * last path element holds "<pid>-<starttime>-<pidns>", alone or followed by
 * "-...", at its start or after a '-') holds a shared flock on that
 * directory until it is forgotten or the reaper exits, so that no other
 * reaper's sweep touches it while this one may still act on it. Should no
 * descriptor be left for the lock, the registration is refused.
 *
 * The host's death is the socket's EOF (or reset), or, should the socket
 * ever be shared, the host's exit seen through a pidfd. Then the reaper
 * acts on every registration at once: SIGTERM to every P process and to
 * every member of a C cgroup, one shared wait in which each entry has its
 * own grace, SIGKILL (or cgroup.kill) for what is left at its deadline. A
 * K cgroup gets no signal: once every P and C entry is done and WAIT_MS
 * has passed, what is still in it is killed (cgroup.kill). Then the
 * cgroups are removed, each with its parent if that is an empty host
 * directory ("<pid>-<starttime>-<pidns>"), and the directories are cleared, and
 * the reaper exits 0. It ignores SIGTERM (and SIGHUP, SIGINT, SIGQUIT):
 * a tree being stopped around it — procman run inside a procman tree —
 * sends it one, and it must still outlive its host to act; SIGKILL ends
 * it without acting, and then the host starts another.
 *
 * At start it sweeps what hosts left behind: the directories
 * DIR/BASE<pid>-<starttime>-<pidns>[-...] of each --sweep-dir-prefix DIR/BASE, and
 * the cgroups D/<pid>-<starttime>-<pidns>[-...] of each --sweep-cgroup-dir D, that
 * belong to the reaper's uid, whose owner process is gone and on which it
 * gets an exclusive flock at once (no reaper is acting on them). In such
 * a cgroup, a child cgroup that another process holds locked (a
 * procman-init still stopping its tree) is left alone, and so is the
 * cgroup itself, but for the processes directly in it.
 *
 * It makes itself non-dumpable before anything else: processes of its user
 * (the host's programs) can then neither ptrace it nor read its memory or
 * environment; only a process with CAP_SYS_PTRACE still can (and one with
 * CAP_SYS_ADMIN or CAP_PERFMON its environment).
 *
 * Single-threaded; no allocation but the two growable arrays that hold the
 * registrations and their paths.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum {
	HOST_FD = 3,
	POLL_MS = 5,                 /* how often liveness is checked while waiting */
	CGROUP_KILL_WAIT_MS = 2000,  /* how long a killed cgroup may take to empty */
	MAX_GRACE_MS = 172800000, /* 48 hours: the host caps its own grace at 24 */
	MAX_MESSAGE = PATH_MAX + 64,
};

/* What an entry is waiting for once the host is dead: TERMED for its
 * grace (P, C), WAITING for the stops and its wait (K), KILLED for its
 * cgroup to empty (C, K). */
enum state { IDLE, TERMED, WAITING, KILLED, DONE };

struct entry {
	uint64_t id;
	uint64_t start_time; /* P */
	int64_t deadline;    /* ms on the monotonic clock, once acting */
	uint32_t grace_ms;   /* P, C: the grace; K: the wait */
	uint32_t path;       /* C, K, D: offset of the path in paths */
	pid_t pid;           /* P */
	int fd;              /* P: a pidfd of the process; C, K, D: the locked
			      * directory of a host-named path; -1 if none */
	char kind;           /* 'P', 'C', 'K' or 'D' */
	char state;
};

/* The registrations, sorted by id, and the pool of their paths; each
 * array's capacity is in bytes. */
static struct entry *entries;
static size_t n_entries, cap_entries;
static char *paths;
static size_t n_paths, cap_paths;

static int no_cgroup_kill; /* set once cgroup.kill was missing (Linux < 5.14) */

/* Whether /proc names processes by the pids of the reaper's namespace;
 * when not, a pid is translated through a pidfd (proc_pid). */
static int proc_is_ours = 1;

/* The inode of /proc's PID namespace, 0 when unknown: the third number of
 * every host name, so that a sweep judges only names whose pids are those
 * /proc shows it. */
static uint64_t proc_ns;

/* How many more registrations may hold a descriptor (a pidfd or a lock):
 * some descriptors stay free for reading /proc and the cgroup files. */
static long fd_budget;
enum { SPARE_FDS = 64 };

/* ---- small helpers ---- */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

static int open_pidfd(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int pidfd_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

static char *put_u64(char *p, uint64_t v)
{
	char digits[20];
	int n = 0;
	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = digits[--n];
	return p;
}

/* Parses the decimal number in [s, end): digits only, no overflow. */
static int parse_u64(const char *s, const char *end, uint64_t *v)
{
	if (s >= end)
		return -1;
	*v = 0;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9' || *v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		*v = *v * 10 + (uint64_t)(*s - '0');
	}
	return 0;
}

/* Parses a leading decimal number of s, stopping at the first non-digit. */
static const char *scan_u64(const char *s, uint64_t *v)
{
	const char *end = s;
	while (*end >= '0' && *end <= '9')
		end++;
	return parse_u64(s, end, v) == 0 ? end : NULL;
}

/* Writes dir "/" name into out; -1 when it does not fit. */
static int join(char *out, const char *dir, const char *name)
{
	size_t d = strlen(dir), n = strlen(name);
	if (d + 1 + n + 1 > PATH_MAX)
		return -1;
	memcpy(out, dir, d);
	out[d] = '/';
	memcpy(out + d + 1, name, n + 1);
	return 0;
}

/* Reads up to cap-1 bytes of path and ends them with a NUL. */
static ssize_t read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t n = 0;
	while (n < cap - 1) {
		ssize_t r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = 0;
	return (ssize_t)n;
}

static int write_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t r;
	do
		r = write(fd, data, strlen(data));
	while (r < 0 && errno == EINTR);
	int err = errno;
	close(fd);
	errno = err;
	return r < 0 ? -1 : 0;
}

/* A record of getdents64. */
struct dent {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

typedef void each_fn(int dfd, const char *name, unsigned char type, void *arg);

/* Calls fn for every entry of the open directory dfd but "." and "..". */
static void each_entry(int dfd, each_fn *fn, void *arg)
{
	char buf[1024] __attribute__((aligned(8)));
	for (;;) {
		long n = syscall(SYS_getdents64, dfd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		for (long off = 0; off < n;) {
			struct dent *d = (struct dent *)(buf + off);
			off += d->reclen;
			if (strcmp(d->name, ".") != 0 && strcmp(d->name, "..") != 0)
				fn(dfd, d->name, d->type, arg);
		}
	}
}

static int is_dir(int dfd, const char *name, unsigned char type)
{
	struct stat st;
	if (type != DT_UNKNOWN)
		return type == DT_DIR;
	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/*
 * Opens the directory name (relative to dfd) and takes the flock op on it:
 * the descriptor, which holds the lock until it is closed, or -1 (errno
 * EWOULDBLOCK when another holds the lock).
 */
static int lock_dir(int dfd, const char *name, int op)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (flock(fd, op) != 0) {
		if (errno != EINTR) {
			int err = errno;
			close(fd);
			errno = err;
			return -1;
		}
	}
	return fd;
}

/* ---- processes ---- */

enum identity { GONE, ALIVE, UNKNOWN };

/*
 * Whether /proc/ID (ID a pid of /proc's namespace) is still the live
 * process that started at start_time. The command name in /proc/ID/stat
 * may hold spaces and ')', but the fields after it are numbers, so they
 * are counted from the last ')'.
 */
static enum identity identify(pid_t id, uint64_t start_time)
{
	char path[32], buf[1024], *p;
	memcpy(path, "/proc/", 6);
	p = put_u64(path + 6, (uint64_t)id);
	memcpy(p, "/stat", 6);
	ssize_t n = read_file(path, buf, sizeof buf);
	if (n < 0)
		return errno == ENOENT || errno == ESRCH ? GONE : UNKNOWN;
	char *paren = NULL;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == ')')
			paren = buf + i;
	if (!paren || paren[1] != ' ')
		return UNKNOWN;
	char state = paren[2];
	const char *f = paren + 2; /* field 3, the state */
	for (int field = 3; field < 22; field++) {
		f = strchr(f, ' ');
		if (!f)
			return UNKNOWN;
		f++;
	}
	uint64_t start;
	if (!scan_u64(f, &start))
		return UNKNOWN;
	if (start != start_time || state == 'Z' || state == 'X')
		return GONE;
	return ALIVE;
}

/*
 * The pid by which /proc names the process of pidfd: the "Pid:" line of
 * the pidfd's fdinfo, which the kernel writes in /proc's namespace. -1
 * once the process is gone; 0 when /proc cannot see it, or on error.
 */
static pid_t proc_pid(int pidfd)
{
	char path[48], buf[512], *p;
	memcpy(path, "/proc/self/fdinfo/", 18);
	p = put_u64(path + 18, (uint64_t)pidfd);
	*p = 0;
	if (read_file(path, buf, sizeof buf) < 0)
		return 0;
	for (char *line = buf; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (strncmp(line, "Pid:", 4) != 0)
			continue;
		const char *v = line + 4;
		uint64_t id;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v == '-')
			return -1;
		return scan_u64(v, &id) && id <= INT_MAX ? (pid_t)id : 0;
	}
	return 0;
}

/*
 * Whether pid, of the reaper's namespace, is still the live process that
 * started at start_time. pidfd is -1 or a pidfd of pid opened before:
 * when /proc is another namespace's, only through one can pid be found in
 * /proc.
 */
static enum identity identify_pid(pid_t pid, uint64_t start_time, int pidfd)
{
	if (proc_is_ours)
		return identify(pid, start_time);
	if (pidfd < 0)
		return UNKNOWN;
	pid_t id = proc_pid(pidfd);
	return id < 0 ? GONE : id == 0 ? UNKNOWN : identify(id, start_time);
}

/*
 * Binds e to its process: a pidfd opened now names that one process until
 * it is closed, whatever happens to the pid. The start time read after the
 * pidfd was opened, confirmed by a signal 0 through the pidfd afterwards
 * (the process still held the pid), proves the pidfd is the registered
 * process. Without a descriptor to keep (too many open), the pidfd is
 * closed again and the process is identified anew before every signal.
 * Returns NULL or why the process cannot be protected.
 */
static const char *bind_process(struct entry *e)
{
	int fd = open_pidfd(e->pid);
	if (fd < 0 && errno == ESRCH) {
		e->state = DONE;
		return NULL;
	}
	enum identity id = identify_pid(e->pid, e->start_time, fd);
	if (id != ALIVE) {
		if (fd >= 0)
			close(fd);
		if (id == GONE) {
			e->state = DONE;
			return NULL;
		}
		return fd < 0 && !proc_is_ours ? "no pidfd to find the process in /proc by" : "cannot read /proc/PID/stat";
	}
	int r = fd >= 0 ? pidfd_signal(fd, 0) : kill(e->pid, 0);
	if (r != 0) {
		int err = errno;
		if (fd >= 0)
			close(fd);
		if (err == ESRCH) {
			e->state = DONE;
			return NULL;
		}
		return strerror(err);
	}
	if (fd >= 0 && fd_budget > 0) {
		e->fd = fd;
		fd_budget--;
	} else if (fd >= 0) {
		close(fd);
	}
	return NULL;
}

/* Sends sig to e's process if it is still the registered one. */
static int signal_process(struct entry *e, int sig)
{
	if (e->fd >= 0)
		return pidfd_signal(e->fd, sig);
	int fd = open_pidfd(e->pid), r = -1;
	if (fd < 0 && errno == ESRCH)
		return -1;
	if (identify_pid(e->pid, e->start_time, fd) != ALIVE)
		errno = ESRCH;
	else
		r = fd >= 0 ? pidfd_signal(fd, sig) : kill(e->pid, sig);
	if (fd >= 0) {
		int err = errno;
		close(fd);
		errno = err;
	}
	return r;
}

static int process_gone(struct entry *e)
{
	if (e->fd >= 0) {
		struct pollfd p = {e->fd, POLLIN, 0};
		return poll(&p, 1, 0) != 0; /* readable once it has exited */
	}
	int fd = open_pidfd(e->pid);
	if (fd < 0 && errno == ESRCH)
		return 1;
	int gone = identify_pid(e->pid, e->start_time, fd) != ALIVE;
	if (fd >= 0)
		close(fd);
	return gone;
}

/* ---- cgroups ---- */

/*
 * Whether the process /proc names id is in the cgroup at dir: its line
 * "0::REL" in /proc/ID/cgroup names dir relative to the cgroup2 mount, so
 * dir ends with REL.
 */
static int in_cgroup(pid_t id, const char *dir)
{
	static char buf[PATH_MAX + 512];
	char path[32], *p;
	memcpy(path, "/proc/", 6);
	p = put_u64(path + 6, (uint64_t)id);
	memcpy(p, "/cgroup", 8);
	if (read_file(path, buf, sizeof buf) < 0)
		return 0;
	for (char *line = buf; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		char *rel = line + 3, *end = strchr(rel, '\n');
		size_t n = end ? (size_t)(end - rel) : strlen(rel), d = strlen(dir);
		return n > 0 && rel[0] == '/' && n <= d && memcmp(dir + d - n, rel, n) == 0;
	}
	return 0;
}

/*
 * Signals pid (of the reaper's namespace, as cgroup.procs gives it) if it
 * is still in the cgroup dir. The pidfd, opened before the check, keeps a
 * recycled pid from being signalled, and finds the process in /proc.
 */
static void signal_member(const char *dir, pid_t pid, int sig)
{
	if (pid <= 1 || pid == getpid())
		return;
	int fd = open_pidfd(pid);
	if (fd < 0 && errno == ESRCH)
		return;
	pid_t id = proc_is_ours ? pid : fd >= 0 ? proc_pid(fd) : 0;
	if (id > 0 && in_cgroup(id, dir)) {
		if (fd >= 0)
			pidfd_signal(fd, sig);
		else
			kill(pid, sig);
	}
	if (fd >= 0)
		close(fd);
}

/* Signals every process listed in dir/cgroup.procs. */
static void signal_members(const char *dir, int sig)
{
	char path[PATH_MAX], buf[512];
	if (join(path, dir, "cgroup.procs") != 0)
		return;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	uint64_t pid = 0;
	int digits = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] >= '0' && buf[i] <= '9' && pid < INT_MAX) {
				pid = pid * 10 + (uint64_t)(buf[i] - '0');
				digits = 1;
			} else {
				if (digits && pid <= INT_MAX)
					signal_member(dir, (pid_t)pid, sig);
				pid = 0;
				digits = 0;
			}
		}
	}
	if (digits && pid <= INT_MAX)
		signal_member(dir, (pid_t)pid, sig);
	close(fd);
}

/*
 * Walks the cgroup tree at path (a PATH_MAX buffer, changed and restored),
 * children after their parent: signalling the members of each cgroup when
 * sig is not 0, else removing each cgroup after its children.
 */
struct walk {
	char *path;
	size_t len;
	int sig;
};

static void walk_cgroup(struct walk *w);

static void walk_child(int dfd, const char *name, unsigned char type, void *arg)
{
	struct walk *w = arg;
	size_t n = strlen(name), len = w->len;
	if (!is_dir(dfd, name, type) || len + 1 + n + 1 > PATH_MAX)
		return;
	w->path[len] = '/';
	memcpy(w->path + len + 1, name, n + 1);
	w->len = len + 1 + n;
	walk_cgroup(w);
	w->len = len;
	w->path[len] = 0;
}

static void walk_cgroup(struct walk *w)
{
	if (w->sig)
		signal_members(w->path, w->sig);
	int dfd = open(w->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd >= 0) {
		each_entry(dfd, walk_child, w);
		close(dfd);
	}
	if (!w->sig)
		rmdir(w->path);
}

static void walk_tree(const char *dir, int sig)
{
	char path[PATH_MAX];
	size_t n = strlen(dir);
	if (n >= PATH_MAX)
		return;
	memcpy(path, dir, n + 1);
	struct walk w = {path, n, sig};
	walk_cgroup(&w);
}

/* Whether dir is a cgroup v1 directory: it has cgroup.procs but no
 * cgroup.events. */
static int is_v1(const char *dir)
{
	char path[PATH_MAX];
	return join(path, dir, "cgroup.events") == 0 && access(path, F_OK) != 0 &&
	       join(path, dir, "cgroup.procs") == 0 && access(path, F_OK) == 0;
}

static int v1_populated(const char *dir);

struct v1_search {
	const char *dir;
	int found;
};

static void v1_populated_child(int dfd, const char *name, unsigned char type, void *arg)
{
	struct v1_search *s = arg;
	char path[PATH_MAX];
	if (!s->found && is_dir(dfd, name, type) && join(path, s->dir, name) == 0)
		s->found = v1_populated(path);
}

/* Whether the cgroup v1 at dir or one below it lists a process. */
static int v1_populated(const char *dir)
{
	char path[PATH_MAX], buf[16];
	if (join(path, dir, "cgroup.procs") != 0 || read_file(path, buf, sizeof buf) > 0)
		return 1;
	struct v1_search s = {dir, 0};
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd >= 0) {
		each_entry(dfd, v1_populated_child, &s);
		close(dfd);
	}
	return s.found;
}

/* Whether the cgroup at dir or one below it has a process ("populated 1"). */
static int populated(const char *dir)
{
	char path[PATH_MAX], buf[256];
	if (is_v1(dir))
		return v1_populated(dir);
	if (join(path, dir, "cgroup.events") != 0 || read_file(path, buf, sizeof buf) < 0)
		return 0;
	for (char *line = buf; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (strncmp(line, "populated ", 10) == 0)
			return line[10] == '1';
	return 0;
}

/* Kills everything in the cgroup tree at dir, at once where the kernel can. */
static void kill_cgroup(const char *dir)
{
	char path[PATH_MAX];
	if (!no_cgroup_kill && join(path, dir, "cgroup.kill") == 0) {
		if (write_file(path, "1") == 0)
			return;
		if (errno == ENOENT && access(dir, F_OK) == 0 && !is_v1(dir))
			no_cgroup_kill = 1;
	}
	walk_tree(dir, SIGKILL);
}

/* Kills everything in the cgroup tree at dir, waits (bounded) for it to
 * empty, and removes it. */
static void reclaim_cgroup(const char *dir)
{
	kill_cgroup(dir);
	for (int64_t deadline = now_ms() + CGROUP_KILL_WAIT_MS; populated(dir) && now_ms() < deadline;) {
		sleep_ms(POLL_MS);
		if (no_cgroup_kill)
			walk_tree(dir, SIGKILL); /* what forked since the last round */
	}
	walk_tree(dir, 0);
}

static int host_dir_name(const char *name, int exact);

/*
 * Whether the last element of path is named after a host: it holds
 * "<pid>-<starttime>-<pidns>" (alone or followed by "-...") at its start
 * or after a '-', as a host's cgroups ("123-456-789", "123-456-789-probe")
 * and socket directories ("procman-123-456-789-1234") do.
 */
static int host_named(const char *path)
{
	const char *name = strrchr(path, '/');
	for (name = name ? name + 1 : path; name; name = strchr(name, '-'), name = name ? name + 1 : NULL)
		if (host_dir_name(name, 0))
			return 1;
	return 0;
}

/* Removes the cgroup tree at dir, and its parent if that is an empty host
 * directory ("<pid>-<starttime>-<pidns>"). */
static void remove_cgroup(const char *dir)
{
	walk_tree(dir, 0);
	char parent[PATH_MAX];
	size_t n = strlen(dir);
	memcpy(parent, dir, n + 1);
	char *slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return;
	*slash = 0;
	slash = strrchr(parent, '/');
	if (slash && host_dir_name(slash + 1, 1))
		rmdir(parent);
}

/* ---- directories ---- */

static void unlink_entry(int dfd, const char *name, unsigned char type, void *arg)
{
	int *removed = arg;
	if (!is_dir(dfd, name, type) && unlinkat(dfd, name, 0) == 0)
		(*removed)++;
}

/*
 * Removes the files, sockets and symbolic links in dir (never what a link
 * points to, never a subdirectory), then dir itself if that left it empty.
 */
static void clear_dir(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return;
	int removed;
	do { /* again: removing while reading may skip entries */
		removed = 0;
		lseek(dfd, 0, SEEK_SET);
		each_entry(dfd, unlink_entry, &removed);
	} while (removed > 0);
	close(dfd);
	rmdir(dir);
}

/* ---- the registrations ---- */

/* Finds id: its index, or where it would go. The host numbers its
 * registrations in order, so adding one appends; removing one moves the
 * tail (some 100 KB at 2,000 registrations, a few microseconds). */
static int find(uint64_t id, size_t *at)
{
	size_t lo = 0, hi = n_entries;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (entries[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return lo < n_entries && entries[lo].id == id;
}

static int has_path(const struct entry *e)
{
	return e->kind == 'C' || e->kind == 'K' || e->kind == 'D';
}

static void remove_at(size_t i)
{
	struct entry *e = &entries[i];
	if (e->fd >= 0) {
		close(e->fd);
		fd_budget++;
	}
	if (has_path(e)) {
		uint32_t off = e->path;
		size_t len = strlen(paths + off) + 1;
		memmove(paths + off, paths + off + len, n_paths - off - len);
		n_paths -= len;
		for (size_t j = 0; j < n_entries; j++)
			if (has_path(&entries[j]) && entries[j].path > off)
				entries[j].path -= (uint32_t)len;
	}
	memmove(e, e + 1, (n_entries - i - 1) * sizeof *e);
	n_entries--;
}

/* Makes room for need bytes in an array of mapped pages (no malloc: it
 * would double the program's size and memory). */
static int grow(void **array, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 4096;
	while (n < need)
		n *= 2;
	if (n > UINT32_MAX)
		return -1;
	void *p = *array ? mremap(*array, *cap, n, MREMAP_MAYMOVE)
			 : mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	*array = p;
	*cap = n;
	return 0;
}

/* Adds e (and its path), replacing an entry with the same id. */
static int insert(const struct entry *e, const char *path)
{
	size_t len = path ? strlen(path) + 1 : 0;
	if (grow((void **)&entries, &cap_entries, (n_entries + 1) * sizeof *entries) != 0 ||
	    grow((void **)&paths, &cap_paths, n_paths + len) != 0)
		return -1;
	size_t at;
	if (find(e->id, &at))
		remove_at(at);
	memmove(&entries[at + 1], &entries[at], (n_entries - at) * sizeof *entries);
	entries[at] = *e;
	n_entries++;
	if (path) {
		entries[at].path = (uint32_t)n_paths;
		memcpy(paths + n_paths, path, len);
		n_paths += len;
	}
	return 0;
}

/* ---- acting on the host's death ---- */

static void begin(struct entry *e, int64_t t0)
{
	e->deadline = t0 + e->grace_ms;
	switch (e->kind) {
	case 'P':
		if (e->state == IDLE)
			e->state = signal_process(e, SIGTERM) == 0 ? TERMED : DONE;
		break;
	case 'C':
		walk_tree(paths + e->path, SIGTERM);
		e->state = TERMED;
		break;
	case 'K':
		e->state = WAITING;
		break;
	default:
		e->state = DONE;
	}
}

/* Moves e on at time now, stopping telling whether a P or C entry still
 * waits; returns whether e still waits. */
static int step(struct entry *e, int64_t now, int stopping)
{
	const char *path = paths + e->path;
	switch (e->state) {
	case TERMED:
		if (e->kind == 'P') {
			if (!process_gone(e)) {
				if (now < e->deadline)
					return 1;
				signal_process(e, SIGKILL);
			}
			e->state = DONE;
			return 0;
		}
		if (!populated(path)) {
			e->state = DONE;
			return 0;
		}
		if (now >= e->deadline) {
			kill_cgroup(path);
			e->state = KILLED;
			e->deadline = now + CGROUP_KILL_WAIT_MS;
		}
		return 1;
	case WAITING:
		if (!populated(path)) {
			e->state = DONE;
			return 0;
		}
		if (stopping || now < e->deadline)
			return 1;
		kill_cgroup(path);
		e->state = KILLED;
		e->deadline = now + CGROUP_KILL_WAIT_MS;
		return 1;
	case KILLED:
		if (!populated(path) || now >= e->deadline) {
			e->state = DONE;
			return 0;
		}
		if (no_cgroup_kill)
			walk_tree(path, SIGKILL); /* what forked since the last round */
		return 1;
	default:
		return 0;
	}
}

/* Steps the K entries (reclaim) or the others; returns whether one still
 * waits, and brings *next forward to the deadline it waits for. */
static int step_all(int reclaim, int64_t now, int stopping, int64_t *next)
{
	int waiting = 0;
	for (size_t i = 0; i < n_entries; i++) {
		struct entry *e = &entries[i];
		if ((e->kind == 'K') != reclaim || !step(e, now, stopping))
			continue;
		waiting = 1;
		if (!(e->state == WAITING && stopping) && e->deadline < *next)
			*next = e->deadline;
	}
	return waiting;
}

static void act(void)
{
	int64_t t0 = now_ms();
	for (size_t i = 0; i < n_entries; i++)
		begin(&entries[i], t0);
	for (;;) {
		int64_t now = now_ms(), next = now + POLL_MS;
		int stopping = step_all(0, now, 0, &next);
		if (!step_all(1, now, stopping, &next) && !stopping)
			break;
		int64_t wait = next - now_ms();
		sleep_ms(wait < 0 ? 0 : wait);
	}
	for (size_t i = 0; i < n_entries; i++) {
		if (entries[i].kind == 'C' || entries[i].kind == 'K')
			remove_cgroup(paths + entries[i].path);
		else if (entries[i].kind == 'D')
			clear_dir(paths + entries[i].path);
	}
	_exit(0);
}

/* ---- messages ---- */

static void reply(uint64_t id, const char *reason)
{
	char buf[256], *p = buf;
	memcpy(p, reason ? "err " : "ok ", reason ? 4 : 3);
	p += reason ? 4 : 3;
	p = put_u64(p, id);
	if (reason) {
		size_t n = strlen(reason);
		if (n > sizeof buf - (size_t)(p - buf) - 1)
			n = sizeof buf - (size_t)(p - buf) - 1;
		*p++ = ' ';
		memcpy(p, reason, n);
		p += n;
	}
	/* A failure means the host is gone: the next poll sees it. */
	while (send(HOST_FD, buf, (size_t)(p - buf), MSG_NOSIGNAL) < 0 && errno == EINTR) {
	}
}

/* Parses the n space-separated numbers of s, which ends at end. */
static int numbers(char *s, char *end, uint64_t *v, int n)
{
	for (int i = 0; i < n; i++) {
		char *sp = memchr(s, ' ', (size_t)(end - s));
		if ((sp != NULL) != (i < n - 1) || parse_u64(s, sp ? sp : end, &v[i]) != 0)
			return -1;
		s = sp ? sp + 1 : end;
	}
	return 0;
}

static const char *check_path(const char *path, int cgroup)
{
	struct stat st;
	char file[PATH_MAX];
	if (path[0] != '/')
		return "path is not absolute";
	if (strlen(path) > PATH_MAX - 32)
		return "path too long";
	if (lstat(path, &st) != 0)
		return strerror(errno);
	if (!S_ISDIR(st.st_mode))
		return "not a directory";
	if (cgroup) {
		join(file, path, "cgroup.events");
		if (access(file, R_OK) != 0 && !is_v1(path))
			return "not a cgroup directory";
	}
	return NULL;
}

/* Adds e (and its path) as registration id, and answers it; should that
 * fail, the descriptor e holds is given back. */
static void add(uint64_t id, struct entry *e, const char *path)
{
	if (insert(e, path) != 0) {
		if (e->fd >= 0) {
			close(e->fd);
			fd_budget++;
		}
		reply(id, "out of memory");
		return;
	}
	reply(id, NULL);
}

static void handle_process(uint64_t id, char *args, char *end)
{
	uint64_t v[3];
	if (!args || numbers(args, end, v, 3) != 0) {
		reply(id, "malformed process message");
		return;
	}
	uint64_t pid = v[0], start = v[1], grace = v[2];
	if (pid <= 1 || pid > INT_MAX || pid == (uint64_t)getpid()) {
		reply(id, "invalid pid");
		return;
	}
	if (grace > MAX_GRACE_MS) {
		reply(id, "grace period too long");
		return;
	}
	struct entry e = {.id = id, .start_time = start, .grace_ms = (uint32_t)grace,
			  .pid = (pid_t)pid, .fd = -1, .kind = 'P', .state = IDLE};
	const char *why = bind_process(&e);
	if (why) {
		reply(id, why);
		return;
	}
	add(id, &e, NULL);
}

static void handle_path(uint64_t id, char kind, char *args, char *end)
{
	uint64_t grace = 0;
	if (!args || args == end) {
		reply(id, "malformed message");
		return;
	}
	if (kind == 'C' || kind == 'K') {
		char *sp = end;
		while (sp > args && sp[-1] != ' ')
			sp--;
		if (sp == args || parse_u64(sp, end, &grace) != 0 || sp - 1 == args) {
			reply(id, "malformed cgroup message");
			return;
		}
		sp[-1] = 0;
		if (grace > MAX_GRACE_MS) {
			reply(id, "grace period too long");
			return;
		}
	}
	const char *why = check_path(args, kind != 'D');
	if (why) {
		reply(id, why);
		return;
	}
	struct entry e = {.id = id, .grace_ms = (uint32_t)grace, .fd = -1, .kind = kind, .state = IDLE};
	if (host_named(args)) {
		if (fd_budget <= 0) {
			reply(id, "too many open files to lock the directory");
			return;
		}
		e.fd = lock_dir(AT_FDCWD, args, LOCK_SH | LOCK_NB);
		if (e.fd < 0) {
			reply(id, errno == EWOULDBLOCK ? "directory locked by a sweep" : strerror(errno));
			return;
		}
		fd_budget--;
	}
	add(id, &e, args);
}

static void handle(char *msg, size_t len)
{
	char *end = msg + len, *args;
	uint64_t id;
	*end = 0;
	if (len < 3 || msg[1] != ' ') {
		reply(0, "malformed message");
		return;
	}
	args = memchr(msg + 2, ' ', len - 2);
	if (parse_u64(msg + 2, args ? args : end, &id) != 0) {
		reply(0, "malformed id");
		return;
	}
	if (args)
		args++;
	if (memchr(msg, 0, len)) {
		reply(id, "message holds a NUL byte");
		return;
	}
	switch (msg[0]) {
	case 'P':
		handle_process(id, args, end);
		break;
	case 'C':
	case 'K':
	case 'D':
		handle_path(id, msg[0], args, end);
		break;
	case 'U': {
		size_t at;
		if (args) {
			reply(id, "malformed message");
			break;
		}
		if (find(id, &at))
			remove_at(at);
		reply(id, NULL);
		break;
	}
	default:
		reply(id, "unknown message");
	}
}

/* ---- the start sweep ---- */

/* Whether name is a host name, "<pid>-<starttime>-<pidns>-<pidns>" (exact) or
 * that followed by nothing or '-' (not exact); when so, it sets the
 * owner's pid, start time and the inode of the PID namespace of the /proc
 * that showed them. */
static int host_dir_owner(const char *name, int exact, pid_t *pid, uint64_t *start, uint64_t *ns)
{
	uint64_t p;
	const char *s = scan_u64(name, &p);
	if (!s || *s != '-' || p == 0 || p > INT_MAX)
		return 0;
	s = scan_u64(s + 1, start);
	if (!s || *s != '-')
		return 0;
	s = scan_u64(s + 1, ns);
	if (!s || !(*s == 0 || (!exact && *s == '-')))
		return 0;
	*pid = (pid_t)p;
	return 1;
}

static int host_dir_name(const char *name, int exact)
{
	pid_t pid;
	uint64_t start, ns;
	return host_dir_owner(name, exact, &pid, &start, &ns);
}

/* What sweeping a cgroup found among its children. */
struct children {
	const char *dir;
	int kept;    /* held locked by another process, so left alone */
	int removed;
};

/* Kills and removes the child cgroup name of a swept cgroup, unless
 * another process holds it locked. */
static void sweep_child(int dfd, const char *name, unsigned char type, void *arg)
{
	struct children *c = arg;
	char path[PATH_MAX];
	if (!is_dir(dfd, name, type))
		return;
	int fd = join(path, c->dir, name) == 0 ? lock_dir(dfd, name, LOCK_EX | LOCK_NB) : -1;
	if (fd < 0) {
		if (errno != ENOENT)
			c->kept++;
		return;
	}
	reclaim_cgroup(path);
	close(fd);
	c->removed++;
}

/*
 * Sweeps the cgroup at path, open (and locked) as dfd: its child cgroups
 * that no other process holds locked are killed and removed. Then, if
 * none was locked, the cgroup is, with whatever is in it; else only the
 * processes directly in it are killed.
 */
static void sweep_cgroup(int dfd, const char *path)
{
	struct children c = {path, 0, 0};
	do { /* again: removing while reading may skip entries */
		c.kept = c.removed = 0;
		lseek(dfd, 0, SEEK_SET);
		each_entry(dfd, sweep_child, &c);
	} while (c.removed > 0);
	if (c.kept)
		signal_members(path, SIGKILL);
	else
		reclaim_cgroup(path);
}

struct sweep {
	const char *dir;
	const char *base; /* for directories; NULL for cgroups */
};

/*
 * Sweeps the entry name of a swept directory if it is named after a host
 * of the reaper's uid that is gone, and no reaper acts on it any more: the
 * exclusive lock is to be had at once. A name made in another PID
 * namespace's /proc is left alone: its pid means another process there
 * (a procman inside a pid-namespace tree, with a /proc of its own, shares
 * the machine's /tmp and cgroups).
 */
static void sweep_entry(int dfd, const char *name, unsigned char type, void *arg)
{
	(void)type; /* the owner is checked with fstatat, which also tells */
	struct sweep *s = arg;
	size_t blen = s->base ? strlen(s->base) : 0;
	struct stat st;
	char path[PATH_MAX];
	pid_t pid;
	uint64_t start, ns;
	if (strncmp(name, s->base ? s->base : "", blen) != 0 ||
	    !host_dir_owner(name + blen, 0, &pid, &start, &ns) || ns == 0 || ns != proc_ns ||
	    fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid() || identify(pid, start) != GONE || join(path, s->dir, name) != 0)
		return;
	int fd = lock_dir(dfd, name, LOCK_EX | LOCK_NB);
	if (fd < 0)
		return;
	if (s->base)
		clear_dir(path);
	else
		sweep_cgroup(fd, path);
	close(fd);
}

static void sweep(const char *dir, const char *base)
{
	struct sweep s = {dir, base};
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	each_entry(dfd, sweep_entry, &s);
	close(dfd);
}

static void sweep_dir_prefix(const char *prefix)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(prefix, '/');
	size_t n = slash ? (size_t)(slash - prefix) : 0;
	if (!slash || n >= PATH_MAX)
		return;
	memcpy(dir, prefix, n);
	dir[n ? n : 1] = 0;
	if (!n)
		dir[0] = '/';
	sweep(dir, slash + 1);
}

/* ---- setup ---- */

static void close_fds_above_host_fd(void)
{
	if (syscall(SYS_close_range, HOST_FD + 1, ~0U, 0) == 0)
		return;
	int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	char buf[1024] __attribute__((aligned(8)));
	long n;
	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < n;) {
			struct dent *d = (struct dent *)(buf + off);
			uint64_t fd;
			off += d->reclen;
			if (scan_u64(d->name, &fd) && fd > HOST_FD && fd != (uint64_t)dfd && fd <= INT_MAX)
				close((int)fd);
		}
	}
	close(dfd);
}

static void setup_signals(void)
{
	/* The reaper starts no program: nothing inherits what it ignores. */
	static const int ignored[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU};
	sigset_t none;
	for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
		signal(ignored[i], SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Registrations may hold a descriptor each: allow as many as the system
 * lets. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	/* The raw call: musl's setrlimit brings in its all-threads machinery. */
	if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &rl, NULL) != 0)
			syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl);
	}
	if (rl.rlim_cur > (rlim_t)(HOST_FD + 2 + SPARE_FDS))
		fd_budget = rl.rlim_cur > (rlim_t)INT_MAX ? INT_MAX : (long)rl.rlim_cur - HOST_FD - 2 - SPARE_FDS;
}

/* Whether /proc is the reaper's PID namespace's: /proc/self is its pid. */
static int proc_sees_own_pids(void)
{
	char buf[32];
	uint64_t pid;
	ssize_t n = readlink("/proc/self", buf, sizeof buf - 1);
	if (n <= 0)
		return 1; /* no /proc: nothing to translate for */
	buf[n] = 0;
	const char *end = scan_u64(buf, &pid);
	return !end || *end || pid == (uint64_t)getpid();
}

/*
 * The inode of /proc's PID namespace: the reaper's own when /proc is
 * ours, else that of /proc's pid 1, which lives in it (not readable
 * across users: then 0, and nothing is swept).
 */
static uint64_t proc_pid_ns(void)
{
	struct stat st;
	if (stat(proc_is_ours ? "/proc/self/ns/pid" : "/proc/1/ns/pid", &st) != 0)
		return 0;
	return (uint64_t)st.st_ino;
}

/*
 * A pidfd of the host, as a second sign of its death, should the socket
 * ever be held by another process too. The reaper is the host's child, so
 * a parent pid still equal to the host's after the pidfd was opened
 * proves the pidfd is the host.
 */
static int open_host(pid_t host)
{
	int fd = open_pidfd(host);
	if (fd >= 0 && getppid() != host) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Whether the host closed its end (a zero-length message reads as 0 too). */
static int hung_up(void)
{
	struct pollfd p = {HOST_FD, POLLRDHUP, 0};
	return poll(&p, 1, 0) != 0;
}

static int prefixed(const char *arg, const char *prefix, const char **value)
{
	size_t n = strlen(prefix);
	if (strncmp(arg, prefix, n) != 0 || arg[n] == 0)
		return 0;
	*value = arg + n;
	return 1;
}

int main(int argc, char **argv)
{
	static char msg[MAX_MESSAGE + 1];
	uint64_t host = 0;
	const char *value;
	int type = 0;
	socklen_t len = sizeof type;

	/* First of all: no process of the host's user (the programs the host
	 * runs among them) may ptrace the reaper or read its memory or
	 * environment through /proc. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_NAME, "procman-reaper", 0, 0, 0);
	setup_signals();
	if (getsockopt(HOST_FD, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_SEQPACKET)
		return 2;
	close_fds_above_host_fd();
	for (int i = 1; i < argc; i++) {
		if (prefixed(argv[i], "host=", &value)) {
			const char *end = scan_u64(value, &host);
			if (!end || *end || host <= 1 || host > INT_MAX)
				return 2;
		} else if (!prefixed(argv[i], "--sweep-dir-prefix=", &value) &&
			   !prefixed(argv[i], "--sweep-cgroup-dir=", &value)) {
			return 2;
		}
	}
	if (!host)
		return 2;
	if (getsid(0) != getpid())
		setsid();
	if (chdir("/") != 0)
		return 2;
	raise_fd_limit();
	proc_is_ours = proc_sees_own_pids();
	proc_ns = proc_pid_ns();
	int host_fd = open_host((pid_t)host);

	for (int i = 1; i < argc; i++) {
		if (prefixed(argv[i], "--sweep-dir-prefix=", &value))
			sweep_dir_prefix(value);
		else if (prefixed(argv[i], "--sweep-cgroup-dir=", &value))
			sweep(value, NULL);
	}
	while (send(HOST_FD, "ready", 5, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			act();
	}

	for (;;) {
		struct pollfd fds[2] = {{HOST_FD, POLLIN, 0}, {host_fd, POLLIN, 0}};
		if (poll(fds, host_fd >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			act();
		}
		/* Once the host has exited, read what it sent before, then act. */
		int flags = fds[1].revents ? MSG_DONTWAIT : 0;
		if (!fds[0].revents && !flags)
			continue;
		struct iovec iov = {msg, MAX_MESSAGE};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
		ssize_t n = recvmsg(HOST_FD, &mh, flags);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 && !hung_up()) {
			reply(0, "empty message"); /* reads like EOF, but the host lives */
			continue;
		}
		if (n <= 0)
			act(); /* EOF, reset, or the host gone with nothing left to read */
		if (mh.msg_flags & MSG_TRUNC) {
			uint64_t id = 0;
			msg[n] = 0;
			scan_u64(msg + 2, &id);
			reply(id, "message too long");
			continue;
		}
		handle(msg, (size_t)n);
	}
}
