/*
 * notif_vs_ptrace.c - microbenchmark: cost of an *emulated* syscall
 * (getpid -> fake 4242) under the different seccomp/ptrace mechanisms.
 *
 *   gcc -O2 -pthread -o notif_vs_ptrace notif_vs_ptrace.c
 *   ./notif_vs_ptrace [-n iters] [-r reps] [-c cpu]     (root or CAP_SYS_PTRACE)
 *
 * Each variant forks a child that runs syscall(SYS_getpid) x iters, times the
 * loop with clock_gettime (vDSO, not filtered) and checks every return value
 * (4242 for emulated variants, the real pid otherwise).  Variants are
 * interleaved over `reps` repetitions; the median ns/call is printed.
 * -c CPU pins parent, threads and child to one CPU (default: unpinned).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/ptrace.h> /* struct ptrace_syscall_info (after sys/ptrace.h) */

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS /* kernel >= 6.6, missing in old headers */
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif
#ifndef PTRACE_SET_SYSCALL_INFO /* kernel >= 6.16 */
#define PTRACE_SET_SYSCALL_INFO 0x4212
#endif

#define FAKE 4242
#define STOP_MAGIC 0x5eed5eedcafeULL /* args[0] of the last getpid: supervisor exits */
#define WARMUP 2000

enum tracer_kind {
	T_NONE,
	T_REGS,          /* GETREGS + SETREGS(orig_rax=-1, rax=FAKE) */
	T_INFO_POKE,     /* GET_SYSCALL_INFO + POKEUSER orig_rax + POKEUSER rax */
	T_INFO_SETINFO,  /* GET_SYSCALL_INFO + SET_SYSCALL_INFO(nr=-1) + POKEUSER rax */
	T_INFO_REGS,     /* GET_SYSCALL_INFO + GETREGS + SETREGS (what SETREGS really costs) */
	T_POKE_BLIND,    /* POKEUSER x2 only, no read: lower bound, not a usable design */
	T_PASSIVE,       /* ptrace-attached with umbra-like options, just waits (variant 6) */
};

struct variant {
	const char *name;
	uint32_t action;   /* seccomp action for getpid, 0 = no filter */
	enum tracer_kind tracer;
	int notif;         /* USER_NOTIF supervisor thread */
	int sync_wake;     /* SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP */
	int use_epoll;     /* supervisor waits in epoll_wait (event-loop style) before RECV */
	int emulated;      /* expect FAKE */
};

static const struct variant variants[] = {
	{"1 native", 0, T_NONE, 0, 0, 0, 0},
	{"2 seccomp RET_ALLOW", SECCOMP_RET_ALLOW, T_NONE, 0, 0, 0, 0},
	{"3 RET_TRACE GETREGS/SETREGS", SECCOMP_RET_TRACE, T_REGS, 0, 0, 0, 1},
	{"4a RET_TRACE GET_SYSCALL_INFO+POKEUSERx2", SECCOMP_RET_TRACE, T_INFO_POKE, 0, 0, 0, 1},
	{"4b RET_TRACE GET_SCI+SET_SCI(nr=-1)+POKE rax", SECCOMP_RET_TRACE, T_INFO_SETINFO, 0, 0, 0, 1},
	{"4c RET_TRACE GET_SCI+GETREGS+SETREGS", SECCOMP_RET_TRACE, T_INFO_REGS, 0, 0, 0, 1},
	{"4d RET_TRACE blind POKEUSERx2 (floor)", SECCOMP_RET_TRACE, T_POKE_BLIND, 0, 0, 0, 1},
	{"5a USER_NOTIF thread", SECCOMP_RET_USER_NOTIF, T_NONE, 1, 0, 0, 1},
	{"5b USER_NOTIF thread +SYNC_WAKE_UP", SECCOMP_RET_USER_NOTIF, T_NONE, 1, 1, 0, 1},
	{"5c USER_NOTIF epoll_wait+RECV +SYNC_WAKE_UP", SECCOMP_RET_USER_NOTIF, T_NONE, 1, 1, 1, 1},
	{"6a ptraced + USER_NOTIF thread", SECCOMP_RET_USER_NOTIF, T_PASSIVE, 1, 0, 0, 1},
	{"6b ptraced + USER_NOTIF +SYNC_WAKE_UP", SECCOMP_RET_USER_NOTIF, T_PASSIVE, 1, 1, 0, 1},
};
#define NV ((int)(sizeof variants / sizeof variants[0]))

struct shared {
	double ns_per_call;
	long bad;
	int sync_wake_ok;
};
static struct shared *shm;
static long iters = 100000;

static void die(const char *m) { perror(m); exit(2); }

static int install_filter(uint32_t action, int listener)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, action),
		/* umbra-like: some other syscall goes to the ptracer (not hit in the loop) */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof f / sizeof f[0], f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) die("NO_NEW_PRIVS");
	int r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, &prog);
	if (r < 0) die("seccomp");
	return r;
}

static void send_fd(int sock, int fd)
{
	char c = 'F';
	struct iovec iov = {&c, 1};
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			   .msg_controllen = sizeof u.b};
	struct cmsghdr *c1 = CMSG_FIRSTHDR(&m);
	c1->cmsg_level = SOL_SOCKET;
	c1->cmsg_type = SCM_RIGHTS;
	c1->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c1), &fd, sizeof fd);
	if (sendmsg(sock, &m, 0) != 1) die("sendmsg");
}

static int recv_fd(int sock)
{
	char c;
	struct iovec iov = {&c, 1};
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			   .msg_controllen = sizeof u.b};
	if (recvmsg(sock, &m, 0) != 1) die("recvmsg");
	struct cmsghdr *c1 = CMSG_FIRSTHDR(&m);
	if (!c1 || c1->cmsg_type != SCM_RIGHTS) { fprintf(stderr, "no fd\n"); exit(2); }
	int fd;
	memcpy(&fd, CMSG_DATA(c1), sizeof fd);
	return fd;
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void child_main(const struct variant *v, int sock, int gofd)
{
	char c;
	long real = syscall(SYS_getpid);
	if (gofd >= 0 && read(gofd, &c, 1) != 1) _exit(3); /* wait until seized */
	if (v->action) {
		int lfd = install_filter(v->action, v->notif);
		if (v->notif) {
			send_fd(sock, lfd);
			close(lfd);
			if (read(sock, &c, 1) != 1) _exit(3); /* supervisor ready */
		}
	}
	long expect = v->emulated ? FAKE : real, bad = 0;
	for (long i = 0; i < WARMUP; i++)
		bad += syscall(SYS_getpid, 0) != expect;
	double t0 = now_ns();
	for (long i = 0; i < iters; i++)
		bad += syscall(SYS_getpid, 0) != expect;
	double t1 = now_ns();
	if (v->notif) syscall(SYS_getpid, STOP_MAGIC);
	shm->ns_per_call = (t1 - t0) / iters;
	shm->bad = bad;
	_exit(bad ? 1 : 0);
}

struct sup_arg { int fd, use_epoll; };

static void *notif_supervisor(void *arg)
{
	struct sup_arg *a = arg;
	int fd = a->fd, ep = -1;
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	struct epoll_event ev = {.events = EPOLLIN};
	if (a->use_epoll) {
		ep = epoll_create1(EPOLL_CLOEXEC);
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) die("epoll");
	}
	for (;;) {
		if (ep >= 0 && epoll_wait(ep, &ev, 1, -1) < 0) {
			if (errno == EINTR) continue;
			die("epoll_wait");
		}
		memset(&req, 0, sizeof req);
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req)) {
			if (errno == EINTR) continue;
			perror("NOTIF_RECV");
			break;
		}
		memset(&resp, 0, sizeof resp);
		resp.id = req.id;
		if (req.data.nr == SYS_getpid) resp.val = FAKE;
		else resp.error = -ENOSYS;
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) && errno != ENOENT)
			perror("NOTIF_SEND");
		if (req.data.args[0] == STOP_MAGIC) break;
	}
	if (ep >= 0) close(ep);
	return NULL;
}

#define OFF(r) offsetof(struct user, regs.r)

static int handle_seccomp_stop(pid_t pid, enum tracer_kind k)
{
	struct user_regs_struct regs;
	struct ptrace_syscall_info info;
	switch (k) {
	case T_REGS:
		if (ptrace(PTRACE_GETREGS, pid, 0, &regs)) return -1;
		if (regs.orig_rax != SYS_getpid) return -1;
		regs.orig_rax = -1;
		regs.rax = FAKE;
		return ptrace(PTRACE_SETREGS, pid, 0, &regs);
	case T_INFO_POKE:
		memset(&info, 0, sizeof info);
		if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, &info) <= 0) return -1;
		if (info.op != PTRACE_SYSCALL_INFO_SECCOMP || info.seccomp.nr != SYS_getpid) return -1;
		if (ptrace(PTRACE_POKEUSER, pid, OFF(orig_rax), -1L)) return -1;
		return ptrace(PTRACE_POKEUSER, pid, OFF(rax), (long)FAKE);
	case T_INFO_SETINFO:
		memset(&info, 0, sizeof info);
		if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, &info) <= 0) return -1;
		if (info.op != PTRACE_SYSCALL_INFO_SECCOMP || info.seccomp.nr != SYS_getpid) return -1;
		info.seccomp.nr = -1;
		if (ptrace(PTRACE_SET_SYSCALL_INFO, pid, sizeof info, &info)) return -1;
		return ptrace(PTRACE_POKEUSER, pid, OFF(rax), (long)FAKE);
	case T_INFO_REGS:
		memset(&info, 0, sizeof info);
		if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, &info) <= 0) return -1;
		if (info.seccomp.nr != SYS_getpid) return -1;
		if (ptrace(PTRACE_GETREGS, pid, 0, &regs)) return -1;
		regs.orig_rax = -1;
		regs.rax = FAKE;
		return ptrace(PTRACE_SETREGS, pid, 0, &regs);
	case T_POKE_BLIND:
		if (ptrace(PTRACE_POKEUSER, pid, OFF(orig_rax), -1L)) return -1;
		return ptrace(PTRACE_POKEUSER, pid, OFF(rax), (long)FAKE);
	default:
		return 0;
	}
}

/* returns child's wait status */
static int tracer_loop(pid_t pid, enum tracer_kind k)
{
	int st, errs = 0;
	for (;;) {
		if (waitpid(pid, &st, __WALL) < 0) {
			if (errno == EINTR) continue;
			die("waitpid");
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) break;
		int ev = (unsigned)st >> 16, sig = 0;
		if (ev == PTRACE_EVENT_SECCOMP) {
			if (handle_seccomp_stop(pid, k) && !errs++)
				perror("seccomp-stop handler");
		} else if (ev == 0 && WSTOPSIG(st) != (SIGTRAP | 0x80)) {
			sig = WSTOPSIG(st); /* signal-delivery-stop: re-inject */
		}
		ptrace(PTRACE_CONT, pid, 0, (long)sig);
	}
	return errs ? (1 << 8) : st;
}

static double run_variant(const struct variant *v, int *ok, int *sync_ok)
{
	int sv[2] = {-1, -1}, go[2] = {-1, -1};
	if (v->notif && socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) die("socketpair");
	if (v->tracer != T_NONE && pipe(go)) die("pipe");
	memset(shm, 0, sizeof *shm);
	shm->ns_per_call = -1;
	pid_t pid = fork();
	if (pid < 0) die("fork");
	if (pid == 0) {
		if (sv[0] >= 0) close(sv[0]);
		if (go[1] >= 0) close(go[1]);
		child_main(v, sv[1], go[0]);
	}
	if (sv[1] >= 0) close(sv[1]);
	if (go[0] >= 0) close(go[0]);
	if (v->tracer != T_NONE) {
		long opts = PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL;
		if (v->tracer == T_PASSIVE) /* what umbra needs anyway */
			opts |= PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
				PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT;
		if (ptrace(PTRACE_SEIZE, pid, 0, opts)) die("PTRACE_SEIZE");
		if (write(go[1], "g", 1) != 1) die("write go");
		close(go[1]);
	}
	pthread_t th;
	*sync_ok = -1;
	if (v->notif) {
		int lfd = recv_fd(sv[0]);
		if (v->sync_wake) {
			*sync_ok = ioctl(lfd, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
					 SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0;
			if (!*sync_ok) perror("NOTIF_SET_FLAGS(SYNC_WAKE_UP)");
		}
		struct sup_arg sa = {lfd, v->use_epoll};
		if (pthread_create(&th, NULL, notif_supervisor, &sa))
			die("pthread_create");
		if (write(sv[0], "r", 1) != 1) die("write ready");
		int st = tracer_loop(pid, v->tracer); /* T_PASSIVE or plain reap */
		pthread_join(th, NULL);
		close(lfd);
		close(sv[0]);
		*ok = WIFEXITED(st) && WEXITSTATUS(st) == 0 && shm->bad == 0;
	} else {
		int st = tracer_loop(pid, v->tracer);
		*ok = WIFEXITED(st) && WEXITSTATUS(st) == 0 && shm->bad == 0;
	}
	if (!*ok)
		fprintf(stderr, "variant '%s' FAILED (bad=%ld)\n", v->name, shm->bad);
	return shm->ns_per_call;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int reps = 3, cpu = -1, o;
	while ((o = getopt(argc, argv, "n:r:c:")) != -1) {
		if (o == 'n') iters = atol(optarg);
		else if (o == 'r') reps = atoi(optarg);
		else if (o == 'c') cpu = atoi(optarg);
		else { fprintf(stderr, "usage: %s [-n iters] [-r reps] [-c cpu]\n", argv[0]); return 2; }
	}
	if (cpu >= 0) {
		cpu_set_t s;
		CPU_ZERO(&s);
		CPU_SET(cpu, &s);
		if (sched_setaffinity(0, sizeof s, &s)) die("sched_setaffinity");
	}
	shm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED) die("mmap");
	double (*res)[64] = calloc(NV, sizeof *res);
	int okall[NV], sync_ok = -1;
	for (int i = 0; i < NV; i++) okall[i] = 1;
	if (reps > 64) reps = 64;
	for (int r = 0; r < reps; r++)
		for (int i = 0; i < NV; i++) {
			int ok, so;
			res[i][r] = run_variant(&variants[i], &ok, &so);
			okall[i] &= ok;
			if (so >= 0) sync_ok = so;
		}
	printf("getpid x %ld, %d reps (interleaved), cpu pin: %s, SYNC_WAKE_UP: %s\n",
	       iters, reps, cpu >= 0 ? argv[optind - 1] : "none",
	       sync_ok < 0 ? "n/a" : sync_ok ? "accepted" : "REJECTED");
	printf("%-46s %10s %8s %10s %10s  %s\n", "variant", "median ns", "x native",
	       "min", "max", "check");
	double native = 0;
	int fails = 0;
	for (int i = 0; i < NV; i++) {
		double s[64];
		memcpy(s, res[i], reps * sizeof(double));
		qsort(s, reps, sizeof(double), cmpd);
		double med = reps % 2 ? s[reps / 2] : (s[reps / 2 - 1] + s[reps / 2]) / 2;
		if (i == 0) native = med;
		printf("%-46s %10.1f %8.1f %10.1f %10.1f  %s\n", variants[i].name, med,
		       med / native, s[0], s[reps - 1], okall[i] ? "ok" : "FAIL");
		fails += !okall[i];
	}
	return fails ? 1 : 0;
}
