/*
 * procman-init: the parent of one managed process tree.
 *
 * The host starts it, lets it get ready ahead of time, and later asks it to
 * start one program. It then forwards the host's signals, reaps every
 * process of the tree, reports the program's exit, and exits itself once
 * the whole tree is gone. When the host goes away (its end of the control
 * socket closes), breaks the protocol, or init gets SIGTERM, SIGINT or
 * SIGHUP, it stops the tree: SIGTERM then SIGCONT (a stopped process acts
 * on SIGTERM only once continued) to every process, up to grace_ms, then
 * SIGKILL. Each process gets one graceful signal only: when the host
 * has already sent the tree one ('T' with any signal but SIGKILL and 0),
 * the stop sends none and only starts the grace.
 *
 *   procman-init pidns|pidns+user|subreaper GRACE_MS
 *   procman-init exec KEEP pipe|stderr ATTRS PATH ARG0 [ARG...]   (see exec_program)
 *
 *   fd 3         the control socket
 *   fd 4         optional: the tree's cgroup directory. When it is open and
 *                a directory, init holds a shared flock(2) on it for its
 *                whole life (closed on exec: the program does not get it),
 *                so that the sweep of another host's reaper, which takes
 *                an exclusive one, leaves the cgroup alone while init may
 *                still stop the tree. Both of init's processes keep the
 *                descriptor: the lock, one for the open file they share,
 *                lasts until the last of them exits (the host's child
 *                normally; the supervisor when the other was killed).
 *                Should the lock not be had at once, init reports 'F' and
 *                exits.
 *
 * Every other descriptor init inherits (one the host opened without
 * O_CLOEXEC just as it started init, say) it closes at once: neither init
 * nor the program holds one for the tree's life.
 *
 * Init makes itself non-dumpable first thing (in pidns+user mode, once its
 * uid and gid maps are written, which a non-dumpable process may not do,
 * /proc/self becoming root's): the programs it runs, and every process of
 * the host's user, can then neither ptrace it nor read its memory or
 * environment; only a process with CAP_SYS_PTRACE still can (and one with
 * CAP_SYS_ADMIN or CAP_PERFMON its environment). Its children
 * are non-dumpable too until they exec, when the kernel makes the program
 * dumpable again as usual.
 *
 * pidns:       unshare a PID namespace and fork; the child is PID 1 of the
 *              namespace and the supervisor. When PID 1 dies for any reason
 *              the kernel kills everything in the namespace: nothing can
 *              escape, not by setsid, not by double fork. The parent stays
 *              as the host's child, forwards SIGTERM/SIGINT/SIGHUP to PID 1
 *              and exits with it. PID 1 first makes a mount namespace of
 *              its own (slave to the host's: nothing mounted in it goes
 *              out) and mounts there a /proc of its PID namespace, so that
 *              in the tree $$, /proc/self and /proc/$$ all describe the
 *              same process; should it fail, init reports 'M' and exits.
 *              The /proc of the host, and of the parent, stays the host's.
 *              Given a cgroup (fd 4), PID 1 then unshares a cgroup
 *              namespace (failing that, init reports 'F' and exits): the
 *              tree's cgroup is the root of what the tree sees (and where
 *              cgroup2 is mounted with nsdelegate, the tree cannot move a
 *              process out of it).
 * pidns+user:  first unshare a user namespace mapping the caller's uid and
 *              gid to themselves (not to root), so that an unprivileged
 *              user may create the PID namespace.
 * subreaper:   no namespace, but two processes as well: the host's child,
 *              the keeper, marks itself a child subreaper and forks the
 *              supervisor, a child subreaper too, so that orphans of the
 *              tree (setsid'd, double-forked daemons) are re-parented to
 *              the supervisor rather than escaping to the system init.
 *              The keeper forwards SIGTERM/SIGINT/SIGHUP to the
 *              supervisor. Once the supervisor has exited, whatever ended
 *              it (the program, its child, may kill it), what is left of
 *              the tree is re-parented to the keeper, which kills it
 *              (SIGKILL), reaps it, and exits as the supervisor did: its
 *              exit code, or 128 and the signal that killed it. When the
 *              keeper dies, the supervisor gets SIGTERM (its parent-death
 *              signal) and stops the tree as when the host is gone. Only
 *              a tree that kills the keeper and then, before the end of
 *              the grace, the supervisor escapes: a PID namespace
 *              contains even that.
 *              Given a cgroup (fd 4) as root, there is no keeper: the
 *              host's child is the supervisor, a child subreaper, and the
 *              cgroup holds the tree together in its stead. Should the
 *              supervisor die before its tree, the host (or, the host
 *              dead, the reaper) kills what is left in the cgroup. A
 *              program of another user cannot leave a cgroup of root's,
 *              and a root program could kill a keeper as well: a tree
 *              that kills its supervisor escapes nothing it could not
 *              before. Not as another user, whose programs may move
 *              themselves out of a cgroup delegated to that user and, the
 *              supervisor killed, only a keeper would still find them.
 *              One process fewer per tree, and one exit fewer at its end.
 *              Init finds the tree through /proc, which may belong to an
 *              ancestor PID namespace (procman run in a procman tree):
 *              pids read there are translated into init's namespace
 *              through the NSpid line of /proc/PID/status.
 *
 * The control socket is SOCK_SEQPACKET; the host's end has SO_PASSCRED, so
 * the kernel attaches to each message the sender's pid as the host sees
 * it. Every message init sends is a struct msg (8 bytes).
 *
 *   init -> host
 *     'R' 0       ready (sent by the supervisor: its credentials give the
 *                 supervisor's pid in the host's namespace)
 *     'P' pid     the program runs (exec succeeded); pid as init sees it.
 *                 In a namespace it carries the program's credentials, so
 *                 the host gets the pid it sees (see send_started).
 *     'D' errno   chdir to the working directory failed
 *     'C' code    applying attrs failed: errno | step << 16 (see
 *                 apply_attrs)
 *     'E' errno   exec failed; EINVAL: a start request init cannot accept
 *                 (malformed, or a program was already started), or a
 *                 message longer than init's 64 KiB receive buffer, which
 *                 breaks the protocol: init then reads no more and stops
 *                 the tree as when the host is gone
 *     'F' errno   fork failed, or init could not set itself up (then it
 *                 exits)
 *     'M' errno   pidns modes: PID 1 could not mount a private /proc (nor
 *                 make the mount namespace for it); init exits
 *     'Q' status  the program exited and processes it started live on;
 *                 status as from waitpid. Sent also when the program is
 *                 killed at the end of a stop.
 *     'W' status  the program exited and nothing is left of the tree: init
 *                 had no other child once it reaped the program. The host
 *                 then knows the tree is gone without looking for it.
 *   host -> init
 *     'X' len     start a program; carries SCM_RIGHTS with 3 or 4
 *                 descriptors (stdin, stdout, stderr, and optionally the
 *                 program's executable file, opened O_PATH or O_RDONLY) and
 *                 is followed, in the same message and then in messages of
 *                 raw bytes, by len bytes in total: NUL-terminated strings
 *                 path, dir, argc (decimal), attrs (see parse_attrs: the
 *                 program's credentials and limits; empty for none), argc
 *                 arguments, then the environment. With 4 descriptors init executes the 4th
 *                 (execveat, AT_EMPTY_PATH), closed on exec unless it is a
 *                 #! script, whose interpreter reads it through /dev/fd/N;
 *                 path is then not used. Any other number of descriptors is
 *                 refused ('E' EINVAL). The len bytes are read even when
 *                 the start is refused. After a refused or failed start
 *                 another may be asked for.
 *     'Y' len     start a program as 'X' does, as the foreground process
 *                 group of the terminal that is its stdin (tcsetpgrp, with
 *                 SIGTTOU blocked, before the exec); when that fails (no
 *                 terminal, or one of another session) the program runs
 *                 all the same, in the background
 *     'S' sig     send sig to the program
 *     'T' sig     send sig to every process of the tree. During a stop,
 *                 only SIGKILL (which ends the grace) is sent, and the
 *                 job-control signals: SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU
 *                 and SIGCONT are sent whenever asked, and are never the
 *                 tree's graceful signal.
 *
 * After the program exits and the tree is empty, init exits 0 and the host
 * reads end of file, after every report, once the host's child (the keeper,
 * or the outer process in pidns mode, which hold the socket too) has
 * exited as well: before it exits, init lets no
 * more messages in and drops those unread, since one left unread would
 * make the host's next read fail (ECONNRESET) ahead of the reports still
 * queued for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define CTRL 3
#define CGROUP_DIR 4

/* The most descriptors a start request brings (see 'X'). */
#define MAX_RIGHTS 4

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_execveat
#define SYS_execveat 322
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

struct msg {
	uint32_t type;
	int32_t value;
};

enum mode { PIDNS, SUBREAPER };

/* The signals init handles; the program starts with none of its handlers. */
static const int handled[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP};
#define NHANDLED (sizeof handled / sizeof handled[0])

static enum mode mode;
static int grace_ms;
static int ctrl_open = 1;   /* reports can be sent: the host has not gone */
static int ctrl_read = 1;   /* the host's messages are read */
static pid_t program;       /* the program's pid, 0 before it runs */
static int program_reaped;  /* its exit has been collected */
static int program_status;  /* how it exited, as from waitpid */
static int exit_unsent;     /* its exit is still to be reported */
static int graceful_sent;   /* the tree has had its graceful signal */
static int start_foreground; /* the start request under way is a 'Y' */
static int stopping;        /* the stop sequence runs */
static struct timespec deadline;

static void on_signal(int sig) { (void)sig; }

static int send_msg(uint32_t type, int32_t value)
{
	struct msg m = {type, value};
	if (!ctrl_open)
		return -1;
	while (send(CTRL, &m, sizeof m, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

/* send_started reports the program's pid. In a namespace, it sends the
 * program's credentials along, which the kernel translates into the pid
 * the host sees; should that be refused, the host finds the pid itself
 * (the program is then init's only child). */
static void send_started(pid_t pid)
{
	struct msg m = {'P', pid};
	struct iovec iov = {&m, sizeof m};
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} u;
	struct msghdr h = {.msg_iov = &iov, .msg_iovlen = 1};
	if (mode == PIDNS) {
		h.msg_control = u.buf;
		h.msg_controllen = sizeof u.buf;
		struct cmsghdr *c = CMSG_FIRSTHDR(&h);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_CREDENTIALS;
		c->cmsg_len = CMSG_LEN(sizeof(struct ucred));
		struct ucred cred = {pid, getuid(), getgid()};
		memcpy(CMSG_DATA(c), &cred, sizeof cred);
	}
	while (sendmsg(CTRL, &h, MSG_NOSIGNAL) < 0) {
		if (errno == EINTR)
			continue;
		if (h.msg_control) {
			h.msg_control = NULL; /* refused: without */
			h.msg_controllen = 0;
			continue;
		}
		return;
	}
}

/* close_ctrl is the last use of the control socket. A message of the
 * host's still unread when the socket closes would make the host's next
 * read fail (ECONNRESET) before it reads the reports queued for it, such
 * as the program's exit: so no more messages are let in (the host's sends
 * fail with EPIPE) and those in are dropped. */
static void close_ctrl(void)
{
	char b;
	if (shutdown(CTRL, SHUT_RD) < 0)
		return;
	for (;;) {
		ssize_t n = recv(CTRL, &b, sizeof b, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* none left: end of file once shut down */
	}
	close(CTRL);
}

static int write_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t n = strlen(data);
	ssize_t w = write(fd, data, n);
	close(fd);
	return w == (ssize_t)n ? 0 : -1;
}

/* map_user enters a new user namespace in which the caller's ids map to
 * themselves. */
static int map_user(void)
{
	char buf[64];
	uid_t uid = getuid();
	gid_t gid = getgid();
	if (unshare(CLONE_NEWUSER) < 0)
		return -1;
	if (write_file("/proc/self/setgroups", "deny") < 0)
		return -1;
	snprintf(buf, sizeof buf, "%u %u 1", (unsigned)uid, (unsigned)uid);
	if (write_file("/proc/self/uid_map", buf) < 0)
		return -1;
	snprintf(buf, sizeof buf, "%u %u 1", (unsigned)gid, (unsigned)gid);
	if (write_file("/proc/self/gid_map", buf) < 0)
		return -1;
	return 0;
}

/* private_proc gives PID 1 a mount namespace of its own, in which nothing
 * it mounts propagates out (events from outside still come in), and mounts
 * there a /proc of its PID namespace. */
static int private_proc(void)
{
	if (unshare(CLONE_NEWNS) < 0)
		return -1;
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return -1;
	return mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

/* hold_cgroup takes the shared lock on the cgroup directory the host may
 * pass as descriptor 4 (see the top of this file): 1 once held, 0 when none
 * was passed. An exclusive lock held by someone else means a sweep is
 * reclaiming the cgroup: not for this init. */
static int hold_cgroup(void)
{
	/* "." opens relative to descriptor 4 only if it is a directory. */
	int dot = openat(CGROUP_DIR, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dot < 0)
		return 0; /* none passed */
	close(dot);
	if (fcntl(CGROUP_DIR, F_SETFD, FD_CLOEXEC) < 0)
		return -1;
	while (flock(CGROUP_DIR, LOCK_SH | LOCK_NB) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return 1;
}

/* close_from closes every descriptor from fd up. */
static void close_from(int fd)
{
	if (syscall(SYS_close_range, (unsigned)fd, ~0U, 0) == 0)
		return;
	/* Before Linux 5.9: each one /proc/self/fd lists. */
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		long n = strtol(e->d_name, &end, 10);
		if (end != e->d_name && !*end && n >= fd && n != dirfd(d))
			close((int)n);
	}
	closedir(d);
}

/* ---- /proc ------------------------------------------------------------- */

/* /proc is the one of init's PID namespace or of an ancestor's. */
static pid_t proc_self;    /* init's pid in /proc's namespace */
static int proc_level;     /* how many namespaces init's is below /proc's */

/* read_proc reads /proc/PID/NAME (PID 0: self) into buf, NUL-terminated. */
static ssize_t read_proc(pid_t pid, const char *name, char *buf, size_t size)
{
	char path[64];
	if (pid)
		snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
	else
		snprintf(path, sizeof path, "/proc/self/%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n;
	while ((n = read(fd, buf, size - 1)) < 0 && errno == EINTR)
		;
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return n;
}

/* nspid reads the NSpid line of /proc/PID/status (PID 0: self): a
 * process's pid in /proc's namespace, then in each one below down to its
 * own. It returns how many there are (0 without the line), and in *at the
 * one at index level (0 when there is none). */
static int nspid(pid_t pid, int level, pid_t *at)
{
	char buf[4096];
	*at = 0;
	ssize_t len = read_proc(pid, "status", buf, sizeof buf);
	if (len < 0)
		return 0;
	char *s = buf, *end = buf + len, *eol;
	while ((eol = memchr(s, '\n', end - s)) && strncmp(s, "NSpid:", 6) != 0)
		s = eol + 1;
	if (!eol)
		return 0;
	*eol = 0;
	s += 6;
	int n = 0;
	for (char *next;; s = next, n++) {
		long v = strtol(s, &next, 10);
		if (next == s)
			return n;
		if (n == level)
			*at = (pid_t)v;
	}
}

/* find_proc_ns finds where init stands in /proc. */
static void find_proc_ns(void)
{
	int n = nspid(0, 0, &proc_self);
	if (n == 0) { /* a kernel before NSpid (4.1): no nesting known */
		proc_self = getpid();
		return;
	}
	proc_level = n - 1;
}

/* own_pid translates a pid read in /proc into init's namespace; 0 when the
 * process is gone. */
static pid_t own_pid(pid_t proc_pid)
{
	pid_t pid;
	if (proc_level == 0)
		return proc_pid;
	nspid(proc_pid, proc_level, &pid);
	return pid;
}

/* ---- the tree ---------------------------------------------------------- */

struct pids {
	pid_t *v;
	size_t n, cap;
};

static void pids_add(struct pids *p, pid_t pid)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		pid_t *v = realloc(p->v, cap * sizeof *v);
		if (!v)
			return; /* signalled on a later pass */
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = pid;
}

/* add_children appends the children of every thread of pid (pids of
 * /proc). */
static void add_children(struct pids *p, pid_t pid)
{
	char path[320], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%d/task/%s/children", (int)pid, e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* The kernel writes the whole list in one read when it fits. */
		ssize_t n;
		size_t len = 0;
		while ((n = read(fd, buf + len, sizeof buf - 1 - len)) > 0) {
			len += n;
			buf[len] = 0;
			char *s = buf, *end;
			for (;;) {
				long v = strtol(s, &end, 10);
				if (end == s || (*end != ' ' && *end != '\n'))
					break; /* a number cut by the buffer's end: read on */
				pids_add(p, (pid_t)v);
				s = end + 1;
			}
			len = strlen(s);
			memmove(buf, s, len + 1);
			if (len >= sizeof buf - 16)
				len = 0;
		}
		close(fd);
	}
	closedir(d);
}

/* descendants lists every descendant of this process, parents first, by
 * their pids in /proc. */
static void descendants(struct pids *p)
{
	p->n = 0;
	add_children(p, proc_self);
	for (size_t i = 0; i < p->n; i++)
		add_children(p, p->v[i]);
}

/* alive tells whether the process of /proc pid is neither gone nor a
 * zombie. */
static int alive(pid_t pid)
{
	char st[256];
	if (read_proc(pid, "stat", st, sizeof st) <= 0)
		return 0;
	char *r = strrchr(st, ')');
	return r && r[1] == ' ' && r[2] != 'Z' && r[2] != 'X';
}

static void signal_tree(int sig)
{
	if (mode == PIDNS) {
		/* From PID 1: every process of the namespace but itself. */
		kill(-1, sig);
		return;
	}
	static struct pids p;
	if (sig != SIGKILL) {
		/* One graceful signal per process: one walk. */
		descendants(&p);
		for (size_t i = 0; i < p.n; i++) {
			pid_t pid = own_pid(p.v[i]);
			if (pid > 0)
				kill(pid, sig);
		}
		return;
	}
	/* A process killed as it forks leaves a child the walk that killed it
	 * did not see; one whose exit moves its children to this process
	 * between the walk's reading of our children and of its own hides
	 * them from that walk too. So walk until two walks in a row find no
	 * live process (killed ones are reaped by the caller; a zombie is
	 * not alive), or for about a second: what is left then (a process
	 * stuck in the kernel) the host's next SIGKILL finds. */
	int quiet = 0;
	for (int pass = 0; pass < 1000 && quiet < 2; pass++) {
		descendants(&p);
		int any = 0;
		for (size_t i = 0; i < p.n; i++) {
			if (!alive(p.v[i]))
				continue;
			pid_t pid = own_pid(p.v[i]);
			if (pid > 0 && kill(pid, SIGKILL) == 0)
				any = 1;
		}
		quiet = any ? 0 : quiet + 1;
		if (any) {
			struct timespec pause = {0, 1000000};
			nanosleep(&pause, NULL);
		}
	}
}

/* note_exit records that pid was reaped with status. */
static void note_exit(pid_t pid, int status)
{
	if (pid == program && !program_reaped) {
		program_reaped = 1;
		program_status = status;
		exit_unsent = 1;
	}
}

/* send_exit reports the program's exit, once it was reaped, and whether
 * the tree is empty: no child left to reap. */
static void send_exit(int empty)
{
	if (exit_unsent) {
		exit_unsent = 0;
		send_msg(empty ? 'W' : 'Q', program_status);
	}
}

/* reap_all collects every exited child, and returns whether no child is
 * left. */
static int reap_all(void)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG | __WALL)) > 0)
		note_exit(pid, status);
	return pid < 0 && errno == ECHILD;
}

/* finish ends the supervisor: what is left of the tree is killed and
 * reaped (the program's exit still reported), then the control socket is
 * closed. In a PID namespace PID 1's exit would kill the rest too, as the
 * keeper would in subreaper mode, but unreported. */
static void __attribute__((noreturn)) finish(int code)
{
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (;;) {
		/* No child left means no process left of the tree (an orphan
		 * comes to this process, the nearest subreaper or PID 1), and
		 * nothing to walk: the usual end, once the program's exit has
		 * emptied the tree. */
		int empty = reap_all();
		if (!empty) {
			signal_tree(SIGKILL);
			empty = reap_all();
		}
		send_exit(empty);
		if (empty)
			break;
		/* Children left: killed but not yet dead, or out of the walks'
		 * sight (see signal_tree); walk again when one exits, or soon. */
		struct timespec pause = {0, 10 * 1000000};
		sigtimedwait(&chld, NULL, &pause);
	}
	close_ctrl();
	_exit(code);
}

/* fail ends init when it cannot go on watching its tree: the tree ends
 * with it, lest it escape. poll fails when RLIMIT_NOFILE is lowered below
 * the descriptors it watches, and walking the tree needs descriptors:
 * the limit is raised again first, as far as allowed. (prlimit, for
 * musl's setrlimit would stop every thread first, at a cost in size.) */
static void __attribute__((noreturn)) fail(void)
{
	struct rlimit r = {64, 64};
	if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &r, NULL) < 0 &&
	    syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &r) == 0) {
		r.rlim_cur = r.rlim_max;
		syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &r, NULL);
	}
	finish(125);
}

/* ---- the stop sequence ------------------------------------------------- */

static void begin_stop(void)
{
	if (stopping)
		return;
	stopping = 1;
	if (!program && !program_reaped)
		finish(0); /* nothing was started, or it failed to */
	/* One graceful signal per process: after the host's own, the grace
	 * counts from now, and only SIGKILL is to come. */
	if (!graceful_sent)
		signal_tree(SIGTERM);
	graceful_sent = 1;
	signal_tree(SIGCONT); /* a stopped (Ctrl-Z'd) process acts on SIGTERM once continued */
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += grace_ms / 1000;
	deadline.tv_nsec += (long)(grace_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
}

static int ms_until_deadline(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long ms = (deadline.tv_sec - now.tv_sec) * 1000LL + (deadline.tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int)ms;
}

/* host_gone: the control socket reached its end (or failed). */
static void host_gone(void)
{
	ctrl_open = ctrl_read = 0;
	begin_stop();
}

/* host_broken: the host sent what the protocol does not allow, after
 * which nothing it sends can be understood. It is told, and its messages
 * are no longer read; the tree is stopped as when the host is gone. */
static void host_broken(void)
{
	send_msg('E', EINVAL);
	ctrl_read = 0;
	begin_stop();
}

/* ---- starting the program ---------------------------------------------- */

/* ---- credentials and limits ------------------------------------------ */

/* What a program gets before it runs, beyond its descriptors, directory,
 * arguments and environment: its limits, priority and credentials. */
struct attrs {
	int nrlimits;
	struct {
		int resource;
		struct rlimit limit;
	} rlimits[RLIM_NLIMITS];
	int set_nice, nice;
	int set_groups;
	size_t ngroups;
	int set_gid, set_uid;
	gid_t gid;
	uid_t uid;
	int no_new_privs;
	int reenter_dir;
};

/* The supplementary groups of a program (static: a vfork child allocates
 * nothing). */
static gid_t attr_groups[NGROUPS_MAX];

/* The steps of apply_attrs, as reported with their errno ('C'). */
enum {
	STEP_EXEC = 0, /* not a step of apply_attrs: the exec (trampoline) */
	STEP_SETGROUPS = 1,
	STEP_SETGID = 2,
	STEP_SETUID = 3,
	STEP_NO_NEW_PRIVS = 4,
	STEP_NICE = 5,
	STEP_CHDIR = 6, /* the trampoline's re-entry of its directory ('d') */
	STEP_RLIMIT = 0x100, /* plus the resource */
};

/* parse_num parses the decimal number at *s into *v and advances *s past
 * it. */
static int parse_num(const char **s, uint64_t *v)
{
	if (**s < '0' || **s > '9')
		return -1;
	uint64_t n = 0;
	for (; **s >= '0' && **s <= '9'; (*s)++) {
		if (n > (UINT64_MAX - (uint64_t)(**s - '0')) / 10)
			return -1;
		n = n * 10 + (uint64_t)(**s - '0');
	}
	*v = n;
	return 0;
}

/*
 * parse_attrs parses s, words separated by single spaces, each applied in
 * this order whatever the order given (see apply_attrs):
 *
 *   rRES,SOFT,HARD  setrlimit(RES) (numbers; 18446744073709551615 is
 *                   RLIM_INFINITY)
 *   nNICE           setpriority: the nice value, -20 to 19 (a leading '-'
 *                   allowed)
 *   G[GID[,GID...]] setgroups: the supplementary groups, none when empty
 *   gGID            setresgid
 *   uUID            setresuid
 *   s               PR_SET_NO_NEW_PRIVS
 *   d               (exec mode) enter the working directory again once the
 *                   credentials are the program's, so that one its user
 *                   may not enter is refused as it would be under init
 *
 * It returns -1 (errno EINVAL) for anything else.
 */
static int parse_attrs(const char *s, struct attrs *a)
{
	memset(a, 0, sizeof *a);
	while (*s) {
		char c = *s++;
		uint64_t v[3];
		switch (c) {
		case 'r':
			if (a->nrlimits == RLIM_NLIMITS || parse_num(&s, &v[0]) || *s++ != ',' ||
			    parse_num(&s, &v[1]) || *s++ != ',' || parse_num(&s, &v[2]) ||
			    v[0] >= RLIM_NLIMITS || v[1] > v[2])
				goto bad;
			a->rlimits[a->nrlimits].resource = (int)v[0];
			a->rlimits[a->nrlimits].limit.rlim_cur = v[1];
			a->rlimits[a->nrlimits].limit.rlim_max = v[2];
			a->nrlimits++;
			break;
		case 'n': {
			int neg = *s == '-';
			s += neg;
			if (parse_num(&s, &v[0]) || v[0] > 20)
				goto bad;
			a->set_nice = 1;
			a->nice = neg ? -(int)v[0] : (int)v[0];
			break;
		}
		case 'G':
			a->set_groups = 1;
			while (*s && *s != ' ') {
				if (a->ngroups == NGROUPS_MAX || parse_num(&s, &v[0]) || v[0] >= UINT32_MAX ||
				    (*s && *s != ' ' && *s++ != ','))
					goto bad;
				attr_groups[a->ngroups++] = (gid_t)v[0];
			}
			break;
		case 'g':
		case 'u':
			if (parse_num(&s, &v[0]) || v[0] >= UINT32_MAX)
				goto bad;
			if (c == 'g') {
				a->set_gid = 1;
				a->gid = (gid_t)v[0];
			} else {
				a->set_uid = 1;
				a->uid = (uid_t)v[0];
			}
			break;
		case 's':
			a->no_new_privs = 1;
			break;
		case 'd':
			a->reenter_dir = 1;
			break;
		default:
			goto bad;
		}
		if (*s == ' ')
			s++;
		else if (*s)
			goto bad;
	}
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

/*
 * apply_attrs gives this process what a says: limits and priority first,
 * while it may still raise them, then the groups, the gid and the uid
 * (all of real, effective and saved), then no_new_privs. Raw system
 * calls: musl's wrappers of the set*id calls synchronise threads, which a
 * vfork child must not. It returns the failed step (errno set) or -1.
 */
static int apply_attrs(const struct attrs *a)
{
	for (int i = 0; i < a->nrlimits; i++)
		if (syscall(SYS_prlimit64, 0, a->rlimits[i].resource, &a->rlimits[i].limit, NULL) < 0)
			return STEP_RLIMIT + a->rlimits[i].resource;
	if (a->set_nice && syscall(SYS_setpriority, PRIO_PROCESS, 0, a->nice) < 0)
		return STEP_NICE;
	if (a->set_groups && syscall(SYS_setgroups, a->ngroups, attr_groups) < 0)
		return STEP_SETGROUPS;
	if (a->set_gid && syscall(SYS_setresgid, a->gid, a->gid, a->gid) < 0)
		return STEP_SETGID;
	if (a->set_uid && syscall(SYS_setresuid, a->uid, a->uid, a->uid) < 0)
		return STEP_SETUID;
	if (a->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return STEP_NO_NEW_PRIVS;
	return -1;
}

/* attr_failure is the value of a 'C' report (or the trampoline's): the
 * step that failed and its errno. */
static int32_t attr_failure(int step, int err) { return (int32_t)(err | step << 16); }

/* exec_file executes the open file fd (O_PATH is enough), closed on exec.
 * A #! script is an exception: its interpreter reads it through
 * /dev/fd/N, so the kernel refuses (ENOENT) to close the descriptor, and
 * it is left open for the interpreter. It returns only on failure. */
static void exec_file(int fd, char *const argv[], char *const envp[])
{
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
	if (errno == ENOENT) {
		/* A script (or a program whose interpreter is missing, which
		 * fails again). */
		fcntl(fd, F_SETFD, 0);
		syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
	}
}

/* Set by the child of vfork, which shares this memory, when it fails. */
static volatile uint32_t child_failure;
static volatile int child_errno;

static void child_failed(uint32_t type)
{
	child_errno = errno;
	child_failure = type;
	_exit(127);
}

/* The credentials and limits of the program being started. */
static struct attrs start_attrs;

/* start_program starts the program a start request describes, with fds
 * (which stay the caller's) as its stdin, stdout and stderr, and, when
 * nfds is 4, fds[3] as the file to execute instead of its path. */
static void start_program(const int *fds, int nfds, char *payload, size_t len)
{
	/* Parse: path, dir, argc, attrs, argv..., env... */
	char *strs[4];
	char *s = payload, *end = payload + len;
	if (len == 0 || payload[len - 1] != 0) {
		send_msg('E', EINVAL);
		return;
	}
	for (int i = 0; i < 4; i++) {
		strs[i] = s;
		s = memchr(s, 0, end - s);
		if (!s) {
			send_msg('E', EINVAL);
			return;
		}
		s++;
	}
	long argc = strtol(strs[2], NULL, 10);
	if (parse_attrs(strs[3], &start_attrs) < 0) {
		send_msg('E', EINVAL);
		return;
	}
	size_t nstr = 0;
	for (char *t = s; t < end; t += strlen(t) + 1)
		nstr++;
	if (argc < 1 || (size_t)argc > nstr) {
		send_msg('E', EINVAL);
		return;
	}
	char **argv = calloc(nstr + 2, sizeof *argv);
	if (!argv) {
		send_msg('F', ENOMEM);
		return;
	}
	size_t slot = 0;
	long k = 0;
	for (char *t = s; t < end; t += strlen(t) + 1, k++) {
		if (k == argc)
			argv[slot++] = NULL; /* between argv and env */
		argv[slot++] = t;
	}
	char **envp = argv + argc + 1;

	/* The descriptors move to 0, 1 and 2 in the child: first out of the
	 * way of those numbers, here, where a failure can be reported; the
	 * executable's too, lest it be closed by their move. */
	int hi[MAX_RIGHTS], dup_failed = 0;
	for (int j = 0; j < nfds; j++)
		dup_failed |= (hi[j] = fcntl(fds[j], F_DUPFD_CLOEXEC, 10)) < 0;
	child_failure = 0;
	/* vfork: the child borrows this process's memory until it execs, so
	 * starting costs no copy at all, and this process resumes only once
	 * the exec has succeeded or failed. The child only makes system
	 * calls and writes child_failure. */
	pid_t pid = dup_failed ? (errno = EMFILE, -1) : vfork();
	if (pid == 0) {
		/* Without CLONE_SIGHAND the child has handlers of its own: set
		 * to default before unblocking, since a signal that came between
		 * the unblocking and the exec would run init's (which does
		 * nothing) and be lost. */
		for (size_t i = 0; i < NHANDLED; i++)
			signal(handled[i], SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		setpgid(0, 0);
		if (start_foreground) {
			/* A process of a background group may take the terminal
			 * with SIGTTOU blocked; a failure leaves the program in
			 * the background. */
			sigset_t ttou;
			sigemptyset(&ttou);
			sigaddset(&ttou, SIGTTOU);
			sigprocmask(SIG_BLOCK, &ttou, NULL);
			tcsetpgrp(hi[0], getpid());
		}
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int j = 0; j < 3; j++) {
			if (dup2(hi[j], j) < 0)
				child_failed('F');
		}
		int step = apply_attrs(&start_attrs);
		if (step >= 0) {
			errno = attr_failure(step, errno);
			child_failed('C');
		}
		/* As the program's user: a directory it may not enter is
		 * refused, as its own chdir would be. */
		if (chdir(strs[1]) < 0)
			child_failed('D');
		syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
		if (nfds == 4)
			exec_file(hi[3], argv, envp);
		else
			execve(strs[0], argv, envp);
		child_failed('E');
	}
	int fork_errno = errno;
	for (int j = 0; j < nfds; j++)
		if (hi[j] >= 0)
			close(hi[j]);
	free(argv);
	if (pid < 0) {
		send_msg('F', fork_errno);
		return;
	}
	if (child_failure) {
		send_msg(child_failure, child_errno); /* the child exits 127; reaped later */
		return;
	}
	program = pid;
	send_started(pid);
}

/* The first part of a start request's payload comes with its header. */
static char first[64 << 10];

/* recv_rest receives len more bytes of a start request into buf, or
 * discards them when buf is NULL: 0 once done, -1 when the host went away
 * first, -2 when it sent more than announced. */
static int recv_rest(char *buf, size_t len)
{
	while (len > 0) {
		size_t want = buf ? len : len < sizeof first ? len : sizeof first;
		struct iovec iov = {buf ? buf : first, want};
		struct msghdr h = {.msg_iov = &iov, .msg_iovlen = 1};
		ssize_t n = recvmsg(CTRL, &h, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if (h.msg_flags & MSG_TRUNC)
			return -2;
		len -= n;
		if (buf)
			buf += n;
	}
	return 0;
}

/* receive_start reads the rest of a start request, then starts its
 * program or refuses. The whole payload is read either way, lest its bytes
 * be taken for messages. nfds is how many descriptors came with it, -1
 * when more than MAX_RIGHTS. */
static void receive_start(uint32_t len, size_t got, const int *fds, int nfds)
{
	if (got > len) {
		send_msg('E', EINVAL);
		return;
	}
	char *payload = malloc(len ? len : 1);
	if (payload)
		memcpy(payload, first, got);
	int r = recv_rest(payload ? payload + got : NULL, len - got);
	if (r == -1)
		host_gone();
	else if (r == -2)
		host_broken();
	else if (!payload)
		send_msg('F', ENOMEM);
	else if ((nfds != 3 && nfds != 4) || program || program_reaped)
		send_msg('E', EINVAL);
	else
		start_program(fds, nfds, payload, len);
	free(payload);
}

/* ---- the host's messages ----------------------------------------------- */

/* reap collects every exited child, reports the program's exit if it was
 * among them, and returns whether no child is left. */
static int reap(void)
{
	int empty = reap_all();
	send_exit(empty);
	return empty;
}

static int job_control(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU || sig == SIGCONT;
}

static void signal_tree_for_host(int sig)
{
	/* Suspending and continuing the tree, as a shell does a job, is no
	 * stop: it is done whenever asked. */
	if (job_control(sig)) {
		signal_tree(sig);
		return;
	}
	/* During a stop the tree has had its graceful signal: only SIGKILL,
	 * which ends the grace early, is still to come. */
	if (stopping && sig != SIGKILL)
		return;
	signal_tree(sig);
	if (sig != SIGKILL && sig != 0)
		graceful_sent = 1;
}

static void handle_ctrl(void)
{
	struct msg m = {0, 0};
	int fds[MAX_RIGHTS], nfds = 0;
	char cbuf[CMSG_SPACE(MAX_RIGHTS * sizeof(int))];
	struct iovec iov[2] = {{&m, sizeof m}, {first, sizeof first}};
	struct msghdr h = {.msg_iov = iov, .msg_iovlen = 2, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	ssize_t n = recvmsg(CTRL, &h, MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		host_gone();
		return;
	}
	/* The descriptors a message brings are this function's to close,
	 * whatever comes of the message. */
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (int j = 0; j < k; j++) {
				int fd;
				memcpy(&fd, CMSG_DATA(c) + j * sizeof(int), sizeof fd);
				if (nfds < MAX_RIGHTS)
					fds[nfds++] = fd;
				else
					close(fd);
			}
		}
	}
	/* More descriptors than the buffer holds: the kernel closed the rest. */
	int rights = h.msg_flags & MSG_CTRUNC ? -1 : nfds;
	if (h.msg_flags & MSG_TRUNC) {
		host_broken(); /* longer than any message of the protocol */
	} else if (n == (ssize_t)sizeof m || (n > (ssize_t)sizeof m && (m.type == 'X' || m.type == 'Y'))) {
		switch (m.type) {
		case 'X':
		case 'Y':
			start_foreground = m.type == 'Y';
			receive_start((uint32_t)m.value, n - sizeof m, fds, rights);
			break;
		case 'S':
			if (program && !program_reaped)
				kill(program, m.value);
			break;
		case 'T':
			signal_tree_for_host(m.value);
			break;
		}
	}
	for (int k = 0; k < nfds; k++)
		close(fds[k]);
}

static void supervise(const sigset_t *mask)
{
	prctl(PR_SET_NAME, "procman-init");
	if (mode == SUBREAPER)
		find_proc_ns();
	int sfd = signalfd(-1, mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		send_msg('F', errno);
		finish(125); /* no tree yet */
	}
	send_msg('R', 0);
	for (;;) {
		struct pollfd pf[2] = {{sfd, POLLIN, 0}, {CTRL, POLLIN, 0}};
		int timeout = stopping ? ms_until_deadline() : -1;
		int n = poll(pf, ctrl_read ? 2 : 1, timeout);
		if (n < 0 && errno != EINTR)
			fail();
		if (n == 0 && stopping)
			finish(0); /* the grace is over */
		if (pf[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
				if (si.ssi_signo != SIGCHLD)
					begin_stop();
			}
		}
		if (ctrl_read && (pf[1].revents & (POLLIN | POLLHUP | POLLERR)))
			handle_ctrl();
		if (reap() && program_reaped)
			finish(0);
	}
}

/* ---- the host's child: outer process and keeper ------------------------- */

/* forward passes the stop signals of mask on to the supervisor until it
 * exits, and returns what to exit with: its exit code, or 128 and the
 * signal that killed it. */
static int forward(pid_t supervisor, const sigset_t *mask)
{
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(mask, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(supervisor, sig);
			continue;
		}
		int status;
		if (waitpid(supervisor, &status, WNOHANG) == supervisor)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
}

/* outer is the host's child in pidns mode: it passes stop signals on to
 * PID 1 and exits with it. Like the keeper it keeps the control socket
 * open to the end, so that the host's end of file means both are gone. */
static void __attribute__((noreturn)) outer(pid_t child, const sigset_t *mask)
{
	prctl(PR_SET_NAME, "procman-init");
	_exit(forward(child, mask));
}

/* keep is the host's child in subreaper mode, the keeper: it passes stop
 * signals on to the supervisor, and once the supervisor has exited,
 * killed or not, kills every descendant it has left (the orphans of the
 * tree come to it, the nearest subreaper), reaps them, and exits as the
 * supervisor did. It keeps the cgroup's descriptor, and its lock, to the
 * end, and the control socket (which it never reads): the host reads end
 * of file only once the keeper too has exited, and reaps it then, with no
 * descriptor of its own to watch it by. */
static void __attribute__((noreturn)) keep(pid_t supervisor, const sigset_t *mask)
{
	prctl(PR_SET_NAME, "procman-init");
	int code = forward(supervisor, mask);
	/* No child left, the supervisor reaped: nothing is left of the tree
	 * (see finish), the usual end. */
	if (reap_all())
		_exit(code);
	find_proc_ns();
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (;;) {
		signal_tree(SIGKILL);
		if (reap_all())
			_exit(code);
		/* Children left: killed but not yet dead, or born to a process
		 * as it was killed, and so not walked yet. */
		struct timespec pause = {0, 10 * 1000000};
		sigtimedwait(&chld, NULL, &pause);
	}
}

/* ---- exec mode: the host's trampoline ----------------------------------- */

/*
 *   procman-init exec KEEP pipe|stderr ATTRS PATH ARG0 [ARG...]
 *
 * The host starts a program through this mode when the program is its own
 * child (no init of this file's kind is its parent): started in the
 * program's stead, as the process that becomes the program (its pid, start
 * time, process group, session and cgroup already set), it closes every
 * descriptor but the program's, 0 to KEEP-1, gives itself the limits and
 * credentials of ATTRS (as a start request's attrs, see parse_attrs;
 * empty for none), and executes PATH with ARG0... and its own
 * environment. What the host's other threads opened without O_CLOEXEC
 * while it forked is closed so, which the host itself cannot do between
 * fork and exec. Descriptors past the program's:
 *
 *   KEEP      with "pipe": where a failure is reported, as an int32 in the
 *             host's byte order: the errno of the exec, or of the step of
 *             ATTRS that failed, with the step in the bits above 16 (see
 *             attr_failure); closed on exec, so end of file says the
 *             program runs. With "stderr", a failure is a line on
 *             descriptor 2 instead, and exit status 127.
 *   next      when PATH is empty: the program itself, an open file (O_PATH
 *             is enough), executed through the descriptor (execveat) and
 *             closed on exec. A #! script is an exception: its interpreter
 *             reads it through /dev/fd/N, so the script's descriptor stays
 *             open for it.
 *
 * Any other descriptor, the image of this program among them, is closed.
 */
static void __attribute__((noreturn)) exec_program(int argc, char **argv)
{
	extern char **environ;
	char *end;
	long keep = argc >= 7 ? strtol(argv[2], &end, 10) : 0;
	if (argc < 7 || end == argv[2] || *end || keep < 3 || keep > INT_MAX - 2 ||
	    (strcmp(argv[3], "pipe") && strcmp(argv[3], "stderr"))) {
		fprintf(stderr, "usage: procman-init exec KEEP pipe|stderr ATTRS PATH ARG0 [ARG...]\n");
		_exit(2);
	}
	int next = (int)keep, report = -1, program = -1;
	if (!strcmp(argv[3], "pipe"))
		report = next++;
	const char *path = argv[5];
	if (!*path)
		program = next++;
	close_from(next);
	if (report >= 0)
		fcntl(report, F_SETFD, FD_CLOEXEC);
	struct attrs a;
	int step = STEP_EXEC;
	if (parse_attrs(argv[4], &a) < 0) {
		fprintf(stderr, "procman-init exec: malformed ATTRS %s\n", argv[4]);
		_exit(2);
	}
	static char dir[PATH_MAX];
	if (a.reenter_dir && !getcwd(dir, sizeof dir))
		a.reenter_dir = 0; /* unreachable from here as well: left as is */
	step = apply_attrs(&a);
	if (step < 0 && a.reenter_dir && chdir(dir) < 0)
		step = STEP_CHDIR;
	if (step < 0) {
		step = STEP_EXEC;
		if (program < 0)
			execve(path, argv + 6, environ);
		else
			exec_file(program, argv + 6, environ);
	}
	int32_t err = errno;
	if (report >= 0) {
		int32_t code = attr_failure(step, err);
		while (write(report, &code, sizeof code) < 0 && errno == EINTR)
			;
	} else if (step == STEP_EXEC) {
		fprintf(stderr, "procman-init: exec %s: %s\n", *path ? path : argv[6], strerror(err));
	} else {
		fprintf(stderr, "procman-init: set up %s (step %#x): %s\n", *path ? path : argv[6], step, strerror(err));
	}
	_exit(127);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "exec")) {
		/* Not dumpable while it is the host's; the program's exec makes
		 * the process dumpable again. */
		prctl(PR_SET_DUMPABLE, 0);
		exec_program(argc, argv);
	}
	if (argc != 3) {
		fprintf(stderr, "usage: procman-init pidns|pidns+user|subreaper GRACE_MS\n");
		return 2;
	}
	int user = 0;
	if (!strcmp(argv[1], "pidns")) {
		mode = PIDNS;
	} else if (!strcmp(argv[1], "pidns+user")) {
		mode = PIDNS;
		user = 1;
	} else if (!strcmp(argv[1], "subreaper")) {
		mode = SUBREAPER;
	} else {
		fprintf(stderr, "procman-init: unknown mode %s\n", argv[1]);
		return 2;
	}
	/* The maps first, while /proc/self is still init's own to write: the
	 * time init can be ptraced is kept as short as can be. */
	if (user && map_user() < 0) {
		send_msg('F', errno);
		return 1;
	}
	prctl(PR_SET_DUMPABLE, 0);
	grace_ms = atoi(argv[2]);
	if (fcntl(CTRL, F_SETFD, FD_CLOEXEC) < 0)
		return 2;
	int held = hold_cgroup();
	if (held < 0) {
		send_msg('F', errno);
		return 1;
	}
	close_from(held ? CGROUP_DIR + 1 : CTRL + 1);

	/* PID 1 of a namespace receives from outside only the signals it has
	 * a handler for, even when they are blocked: install one for each. */
	sigset_t mask;
	sigemptyset(&mask);
	struct sigaction sa = {.sa_handler = on_signal};
	for (size_t i = 0; i < NHANDLED; i++) {
		sigaddset(&mask, handled[i]);
		sigaction(handled[i], &sa, NULL);
	}
	signal(SIGPIPE, SIG_IGN);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	if (mode == SUBREAPER) {
		/* Both are subreapers: the tree's orphans go to the supervisor,
		 * and to the keeper once the supervisor is gone. */
		if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
			send_msg('F', errno);
			return 1;
		}
		if (held && geteuid() == 0)
			supervise(&mask); /* the cgroup holds the tree: no keeper */
		pid_t keeper = getpid();
		pid_t child = fork();
		if (child < 0) {
			send_msg('F', errno);
			return 1;
		}
		if (child > 0)
			keep(child, &mask);
		if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0 || prctl(PR_SET_PDEATHSIG, SIGTERM) < 0) {
			send_msg('F', errno);
			return 1;
		}
		/* The keeper killed before the death signal was set: stop as
		 * its death signal would have made it. */
		if (getppid() != keeper)
			kill(getpid(), SIGTERM);
		supervise(&mask);
	}
	if (unshare(CLONE_NEWPID) < 0) {
		send_msg('F', errno);
		return 1;
	}
	pid_t child = fork();
	if (child < 0) {
		send_msg('F', errno);
		return 1;
	}
	if (child == 0) {
		/* Dies with the outer process, whatever kills it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (private_proc() < 0) {
			send_msg('M', errno);
			return 1;
		}
		if (held && unshare(CLONE_NEWCGROUP) < 0) {
			send_msg('F', errno);
			return 1;
		}
		supervise(&mask);
	}
	outer(child, &mask);
}
