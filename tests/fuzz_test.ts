// Bad arguments, differential against native Linux: tests/programs/fuzz.c makes thousands of random calls (fixed
// seeds) to kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_send_signal, pidfd_open, rt_sigtimedwait,
// wait4, waitid (on plain and PIDFD_NONBLOCK pidfds too), rt_sigaction, rt_sigprocmask, setpgid, getpgid, getsid,
// setsid, the id getters, set_tid_address, getrusage, times, prctl, clone, clone3, kill and friends on a zombie child,
// to stat, statx, access, readlink, chdir and getdents64 on /proc paths of its ids, to the fcntl and ioctl owners of
// signal-driven I/O, signalfd, signalfd4 and read of signalfds, and to the time calls (sleeps, POSIX timers, with
// SIGEV_THREAD_ID too, timerfds, interval timers, alarm, poll, ppoll, select, pselect6, the epoll waits) with
// arguments whose outcome does not depend on the clock, with bad pointers, bad signal numbers, siginfos with any
// si_code, bad descriptors, bad clocks, invalid timespecs, random flag bits and bad sizes among the arguments, and
// prints one line per call (result, errno name, what the call wrote, ids and descriptors by name). umbra must print
// every line as Linux does, in real time (under --time=virtual, where umbra emulates the time calls, some of their
// argument checks still differ: see docs/design.md). The native run is checked for its shape (every call, the
// children's end), so that a broken fuzzer cannot pass by printing the same nothing twice.
import { deepEqual, ok } from "node:assert/strict";
import {
  assertSameLines,
  compile,
  differential,
  nativeHost,
  runNativeWithin,
  runUmbraWithin,
  text,
  umbraTest,
} from "./_util.ts";

const CALLS = 5000;
const OUTCOMES = [" = 0 0", " EINVAL", " EFAULT", " ESRCH", " ECHILD", " EPERM", " EBADF", " ENOTTY", " EAGAIN"];
const SUCCEEDING = [
  ...["fcntl", "ioctl", "signalfd4", "read", "nanosleep", "clock_nanosleep", "timer_create"],
  ...["timerfd_create", "setitimer", "alarm", "poll", "ppoll", "select", "pselect6", "epoll_wait", "clone3", "times"],
];
/** Outcomes of the calls added last that each seed must reach: the start of a line's call, and the rest of it. */
const REACHED: [string, RegExp][] = [
  ["clone3(", / = child 0 wait4=child status=0x500/],
  ["clone3(", / = child 0 .*pidfd=written cloexec=1/],
  ["clone3(", / = -1 E2BIG/],
  ["kill(zchild, ", / = 0 0 waitid\(WNOWAIT\)=0 waitpid=zchild status=0x600/],
  ["waitid(3, pidfd_nonblock(", / = -1 EAGAIN/],
  ["timer_create(", / 4 thr\}, buf\) = 0 0/],
  ["timer_create(", / 4 (c0|5000000|0)\}, \S+\) = -1 EINVAL/],
];

function checkShape(output: string): void {
  const lines = output.trimEnd().split("\n");
  deepEqual(lines[0], "setup: children=4 zombie=1 thread=1 pidfds=4");
  const calls = lines.slice(1, 1 + CALLS);
  deepEqual(calls.map((line) => Number(line.split(" ")[0])), [...Array(CALLS).keys()], "one line per call, in order");
  for (const line of calls) ok(/^\d+ [a-z_0-9]+\(.*\) = \S+ (0|E[A-Z0-9]+)( .*)?$/.test(line), line);
  deepEqual(lines.slice(1 + CALLS, 1 + CALLS + 4), [
    "end: waitpid(c0) = c0 status=0x9",
    "end: waitpid(c1) = c1 status=0x9",
    "end: waitpid(c2) = c2 status=0x9",
    "end: waitpid(c3) = c3 status=0x9",
  ]);
  deepEqual(lines.at(-1), "done");
  // The fuzz reaches both successes and the interesting errors, and each of the calls added last succeeds at times.
  for (const outcome of OUTCOMES) ok(calls.some((line) => line.includes(outcome)), `no call ended with ${outcome}`);
  for (const name of SUCCEEDING) {
    const succeeded = (line: string) => line.split(" ")[1].startsWith(`${name}(`) && / = \S+ 0( |$)/.test(line);
    ok(calls.some(succeeded), `no ${name} succeeded`);
  }
  for (const [call, outcome] of REACHED) {
    ok(
      calls.some((line) => line.split(" ").slice(1).join(" ").startsWith(call) && outcome.test(line)),
      `no ${call} ${outcome}`,
    );
  }
}

async function fuzz(seed: number, isStatic: boolean): Promise<void> {
  const argv = [await compile("fuzz", { static: isStatic }), String(seed), String(CALLS)];
  const native = await runNativeWithin(argv, { wrap: await nativeHost(), seconds: 30 });
  deepEqual({ code: native.code, stderr: native.stderr }, { code: 0, stderr: "" });
  checkShape(native.stdout);
  const umbra = await runUmbraWithin(argv, { seconds: 30 });
  const what = `fuzz seed ${seed}${isStatic ? " (static)" : ""}`;
  try {
    assertSameLines(umbra.stdout, native.stdout, `${what}: umbra vs native`);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n  umbra exit code ${umbra.code}, stderr:\n${umbra.stderr}`);
  }
  deepEqual({ code: umbra.code, stderr: umbra.stderr }, { code: 0, stderr: "" });
}

umbraTest(`fuzz seed 1: ${CALLS} calls with bad arguments answer as on Linux`, () => fuzz(1, false));
umbraTest(`fuzz seed 2, static: ${CALLS} calls with bad arguments answer as on Linux`, () => fuzz(2, true));
umbraTest(`fuzz seed 3: ${CALLS} calls with bad arguments answer as on Linux`, () => fuzz(3, false));

umbraTest("a process-wide signal another thread takes never leaks ERESTARTSYS out of a parked wait", async () => {
  await differential(
    "sig_wait_thread",
    text("first waitpid: child or EINTR=1", "child reaped=1 exit=3", "handler ran once=1"),
  );
});
