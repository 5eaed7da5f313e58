// Linux parity in the corners (issue 17): what a kernel test suite found umbra doing otherwise
// than Linux, each compared with the same program run natively in a world like umbra's.
import { deepEqual } from "node:assert/strict";
import { compile, differential, runNativeWithin, text, UMBRA, umbraTest } from "./_util.ts";

for (const isStatic of [false, true]) {
  const linkage = isStatic ? "static" : "dynamic";

  umbraTest(
    `a program's own seccomp filter answers as natively: RET_TRACE without a tracer of its own is ENOSYS (${linkage})`,
    async () => {
      await differential(
        "foreign_filter",
        text(
          "opens while children exit: odd results=0",
          "seccomp: ok",
          "openat (RET_TRACE): ENOSYS",
          "wait4 (RET_TRACE with data): ENOSYS",
          "getppid (RET_ERRNO): EPERM",
          "getpid (allowed): ok",
          "waitid (allowed): ok status=3",
        ),
        { static: isStatic },
      );
    },
  );
}

for (const isStatic of [false, true]) {
  umbraTest(
    `a signal a thread ignores neither ends its rt_sigtimedwait or epoll_wait nor is returned by it (${
      isStatic ? "static" : "dynamic"
    })`,
    async () => {
      await differential(
        "ignored_signals",
        text(
          "SIGURG (ignored by default) during sigtimedwait for USR1: EAGAIN",
          "SIGUSR2 (SIG_IGN, not blocked) during sigtimedwait for it: EAGAIN",
          "SIGUSR2 (SIG_IGN, blocked) during sigtimedwait for it: USR2",
          "SIGWINCH (ignored by default) during epoll_wait: timed out",
        ),
        { static: isStatic },
      );
    },
  );
}

const FAST_TIMER = text(
  "the worker forked and reaped 50 children: exited=1 code=0",
  "a 200 ms sleep: ended",
  "the ticker was killed: Killed",
);

umbraTest("a 1 ns periodic timer starves nothing else, in real time", async () => {
  await differential("fast_timer", FAST_TIMER);
});

umbraTest("a 1 ns periodic timer on the virtual clock lets the clock move on (its periods coalesced)", async () => {
  const program = await compile("fast_timer");
  const umbra = await runNativeWithin([UMBRA, "exec", "--time=virtual", "--", program], { seconds: 30 });
  deepEqual(umbra, { code: 0, stdout: FAST_TIMER, stderr: "" });
});

const LEADER_EXITS = text("the leader: ending", "the other thread: still here after the leader ended");

umbraTest("a leader that ends before its other thread leaves the process running, as natively", async () => {
  await differential("leader_exits", LEADER_EXITS);
});

umbraTest("a leader that ends before its other thread does not stop the virtual clock", async () => {
  const program = await compile("leader_exits");
  const umbra = await runNativeWithin([UMBRA, "exec", "--time=virtual", "--", program], { seconds: 20 });
  deepEqual(umbra, { code: 0, stdout: LEADER_EXITS, stderr: "" });
});
