// wait4 and waitid, differential against native Linux: which child each form selects, status words and siginfo,
// errors, clone children, resource usage, and job-control stops. The native output of each C program is pinned
// here too, so that a wrong program cannot pass by failing the same way in both runs.
import { deepEqual, equal } from "node:assert/strict";
import { differential, runNativeWithin, text, UMBRA, umbraTest } from "./_util.ts";
import type { RunResult } from "./_util.ts";

/** The native run of a differential test comparing every line (see _util's differential). */
async function differentialRun(name: string, expected: string, unpinned: string[] = []): Promise<RunResult> {
  return (await differential(name, expected, { unpinned, compareAll: true })).native;
}

umbraTest("waitpid and waitid select children by pid, any, own group, -pgid, P_PGID and P_PIDFD", async () => {
  const running = "si_pid=0 si_signo=0 si_code=0 si_status=0";
  const exited = (kid: number, status: number) => `kid${kid} signo_is_sigchld=1 code_is_exited=1 status=${status}`;
  await differentialRun(
    "wait_selectors",
    text(
      "waitpid(pid) while running, WNOHANG: 0",
      "waitpid(pid): kid0 code=11",
      "waitpid(-1): kid1 code=12",
      "waitpid(-1) with no children left: -1 ECHILD",
      "waitpid(0) with only another group's child finished, WNOHANG: 0",
      "waitpid(0): kid0 code=21",
      "waitpid(0) again, WNOHANG: -1 ECHILD",
      "waitpid(-1) reaps the other group's child: kid1 code=22",
      "group: kid0_leads=1 kid1_joined=1 kid2_stayed=1",
      "waitpid(-pgid) while the group runs, WNOHANG: 0",
      "waitpid(-pgid): kid1 code=32",
      "waitpid(-pgid) again: kid0 code=31",
      "waitpid(-pgid) with the group gone: -1 ECHILD",
      "wait() reaps the last one: kid2 code=33",
      `waitid(P_PID, WNOWAIT): ${exited(0, 41)}`,
      `waitid(P_ALL, WNOWAIT) again: ${exited(0, 41)}`,
      "waitpid(-1, WNOWAIT) is refused: -1 EINVAL",
      "waitpid(pid) reaps: kid0 code=41",
      "waitpid(pid) after the reap: -1 ECHILD",
      `waitid(P_ALL, WNOHANG) with all running: ${running}`,
      `waitid(P_ALL): ${exited(0, 51)}`,
      `waitid(P_PID): ${exited(1, 52)}`,
      `waitid(P_PGID, 0) with only another group's child finished, WNOHANG: ${running}`,
      `waitid(P_PGID, its group): ${exited(2, 53)}`,
      "pidfd_open=ok",
      `waitid(P_PIDFD) while running, WNOHANG: ${running}`,
      `waitid(P_PIDFD): ${exited(3, 54)}`,
      "waitid(P_PIDFD) after the reap: -1 ECHILD",
      "waitid(P_ALL) with no children: -1 ECHILD",
    ),
  );
});

umbraTest("status words and waitid siginfo describe exits, deaths by signal and core dumps", async () => {
  const info = (code: string, status: number) =>
    `si_signo_is_sigchld=1 si_code=${code} si_status=${status} si_pid_is_child=1 si_uid_is_uid=1 si_errno=0`;
  const word = (status: string, rest: string) => `waitpid_returns_child=1 status=${status} ${rest}`;
  // The core dump lines depend on the machine's core_pattern (here "core", written to the child's folder), so they
  // are compared with the native run but not pinned.
  const native = await differentialRun(
    "wait_status",
    text(
      `exit 0: ${info("CLD_EXITED", 0)}`,
      `exit 0: ${word("0x0", "WIFEXITED WEXITSTATUS=0")}`,
      `exit 7: ${info("CLD_EXITED", 7)}`,
      `exit 7: ${word("0x700", "WIFEXITED WEXITSTATUS=7")}`,
      `exit 255: ${info("CLD_EXITED", 255)}`,
      `exit 255: ${word("0xff00", "WIFEXITED WEXITSTATUS=255")}`,
      `exit 256+5: ${info("CLD_EXITED", 5)}`,
      `exit 256+5: ${word("0x500", "WIFEXITED WEXITSTATUS=5")}`,
      `raise SIGTERM: ${info("CLD_KILLED", 15)}`,
      `raise SIGTERM: ${word("0xf", "WIFSIGNALED WTERMSIG=TERM WCOREDUMP=0")}`,
      `killed by SIGKILL: ${info("CLD_KILLED", 9)}`,
      `killed by SIGKILL: ${word("0x9", "WIFSIGNALED WTERMSIG=KILL WCOREDUMP=0")}`,
      `killed by SIGUSR1: ${info("CLD_KILLED", 10)}`,
      `killed by SIGUSR1: ${word("0xa", "WIFSIGNALED WTERMSIG=USR1 WCOREDUMP=0")}`,
    ),
    ["abort ", "core files "],
  );
  if (native.stdout.includes("core files written=1")) {
    deepEqual(
      native.stdout.split("\n").filter((line) => line.startsWith("abort ")),
      [
        `abort with a core limit: ${info("CLD_DUMPED", 6)}`,
        `abort with a core limit: ${word("0x86", "WIFSIGNALED WTERMSIG=ABRT WCOREDUMP=1")}`,
      ],
    );
  }
});

umbraTest(
  "wait errors: ECHILD for non-children, EINVAL for bad options and id types, ESRCH, EBADF, EFAULT",
  async () => {
    await differentialRun(
      "wait_errors",
      text(
        "wait4(-1) without children: ECHILD",
        "wait4(0) without children: ECHILD",
        "wait4(-1, WNOHANG) without children: ECHILD",
        "waitid(P_ALL) without children: ECHILD",
        "wait4(parent): ECHILD",
        "wait4(self): ECHILD",
        "wait4(-own group): ECHILD",
        "wait4(nonexistent): ECHILD",
        "wait4(INT_MIN): ESRCH",
        "waitid(P_PID, self): ECHILD",
        "waitid(P_PID, 0): EINVAL",
        "waitid(P_PID, -1): EINVAL",
        "waitid(P_PGID, -1): EINVAL",
        "waitid(P_PIDFD, -1): EINVAL",
        "waitid(P_PIDFD, not a pidfd): EBADF",
        "waitid(P_PIDFD, closed fd): EBADF",
        "wait4(grandchild): ECHILD",
        "waitid(P_PID, grandchild): ECHILD",
        "waitid(P_PIDFD, grandchild's pidfd): ECHILD",
        "wait4(-1, WEXITED): EINVAL",
        "wait4(-1, WNOWAIT): EINVAL",
        "wait4(-1, unknown bit 0x100): EINVAL",
        "wait4(child, WNOHANG|WUNTRACED|WCONTINUED|__WALL): 0",
        "waitid(P_ALL, no WEXITED|WSTOPPED|WCONTINUED): EINVAL",
        "waitid(P_ALL, options 0): EINVAL",
        "waitid(P_ALL, unknown bit 0x100): EINVAL",
        "waitid(idtype 42): EINVAL",
        "waitid(idtype -1): EINVAL",
        "waitid(P_ALL, WNOHANG) while running: 0",
        "wait4(child) with a bad status pointer: EFAULT",
        "wait4(child, WNOHANG) after the EFAULT: ECHILD",
      ),
    );
  },
);

umbraTest("__WCLONE and __WALL see clone children whose exit signal is 0 or SIGUSR1", async () => {
  await differentialRun(
    "wait_clone",
    text(
      "clone(exit signal 0)=ok",
      "waitpid(pid, WNOHANG): ECHILD",
      "waitpid(-1, WNOHANG): ECHILD",
      "waitpid(pid, WNOHANG|__WCLONE) while running: 0",
      "waitpid(-1, WNOHANG|__WALL) while running: 0",
      "waitpid(pid, __WCLONE): returns_child=1 exited=1 code=21",
      "sigchld_count=0 sigusr1_count=0",
      "SIGUSR1 child: waitpid(-1, WNOHANG): ECHILD",
      "SIGUSR1 child: waitid(P_PID, WNOHANG)=ECHILD",
      "SIGUSR1 child: waitid(P_PID, WNOHANG|__WCLONE) while running=0 si_pid=0",
      "SIGUSR1 child: waitid(P_ALL, __WALL) si_pid_is_child=1 si_signo=CHLD si_code_is_exited=1 si_status=22",
      "sigchld_count=0 sigusr1_count=1",
      "fork child: waitpid(-1, WNOHANG|__WCLONE): ECHILD",
      "fork child: waitpid(-1, __WALL): returns_child=1 exited=1 code=23",
      "sigchld_count=1 sigusr1_count=1",
      "waitpid(-1, __WALL) with no children: ECHILD",
    ),
  );
});

umbraTest("wait4 and waitid report the CPU time of a child that burned 50 ms", async () => {
  await differentialRun(
    "wait_rusage",
    text(
      "children_utime_before_zero=1",
      "wait4: returns_child=1 ru_utime_nonzero=1 ru_utime_at_least_20ms=1 ru_utime_under_5s=1 ru_maxrss_nonzero=1",
      "children_utime_nonzero_after_reap=1",
      "waitid: result=0 si_pid_is_child=1 ru_utime_nonzero=1",
      "wait4 WNOHANG while running: result=0 rusage_untouched=1",
      "killed: returns_child=1 WTERMSIG=9",
    ),
  );
});

umbraTest("stopped and continued children are reported once, with WUNTRACED, WSTOPPED and WCONTINUED", async () => {
  await differentialRun(
    "wait_stop",
    text(
      "running, WNOHANG|WUNTRACED|WCONTINUED: 0",
      "SIGSTOP, waitpid(WUNTRACED): returns_child=1 status=0x137f WIFSTOPPED WSTOPSIG=STOP",
      "again, WNOHANG|WUNTRACED (reported once): 0",
      "SIGCONT, waitpid(WCONTINUED): returns_child=1 status=0xffff WIFCONTINUED",
      "again, WNOHANG|WCONTINUED (reported once): 0",
      "SIGSTOP, waitid(WSTOPPED|WNOWAIT): si_pid_is_child=1 si_code=CLD_STOPPED si_status=STOP",
      "waitid(WSTOPPED) consumes it: si_pid_is_child=1 si_code=CLD_STOPPED si_status=STOP",
      "waitid(WSTOPPED|WNOHANG) after: si_pid=0",
      "waitpid(WNOHANG) without WUNTRACED ignores the stop: 0",
      "SIGCONT, waitid(WCONTINUED): si_pid_is_child=1 si_code=CLD_CONTINUED si_status=CONT",
      "SIGSTOP again: returns_child=1 status=0x137f WIFSTOPPED WSTOPSIG=STOP",
      "SIGTERM while stopped, then SIGCONT: waitpid(0): returns_child=1 status=0xf WIFSIGNALED WTERMSIG=TERM",
      "after the reap: ECHILD",
    ),
  );
});

umbraTest(
  "a parent's waits take no stop: a shell reaps 100 children with no wait traced, and every exit is seen",
  async () => {
    // The kernel reaps, untraced; the model forgets its zombies as their pids come back or a look finds them gone.
    const result = await runNativeWithin(
      [UMBRA, "exec", "--stats", "--", "/bin/sh", "-c", "for i in $(seq 100); do /bin/true; done; echo done"],
      { seconds: 60 },
    );
    equal(result.code, 0, result.stderr);
    equal(result.stdout, "done\n");
    const kinds = /^umbra: stats: \d+ stops \((.*)\)/.exec(result.stderr)?.[1] ?? "";
    const counts = Object.fromEntries(
      kinds.split(", ").map((entry) => entry.split(" ")).map(([k, n]) => [k, Number(n)]),
    );
    // The shell, seq (a command substitution) and the 100 children end; no wait4 stops at entry or exit.
    deepEqual([counts.exit, counts["syscall-exit"]], [102, undefined]);
  },
);
