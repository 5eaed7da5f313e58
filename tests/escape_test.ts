// The escape suite: programs that try to reach a host process or umbra itself from inside the sandbox, each built
// dynamic and static. A host victim (`sleep`, leading its own group and session, started by the test outside the
// sandbox) must still sleep afterwards; umbra (this test process: the sandbox runs in-process, so umbra's pid is
// Deno.pid) must not have been signalled; and every attempt's result must be what Linux gives in a pid namespace of its
// own, as a native reference run in one (`unshare --pid`, the program as the namespace's init) shows. The programs
// refuse to run natively outside such a namespace: there, as root, their group and broadcast kills would reach the
// machine.
import { deepEqual, equal, ok } from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { Sandbox, shellExitCode, type UmbraEvent } from "../mod.ts";
import { assertSameLines, compile, markedEnv, runNative, type RunResult, text, umbraTest } from "./_util.ts";

/** A new pid namespace whose init is the program itself (`<program> init ...`), killed with unshare. */
const PID_NAMESPACE = ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc"];

/** Virtual pids umbra hands out first: a host process with one of these numbers would be a sandbox process's. */
const VIRTUAL_IDS = { from: 1000, to: 1100 };

interface Victim {
  pid: number;
  /** State, name and group leadership as /proc shows them, or "gone". */
  state(): Promise<{ comm: string; state: string; leadsGroup: boolean } | "gone">;
  stop(): Promise<void>;
}

const SLEEPING = { comm: "sleep", state: "S", leadsGroup: true };

/** Starts `sleep 60` outside the sandbox, leading its own session and group, with a pid no sandbox process has. */
async function startVictim(): Promise<Victim> {
  const spares: Deno.ChildProcess[] = [];
  try {
    for (let attempt = 0;; attempt++) {
      const child = new Deno.Command("setsid", {
        args: ["sleep", "60"],
        env: markedEnv(),
        stdout: "null",
        stderr: "null",
      }).spawn();
      if ((child.pid < VIRTUAL_IDS.from || child.pid >= VIRTUAL_IDS.to) || attempt > 5) {
        const victim = victimOf(child);
        for (let i = 0; i < 200 && !isDeepStrictEqual(await victim.state(), SLEEPING); i++) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        deepEqual(await victim.state(), SLEEPING, "the victim must be asleep before the attempts");
        return victim;
      }
      spares.push(child);
    }
  } finally {
    for (const spare of spares) {
      spare.kill("SIGKILL");
      await spare.status;
    }
  }
}

function victimOf(child: Deno.ChildProcess): Victim {
  const pid = child.pid;
  return {
    pid,
    state: async () => {
      try {
        const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
        const [state, , group] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return {
          comm: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")),
          state,
          leadsGroup: Number(group) === pid,
        };
      } catch {
        return "gone";
      }
    },
    stop: async () => {
      try {
        child.kill("SIGKILL");
      } catch { /* gone already: what the checks are for */ }
      await child.status;
    },
  };
}

/** SIGCHLD's bit in a /proc signal mask: every ptrace stop of a tracee sends the tracer SIGCHLD, by design. */
const SIGCHLD_BIT = 1n << 16n;

/** Signals but SIGCHLD this process (umbra) has pending, from /proc/self/status: process-wide and this thread's. */
async function pendingSignals(): Promise<string[]> {
  const status = await Deno.readTextFile("/proc/self/status");
  return [...status.matchAll(/^(ShdPnd|SigPnd):\s+([0-9a-f]+)$/gm)]
    .filter(([, , mask]) => (BigInt(`0x${mask}`) & ~SIGCHLD_BIT) !== 0n)
    .map(([line]) => line);
}

/** umbra's (this process's) threads other than the main one, its process group and its session. */
async function umbraIds(): Promise<{ threads: number[]; group: number; session: number }> {
  const threads: number[] = [];
  for await (const entry of Deno.readDir("/proc/self/task")) {
    const tid = Number(entry.name);
    if (tid !== Deno.pid && (tid < VIRTUAL_IDS.from || tid >= VIRTUAL_IDS.to)) threads.push(tid);
  }
  const stat = await Deno.readTextFile("/proc/self/stat");
  const [, , group, session] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { threads: threads.sort((a, b) => a - b), group: Number(group), session: Number(session) };
}

/** Resolves once every process of the sandbox (started or forked after the call) has ended. */
async function allEnded(events: AsyncIterableIterator<UmbraEvent>): Promise<void> {
  const live = new Set<number>();
  for await (const event of events) {
    if (event.kind === "start" || event.kind === "fork") live.add(event.pid);
    if (event.kind === "exit") {
      live.delete(event.pid);
      if (live.size === 0) return;
    }
  }
}

/**
 * Runs `program` in an in-process sandbox (so umbra is this process) with the arguments `args` makes once the sandbox
 * runs (its threads exist by then); waits until every process of the sandbox has ended, orphans too. Output is what
 * the whole tree wrote to the first process's stdout and stderr.
 */
async function underUmbra(
  program: string,
  args: () => Promise<string[]>,
): Promise<RunResult & { args: string[] }> {
  const data = await Deno.makeTempDir({ prefix: "umbra-escape-" });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await using sandbox = await Sandbox.create({ dataDirectory: data, events: true });
    const ended = allEnded(sandbox.events());
    const argv = await args();
    const process = sandbox.spawn({ path: program, args: argv, env: markedEnv({ UMBRA_ESCAPE: "sandboxed" }) });
    const { pid } = await process.started;
    const status = await process.exited;
    await Promise.race([
      ended,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${program}: processes left running after 20 s`)), 20_000);
      }),
    ]);
    const output = `${await Deno.realPath(data)}/hosts/localhost/${program.slice(program.lastIndexOf("/") + 1)}.${pid}`;
    return {
      args: argv,
      code: shellExitCode(status),
      stdout: await Deno.readTextFile(`${output}.stdout`),
      stderr: await Deno.readTextFile(`${output}.stderr`),
    };
  } finally {
    clearTimeout(timer);
    await Deno.remove(data, { recursive: true });
  }
}

/** What one program must print: its native lines, the lines umbra prints instead (documented), its exit code. */
interface Expectation {
  stdout: string;
  code: number;
  deviations?: Record<string, string>;
  /** Whether the program execs `kill`, which reports ESRCH on stderr. */
  killsFromShell?: boolean;
}

/**
 * The attempt: the victim is started; `program` runs under umbra, then natively as init of a new pid namespace with the
 * same arguments. Both must print `expected` (umbra with its deviations), the victim must sleep on, untouched, and
 * umbra must have no signal pending and have caught none.
 */
async function attempt(
  name: string,
  isStatic: boolean,
  args: (victim: Victim) => Promise<string[]>,
  expected: Expectation,
): Promise<void> {
  const program = await compile(name, { static: isStatic });
  const victim = await startVictim();
  const caught: string[] = [];
  const catchers = (["SIGTERM", "SIGHUP", "SIGINT", "SIGUSR1", "SIGUSR2", "SIGQUIT"] as const).map((signal) => {
    const catcher = () => caught.push(signal);
    Deno.addSignalListener(signal, catcher);
    return [signal, catcher] as const;
  });
  try {
    const umbra = await underUmbra(program, () => args(victim));
    await new Promise((resolve) => setTimeout(resolve, 50)); // for a signal in flight
    deepEqual(
      { victim: await victim.state(), caught, pending: await pendingSignals() },
      { victim: SLEEPING, caught: [], pending: [] },
      `${name}: a host process or umbra was reached; umbra printed:\n${umbra.stdout}`,
    );
    // timeout(1)'s TERM ends unshare, whose --kill-child then ends the namespace; 124 says it had to.
    const native = await runNative([
      "timeout",
      "--kill-after=5",
      "30",
      ...PID_NAMESPACE,
      program,
      "init",
      ...umbra.args,
    ]);
    ok(native.code !== 124, `the native reference run did not finish within 30 s:\n${native.stdout}`);
    assertSameLines(native.stdout, expected.stdout, "native output");
    equal(native.code, expected.code, `native exit code; stderr:\n${native.stderr}`);
    let umbraExpected = expected.stdout;
    for (const [nativeLine, umbraLine] of Object.entries(expected.deviations ?? {})) {
      ok(umbraExpected.split("\n").includes(nativeLine), `deviation for a line native lacks: ${nativeLine}`);
      umbraExpected = umbraExpected.split("\n").map((line) => line === nativeLine ? umbraLine : line).join("\n");
    }
    assertSameLines(umbra.stdout, umbraExpected, "umbra output");
    deepEqual({ code: umbra.code, stderr: umbra.stderr }, { code: expected.code, stderr: native.stderr });
    if (expected.killsFromShell) ok(/No such process/.test(native.stderr), native.stderr);
    else equal(native.stderr, "");
    deepEqual(await victim.state(), SLEEPING);
  } finally {
    for (const [signal, catcher] of catchers) Deno.removeSignalListener(signal, catcher);
    await victim.stop();
  }
}

const victimArgument = (victim: Victim) => Promise.resolve([String(victim.pid)]);

for (const isStatic of [false, true]) {
  const linkage = isStatic ? "static" : "dynamic";

  umbraTest(
    `(${linkage}) setsid, then group kills of the host's group and kill(-1, SIGKILL) reach no host process`,
    () =>
      attempt("escape_session", isStatic, victimArgument, {
        code: 137, // the killer's kill(-1, SIGKILL) kills the first process, its parent
        stdout: text(
          ...["first", "child"].flatMap((who) => [
            `${who}: setsid() == getpid(): 1`,
            `${who}: getsid(0) == getpid(): 1`,
            `${who}: kill(-host, SIGKILL): -1 ESRCH`,
            `${who}: kill(-host, SIGSTOP): -1 ESRCH`,
            `${who}: killpg(host, SIGKILL): -1 ESRCH`,
            `${who}: kill(host, SIGKILL): -1 ESRCH`,
            `${who}: getpgid(host): -1 ESRCH`,
            `${who}: getsid(host): -1 ESRCH`,
            `${who}: setpgid(0, host): -1 EPERM`,
            ...who === "first" ? ["first: kill(-1, SIGKILL): -1 ESRCH"] : ["child: kill(-1, 0): 0", "child: exited 0"],
          ]),
          "killer: setsid() == getpid(): 1",
          "killer: kill(-1, SIGKILL): 0",
          "killer: kill(host, SIGKILL): -1 ESRCH",
        ),
      }),
  );

  umbraTest(
    `(${linkage}) a child cannot signal, trace or read umbra's process, threads, group or session`,
    async () => {
      // Led from outside this pid namespace (as under a container's init), umbra's group or session shows as 0.
      const outside = await umbraIds();
      const groupKill = (id: number) => id > 0 ? "-1 ESRCH" : "not in this pid namespace";
      await attempt("escape_umbra", isStatic, async () => {
        const ids = await umbraIds();
        ok(ids.threads.length > 0);
        return [String(Deno.pid), ids.threads.join(","), String(ids.group), String(ids.session)];
      }, {
        code: 0,
        stdout: text(
          "kill(getppid(), SIGKILL): 0",
          "kill(getppid(), SIGTERM): 0",
          "kill(umbra, 0): -1 ESRCH",
          "kill(umbra, SIGSTOP): -1 ESRCH",
          "kill(umbra, SIGTERM): -1 ESRCH",
          "kill(umbra, SIGKILL): -1 ESRCH",
          `kill(-umbra's group, SIGKILL): ${groupKill(outside.group)}`,
          `kill(-umbra's session, SIGKILL): ${groupKill(outside.session)}`,
          "tkill(umbra, SIGKILL): -1 ESRCH",
          "tgkill(umbra, umbra, SIGKILL): -1 ESRCH",
          "tgkill(self, umbra, SIGKILL): -1 ESRCH",
          "sigqueue(umbra, SIGTERM): -1 ESRCH",
          "rt_sigqueueinfo(umbra, SIGKILL): -1 ESRCH",
          "rt_tgsigqueueinfo(umbra, umbra, SIGKILL): -1 ESRCH",
          "kill(each umbra thread, SIGKILL): ESRCH",
          "tkill(each umbra thread, SIGKILL): ESRCH",
          "tgkill(umbra, each umbra thread, SIGKILL): ESRCH",
          "rt_tgsigqueueinfo(umbra, each umbra thread, SIGKILL): ESRCH",
          "ptrace(PTRACE_SEIZE, each umbra thread): ESRCH",
          "pidfd_open(umbra): -1 ESRCH",
          "open(/proc/umbra): -1 ENOENT",
          "ptrace(PTRACE_ATTACH, umbra): -1 ESRCH",
          "ptrace(PTRACE_SEIZE, umbra): -1 ESRCH",
          "process_vm_readv(umbra): -1 ESRCH",
          "process_vm_writev(umbra): -1 ESRCH",
          "child: exited 0",
        ),
      });
    },
  );

  umbraTest(
    `(${linkage}) children made with CLONE_UNTRACED are traced and confined all the same`,
    () =>
      attempt("escape_untraced", isStatic, victimArgument, {
        code: 0,
        stdout: text(
          ...[
            "clone(CLONE_UNTRACED|SIGCHLD)",
            "1<<32|clone(CLONE_UNTRACED|SIGCHLD)",
            "clone(CLONE_UNTRACED|CLONE_VM|CLONE_VFORK|SIGCHLD)",
            "clone(thread|CLONE_UNTRACED)",
          ].map((what) => `${what}: getpid() right, getppid() right, gettid() right, kill(host, SIGKILL) ESRCH`),
          "clone(thread|CLONE_UNTRACED): parent tid right",
          "clone3(CLONE_UNTRACED): getpid() right, getppid() right, gettid() right, kill(host, SIGKILL) ESRCH",
        ),
        deviations: {
          // Documented: clone3 passes its flags in memory, where the seccomp filter cannot see them.
          "clone3(CLONE_UNTRACED): getpid() right, getppid() right, gettid() right, kill(host, SIGKILL) ESRCH":
            "clone3(CLONE_UNTRACED): -1 ENOSYS",
        },
      }),
  );

  umbraTest(
    `(${linkage}) raw syscall instructions, high bits in the number, x32 and int 0x80 are confined`,
    () =>
      attempt("escape_rawsyscall", isStatic, (victim) => Promise.resolve([String(victim.pid), String(Deno.pid)]), {
        code: 0,
        stdout: text(
          "syscall getpid() vs fork(): same",
          "syscall gettid() vs fork(): same",
          "syscall getppid() vs parent: same",
          "syscall kill(host, 0): -1 ESRCH",
          "syscall kill(host, SIGKILL): -1 ESRCH",
          "syscall kill(host, SIGSTOP): -1 ESRCH",
          "syscall kill(-host, SIGKILL): -1 ESRCH",
          "syscall tkill(host, SIGKILL): -1 ESRCH",
          "syscall tgkill(host, host, SIGKILL): -1 ESRCH",
          "syscall kill(umbra, SIGTERM): -1 ESRCH",
          "syscall kill(host | 1<<32, SIGKILL): -1 ESRCH",
          "syscall 1<<32|getpid() vs fork(): same",
          "syscall -1<<32|getpid() vs fork(): same",
          "syscall 1<<32|kill(host, SIGKILL): -1 ESRCH",
          "syscall -1<<32|kill(host, SIGKILL): -1 ESRCH",
          "syscall 1<<32|tgkill(host, host, SIGKILL): -1 ESRCH",
          "syscall 1<<32|kill(umbra, SIGTERM): -1 ESRCH",
          "syscall 1<<32|openat(/proc/host/stat): -1 ENOENT",
          "syscall x32 kill(host, SIGKILL): -1 ENOSYS",
          "int 0x80 getpid() vs fork(): same",
          "int 0x80 kill(host, SIGKILL): -1 ESRCH",
          "child: exited 0",
        ),
        deviations: {
          // Documented: the seccomp filter answers ENOSYS to the i386 ABI.
          "int 0x80 getpid() vs fork(): same": "int 0x80 getpid() vs fork(): -1 ENOSYS",
          "int 0x80 kill(host, SIGKILL): -1 ESRCH": "int 0x80 kill(host, SIGKILL): -1 ENOSYS",
        },
      }),
  );

  umbraTest(
    `(${linkage}) vfork children signal no host process, before _exit, before or by execve, or by kill(-1)`,
    () =>
      attempt("escape_vfork", isStatic, victimArgument, {
        code: 137, // the last vfork child's kill(-1, SIGKILL) kills its parent
        killsFromShell: true,
        stdout: text(
          ...["before _exit", "before execve"].flatMap((when) => [
            `vfork child ${when}: getpid() right, getppid() right`,
            `vfork child ${when}: kill(host, SIGKILL): -1 ESRCH`,
            `vfork child ${when}: tgkill(host, host, SIGKILL): -1 ESRCH`,
            `vfork child ${when}: exited 0`,
          ]),
          "vfork child execve kill -9 host: exited 1",
          "vfork child execve sh -c 'kill -9 host': exited 1",
          "vfork child: setsid() == getpid(): 1",
          "vfork child: kill(-1, SIGKILL): 0",
          "vfork child: kill(host, SIGKILL): -1 ESRCH",
        ),
      }),
  );

  umbraTest(
    `(${linkage}) TRACEME, seccomp filters, dumpable, close_range, personality and io_uring do not disable umbra`,
    async () =>
      attempt("escape_interception", isStatic, victimArgument, {
        code: 0,
        killsFromShell: true,
        stdout: text(
          "ptrace(PTRACE_TRACEME): 0",
          "ptrace(PTRACE_TRACEME) again: -1 EPERM",
          then("PTRACE_TRACEME"),
          "prctl(PR_SET_NO_NEW_PRIVS, 1): 0",
          "seccomp(SECCOMP_SET_MODE_FILTER, allow all): 0",
          "seccomp(SECCOMP_SET_MODE_FILTER, TSYNC, allow all): 0",
          "prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, allow all): 0",
          "prctl(PR_GET_SECCOMP): 2",
          then("seccomp filter allowing everything"),
          "prctl(PR_SET_DUMPABLE, 0): 0",
          "prctl(PR_GET_DUMPABLE): 0",
          then("PR_SET_DUMPABLE 0"),
          then("close_range(0, ~0U, 0)"),
          "close_range(3, ~0U, CLOSE_RANGE_UNSHARE): 0",
          then("close_range(3, ~0U, CLOSE_RANGE_UNSHARE)"),
          "personality(PER_LINUX32): 0",
          "personality(query): 8",
          then("personality(PER_LINUX32)"),
          "prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY): 0 or EINVAL",
          then("PR_SET_PTRACER"),
          await ioUringEnabled() ? IO_URING_NATIVE : IO_URING_REFUSED,
          then("io_uring"),
          "all of them, then execve kill -9 host: exited 1",
        ),
        deviations: {
          // A process umbra traces is a traced process: Linux refuses PTRACE_TRACEME with EPERM.
          "ptrace(PTRACE_TRACEME): 0": "ptrace(PTRACE_TRACEME): -1 EPERM",
          // A ring's requests run without syscalls umbra could check: io_uring_setup is refused, as where disabled.
          ...await ioUringEnabled() ? { [IO_URING_NATIVE]: IO_URING_REFUSED } : {},
        },
      }),
  );
}

/** The line escape_interception prints after a trick: ids still virtual, the host still out of reach. */
function then(what: string): string {
  return `${what}, then: getpid() right, getppid() right, kill(host, SIGKILL) ESRCH, ` +
    "tgkill(host, host, SIGKILL) ESRCH, kill(-host, SIGKILL) ESRCH";
}

/** What the io_uring attempt prints natively: in a pid namespace, the host's /proc/<pid>/mem does not exist. */
const IO_URING_NATIVE = "io_uring: setup ok, openat(/proc/host/mem, O_RDWR) -1 ENOENT";
/** What it prints under umbra, and natively where io_uring is disabled. */
const IO_URING_REFUSED = "io_uring: setup -1 EPERM";

/** Whether this machine lets processes set up an io_uring (kernel.io_uring_disabled 0, or no such setting). */
async function ioUringEnabled(): Promise<boolean> {
  try {
    return (await Deno.readTextFile("/proc/sys/kernel/io_uring_disabled")).trim() === "0";
  } catch {
    return true;
  }
}
