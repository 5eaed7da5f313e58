// The escape suite: programs that try to reach a host process or umbra itself from inside the sandbox, each built
// dynamic and static. A host victim (`sleep`, leading its own group and session, started by the test outside the
// sandbox) must still sleep afterwards; umbra (this test process: the sandbox runs in-process, so umbra's pid is
// Deno.pid) must not have been signalled; and every attempt's result must be what Linux gives in a pid namespace of its
// own, as a native reference run in one (`unshare --pid`, the program as the namespace's init) shows, or, for the
// attempts on the namespace boundary itself (pid 1, mounts, the kernel's files, the terminal), a native run in
// namespaces made as umbra makes a host's (tests/programs/native_host.c). The programs refuse to run natively outside
// such a namespace: there, as root, their group and broadcast kills, limits and priorities would reach the machine.
import { deepEqual, equal, ok } from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { Sandbox, shellExitCode, type UmbraEvent } from "../mod.ts";
import {
  assertSameLines,
  compile,
  markedEnv,
  nativeHost,
  runNative,
  runNativeWithin,
  type RunResult,
  text,
  UMBRA,
  umbraTest,
} from "./_util.ts";

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
  /**
   * Where the native reference runs: as init of a new pid namespace (`unshare`, the default), or under native_host,
   * whose pid 1 is an init like umbra's and whose mounts and user namespace are made as umbra makes a host's.
   */
  reference?: "namespace init" | "native host";
  /** What must read the same from outside before the attempt, after it ran under umbra and after it ran natively. */
  unchanged?: (victim: Victim) => Promise<unknown>;
}

/** `expected` with each line `deviations` names replaced by the line umbra prints instead; each must be there. */
function withDeviations(expected: string, deviations: Record<string, string> = {}): string {
  let lines = expected.split("\n");
  for (const [nativeLine, umbraLine] of Object.entries(deviations)) {
    ok(lines.includes(nativeLine), `deviation for a line native lacks: ${nativeLine}`);
    lines = lines.map((line) => line === nativeLine ? umbraLine : line);
  }
  return lines.join("\n");
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
    const before = await expected.unchanged?.(victim);
    const umbra = await underUmbra(program, () => args(victim));
    await new Promise((resolve) => setTimeout(resolve, 50)); // for a signal in flight
    deepEqual(
      { victim: await victim.state(), caught, pending: await pendingSignals() },
      { victim: SLEEPING, caught: [], pending: [] },
      `${name}: a host process or umbra was reached; umbra printed:\n${umbra.stdout}`,
    );
    deepEqual(await expected.unchanged?.(victim), before, `${name}: umbra's run changed a host process or file`);
    // timeout(1)'s TERM ends unshare (or native_host), whose --kill-child (PDEATHSIG) then ends the namespace; 124
    // says it had to.
    const native = expected.reference === "native host"
      ? await runNative(["timeout", "--kill-after=5", "30", ...await nativeHost(), program, ...umbra.args], {
        env: { UMBRA_ESCAPE: "native_host" },
      })
      : await runNative(["timeout", "--kill-after=5", "30", ...PID_NAMESPACE, program, "init", ...umbra.args]);
    ok(native.code !== 124, `the native reference run did not finish within 30 s:\n${native.stdout}`);
    assertSameLines(native.stdout, expected.stdout, "native output");
    equal(native.code, expected.code, `native exit code; stderr:\n${native.stderr}`);
    deepEqual(await expected.unchanged?.(victim), before, `${name}: the native run changed a host process or file`);
    assertSameLines(umbra.stdout, withDeviations(expected.stdout, expected.deviations), "umbra output");
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

/** What a child made with CLONE_UNTRACED finds: its ids, no host process, and a traced call answered (ECHILD). */
const UNTRACED_CHILD = "getpid() right, getppid() right, gettid() right, kill(host, SIGKILL) ESRCH, wait4 ECHILD";

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
          ].map((what) => `${what}: ${UNTRACED_CHILD}`),
          "clone(thread|CLONE_UNTRACED): parent tid right",
          `clone3(CLONE_UNTRACED): ${UNTRACED_CHILD}`,
        ),
        deviations: {
          // Documented: clone3 passes its flags in memory, where umbra cannot take CLONE_UNTRACED out safely.
          [`clone3(CLONE_UNTRACED): ${UNTRACED_CHILD}`]: "clone3(CLONE_UNTRACED): -1 EINVAL",
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

/**
 * What a process lets others set on it, read from outside: its nice value, scheduling policy and real-time priority
 * (/proc/<pid>/stat), CPU affinity (status), I/O priority (ionice) and resource limits.
 */
async function tunables(pid: number): Promise<Record<string, string>> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields[0] is field 3, the state
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const ionice = await new Deno.Command("ionice", { args: ["-p", String(pid)], stderr: "piped" }).output();
  ok(ionice.success, new TextDecoder().decode(ionice.stderr));
  return {
    nice: fields[19 - 3],
    rtPriority: fields[40 - 3],
    policy: fields[41 - 3],
    affinity: /^Cpus_allowed_list:\s*(\S+)$/m.exec(status)?.[1] ?? "none",
    ioPriority: new TextDecoder().decode(ionice.stdout).trim(),
    limits: await Deno.readTextFile(`/proc/${pid}/limits`),
  };
}

/** The victim's, umbra's and the machine's pid 1's tunables. */
async function hostTunables(victim: Victim): Promise<Record<string, Record<string, string>>> {
  return { victim: await tunables(victim.pid), umbra: await tunables(Deno.pid), "pid 1": await tunables(1) };
}

/**
 * perf_event_paranoid: 3 and more (a Debian patch) refuses perf_event_open to any process without CAP_SYS_ADMIN on the
 * machine (EACCES), before it looks up the pid.
 */
async function perfParanoid(): Promise<number> {
  return Number((await Deno.readTextFile("/proc/sys/kernel/perf_event_paranoid")).trim());
}

/** The pid-taking calls escape_pids makes on a host process or umbra, and what Linux answers where it is not. */
function outOfReach(target: "host" | "umbra", perfRefused: boolean): string[] {
  const calls = [
    "kill(pid, 0)",
    "getpgid",
    "getsid",
    "prlimit64(RLIMIT_NOFILE, get)",
    "prlimit64(RLIMIT_NOFILE, soft 64)",
    "getpriority(PRIO_PROCESS)",
    "setpriority(PRIO_PROCESS, 19)",
    "sched_getaffinity",
    "sched_setaffinity(CPU 0)",
    "sched_getscheduler",
    "sched_getparam",
    "sched_setscheduler(SCHED_BATCH)",
    "sched_setparam(0)",
    "ioprio_get(IOPRIO_WHO_PROCESS)",
    "ioprio_set(IOPRIO_WHO_PROCESS, idle)",
    "perf_event_open(task clock)",
    "kcmp(self, pid, KCMP_VM)",
    "kcmp(self, pid, KCMP_FILE, 0, 0)",
    "pidfd_open",
    "process_vm_readv",
    "process_vm_writev",
    "ptrace(PTRACE_SEIZE)",
    "get_robust_list",
    "migrate_pages(node 0 -> node 0)",
    "move_pages(query)",
    "capget",
  ];
  return [
    ...calls.map((call) =>
      `${target}: ${call}: -1 ${call.startsWith("perf_event_open") && perfRefused ? "EACCES" : "ESRCH"}`
    ),
    // capset takes no other process's pid at all: EPERM before any lookup.
    `${target}: capset(own sets): -1 EPERM`,
    ...procLinks(target, "ENOENT"),
  ];
}

/** escape_pids's /proc attempts on `target`, each failing with `errno`. */
function procLinks(target: string, errno: string): string[] {
  return [
    ...["mem", "environ", "fd/0"].map((file) => `${target}: open(/proc/${target}/${file}, O_RDWR): -1 ${errno}`),
    ...["cwd", "root", "exe", "ns/pid"].map((link) => `${target}: readlink(/proc/${target}/${link}): -1 ${errno}`),
    `${target}: open(/proc/self/../<pid>/mem, O_RDONLY): -1 ${errno}`,
  ];
}

/** escape_pids's setns attempts on `target`: /proc/<pid>/ns/* cannot be opened (`errno`), then through a pidfd. */
function namespaces(target: string, errno: string, pidfd: string): string[] {
  return [
    ...["mnt", "pid", "pid_for_children", "net", "user", "uts", "ipc", "cgroup", "time"].map((name) =>
      `${target}: setns(open(/proc/${target}/ns/${name})): open -1 ${errno}`
    ),
    `${target}: setns(pidfd, every namespace): ${pidfd}`,
  ];
}

/**
 * What pid 1, the sandbox's init, answers: it is a process of the sandbox's owner, so what Linux lets such a process
 * change (limits, nice value, affinity, policy, I/O priority) it changes, on init; it is not dumpable, so its memory,
 * descriptors, links and namespaces are out of reach (EPERM from the calls that check ptrace access, EACCES from
 * /proc and perf); signals from inside do not end it.
 */
const INIT = [
  "init: kill(pid, 0): 0",
  "init: getpgid: 1",
  "init: getsid: 1",
  "init: prlimit64(RLIMIT_NOFILE, get): 0",
  "init: prlimit64(RLIMIT_NOFILE, soft 64): 0",
  "init: prlimit64(RLIMIT_NOFILE, set back): 0",
  "init: getpriority(PRIO_PROCESS): a value",
  "init: setpriority(PRIO_PROCESS, 19): 0",
  "init: sched_getaffinity: 0",
  "init: sched_setaffinity(CPU 0): 0",
  "init: sched_setaffinity(set back): 0",
  "init: sched_getscheduler: a value",
  "init: sched_getparam: 0",
  "init: sched_setscheduler(SCHED_BATCH): 0",
  "init: sched_setparam(0): 0",
  "init: sched_setscheduler(set back): 0",
  "init: ioprio_get(IOPRIO_WHO_PROCESS): a value",
  "init: ioprio_set(IOPRIO_WHO_PROCESS, idle): 0",
  "init: ioprio_set(IOPRIO_WHO_PROCESS, set back): 0",
  "init: perf_event_open(task clock): -1 EACCES",
  "init: kcmp(self, pid, KCMP_VM): -1 EPERM",
  "init: kcmp(self, pid, KCMP_FILE, 0, 0): -1 EPERM",
  "init: pidfd_open: a descriptor",
  "init: process_vm_readv: -1 EPERM",
  "init: process_vm_writev: -1 EPERM",
  "init: ptrace(PTRACE_SEIZE): -1 EPERM",
  "init: get_robust_list: -1 EPERM",
  "init: migrate_pages(node 0 -> node 0): -1 EPERM",
  "init: move_pages(query): -1 EPERM",
  "init: capget: 0",
  "init: capset(own sets): -1 EPERM",
  ...procLinks("init", "EACCES"),
  "init: kill(1, SIGKILL): 0",
  "init: kill(1, SIGTERM): 0",
  "init: pidfd_send_signal(SIGKILL): 0",
  "init: pidfd_getfd(0): -1 EPERM",
  "init: still there, kill(1, 0): 0",
  "getppid(): 1",
];

/** What escape_mount finds in a procfs it can reach: the pids listed, never the host's victim or umbra. */
const listing = (who: string, pids: string) => `${who}: /proc lists ${pids}; host or umbra there: no`;

/** escape_mount's attempts to mount a procfs, each refused: /proc is not fully visible to the sandbox's root. */
function procfsMounts(who: string, fsconfig: string, fsmount: string): string[] {
  return [
    `${who}: mount(proc, scratch): -1 EPERM`,
    `${who}: fsopen(proc): a descriptor`,
    `${who}: fsconfig(FSCONFIG_CMD_CREATE): ${fsconfig}`,
    `${who}: fsmount: ${fsmount}`,
  ];
}

/** escape_mount in a child of new namespaces (pid and mount, and perhaps user) that a child of the first process made. */
function nestedMounts(who: string, pids: string): string[] {
  return [
    `${who}: unshare: 0`,
    `${who}: mount(/, MS_REC|MS_PRIVATE): 0`,
    `${who}: getpid(): 1`,
    // A context for the new pid namespace's procfs is made; mounting it anywhere is what is too revealing.
    ...procfsMounts(who, "0", "-1 EPERM"),
    `${who}: umount2(/proc, MNT_DETACH): -1 EINVAL`,
    listing(who, pids),
    `${who}: child exited 0`,
  ];
}

/** The harmless knobs escape_sysctl reads and writes back (the same value: nothing would change even if it went). */
const KNOBS = ["/proc/sys/kernel/printk_ratelimit", "/sys/kernel/rcu_expedited"];

/** The knobs' values and whether /proc/sysrq-trigger exists (CONFIG_MAGIC_SYSRQ), read from outside. */
async function knobValues(): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const knob of KNOBS) values[knob] = await Deno.readTextFile(knob);
  values["/proc/sysrq-trigger"] = await Deno.stat("/proc/sysrq-trigger").then(() => "there", () => "absent");
  return values;
}

/** escape_sysctl's write attempts: each knob read, then opened for writing (EROFS: nothing written). */
function knobWrites(who: string, sysrq: boolean): string[] {
  return [
    ...KNOBS.flatMap((knob) => [
      `${who}: read(${knob}): 0`,
      `${who}: ${knob} as first read: yes`,
      `${who}: open for writing(${knob}): -1 EROFS`,
    ]),
    `${who}: open for writing(/proc/sysrq-trigger): -1 ${sysrq ? "EROFS" : "ENOENT"}`,
  ];
}

/** escape_sysctl in a child in new namespaces: the locked read-only mounts stay, however it asks. */
function knobRemounts(who: string, sysrq: boolean): string[] {
  return [
    `${who}: unshare: 0`,
    `${who}: mount(MS_REC|MS_PRIVATE)(/): 0`,
    ...["/proc/sys", "/sys"].flatMap((path) => [
      `${who}: mount(MS_REMOUNT|MS_BIND, writable)(${path}): -1 EPERM`,
      `${who}: mount_setattr(clear MOUNT_ATTR_RDONLY)(${path}): -1 EPERM`,
      `${who}: umount2(MNT_DETACH)(${path}): -1 EINVAL`,
    ]),
    ...knobWrites(who, sysrq),
    `${who}: child exited 0`,
  ];
}

for (const isStatic of [false, true]) {
  const linkage = isStatic ? "static" : "dynamic";

  umbraTest(
    `(${linkage}) every pid-taking call misses the host's processes and umbra; pid 1 is the sandbox's own init`,
    async () => {
      const perfRefused = await perfParanoid() >= 3;
      await attempt("escape_pids", isStatic, (victim) => Promise.resolve([String(victim.pid), String(Deno.pid)]), {
        code: 0,
        reference: "native host",
        unchanged: hostTunables,
        stdout: text(
          ...outOfReach("host", perfRefused),
          ...outOfReach("umbra", perfRefused),
          ...INIT,
          ...namespaces("host", "ENOENT", "pidfd_open -1 ESRCH"),
          ...namespaces("umbra", "ENOENT", "pidfd_open -1 ESRCH"),
          // Not dumpable: /proc/1/ns/* does not open, and setns through a pidfd checks ptrace access (EPERM).
          ...namespaces("init", "EACCES", "-1 EPERM"),
        ),
      });
    },
  );

  umbraTest(
    `(${linkage}) a fresh procfs cannot be mounted, nor the sandbox's /proc unmounted; no /proc shows the host`,
    () =>
      attempt("escape_mount", isStatic, (victim) => Promise.resolve([String(victim.pid), String(Deno.pid)]), {
        code: 0,
        reference: "native host",
        stdout: text(
          listing("sandbox", "1 1000"),
          ...procfsMounts("sandbox", "-1 EPERM", "-1 EINVAL"),
          ...nestedMounts("new pid namespace", "1 1000 1001 1002"),
          ...nestedMounts("new user namespace", "1 1000 1003 1004"),
          listing("sandbox", "1 1000"),
        ),
      }),
  );

  umbraTest(
    `(${linkage}) /proc/sys, /proc/sysrq-trigger and /sys stay read-only: no write, remount or unmount`,
    async () => {
      const sysrq = (await knobValues())["/proc/sysrq-trigger"] === "there";
      await attempt("escape_sysctl", isStatic, () => Promise.resolve([]), {
        code: 0,
        reference: "native host",
        unchanged: knobValues,
        stdout: text(
          ...KNOBS.map((knob) => `sandbox: read(${knob}): 0`),
          ...knobWrites("sandbox", sysrq),
          ...knobRemounts("new mount namespace", sysrq),
          ...knobRemounts("new user namespace", sysrq),
          ...knobWrites("sandbox", sysrq),
        ),
      });
    },
  );

  for (const terminal of ["ctty", "free"] as const) {
    umbraTest(
      `(${linkage}) a terminal ${
        terminal === "ctty" ? "a session outside controls" : "no session controls"
      } takes no keystrokes, paste or hang-up`,
      () => terminalAttempt(terminal, isStatic),
    );
  }
}

/** Whether TIOCSTI is allowed at all without CAP_SYS_ADMIN (dev.tty.legacy_tiocsti; before Linux 6.2 it always was). */
async function legacyTiocsti(): Promise<boolean> {
  try {
    return (await Deno.readTextFile("/proc/sys/dev/tty/legacy_tiocsti")).trim() === "1";
  } catch {
    return true;
  }
}

/**
 * escape_terminal on a new pseudo-terminal (tests/programs/in_pty.c), natively under native_host and under `umbra
 * exec`: `ctty`, the terminal is its session's controlling terminal, as a user's shell's is (and umbra's); `free`, it
 * is no session's, so that the program takes it with setsid and TIOCSCTTY. Nothing may reach the terminal from umbra.
 */
async function terminalAttempt(terminal: "ctty" | "free", isStatic: boolean): Promise<void> {
  const [inPty, program] = [await compile("in_pty"), await compile("escape_terminal", { static: isStatic })];
  const legacy = await legacyTiocsti();
  const owned = terminal === "free";
  // Natively: without legacy TIOCSTI, EIO for anyone without CAP_SYS_ADMIN on the machine; with it, EPERM but on the
  // caller's own controlling terminal, where the keys go in.
  const tiocsti = (own: boolean) => !legacy ? "-1 EIO" : own ? "0" : "-1 EPERM";
  const attempts = (when: string, own: boolean): [string, string][] => [
    [`${when}: ioctl(0, TIOCSTI)`, tiocsti(own)],
    [`${when}: ioctl(0, 1<<32|TIOCSTI)`, tiocsti(own)],
    [`${when}: syscall(1<<32|SYS_ioctl, 0, TIOCSTI)`, tiocsti(own)],
    [`${when}: ioctl(0, TIOCLINUX, TIOCL_PASTESEL)`, "-1 ENOTTY"], // not a virtual console
    [`${when}: vhangup()`, "-1 EPERM"], // CAP_SYS_TTY_CONFIG on the machine, which the sandbox's root lacks
  ];
  const calls: [string, string][] = [
    ["isatty(0)", "1"],
    ...attempts("as inherited", false),
    ["setsid() == getpid()", "1"],
    // A terminal that controls another session is not taken without CAP_SYS_ADMIN on the machine.
    ["ioctl(0, TIOCSCTTY, 0)", owned ? "0" : "-1 EPERM"],
    ...attempts("after TIOCSCTTY", owned),
  ];
  const untouched = "pty: nothing injected";
  const injected = legacy && owned ? "pty: 15 bytes injected: echo escaped|||" : untouched;
  const expected = text(...calls.map(([call, answer]) => `${call}: ${answer}`), injected);
  // Documented: umbra's seccomp filter refuses TIOCSTI and TIOCLINUX (EPERM) on every descriptor, whatever the
  // terminal and the caller's capabilities (src/syscalls/table.ts): so the program's own controlling terminal takes no
  // keys either, and TIOCLINUX is EPERM where Linux finds no virtual console.
  const deviations = Object.fromEntries(
    calls.filter(([call, answer]) => /TIOCSTI|TIOCLINUX/.test(call) && answer !== "-1 EPERM")
      .map(([call, answer]) => [`${call}: ${answer}`, `${call}: -1 EPERM`]),
  );
  if (injected !== untouched) deviations[injected] = untouched;
  if (!owned) {
    // Documented: on a terminal umbra is the foreground job of, the program gets a pty of its own whose session it
    // leads (src/terminal.ts, as under ssh -t or script): it is a session leader already, and that pty is its
    // controlling terminal. The outer terminal is out of its reach altogether.
    deviations["setsid() == getpid(): 1"] = "setsid() == getpid(): -1 EPERM";
    deviations["ioctl(0, TIOCSCTTY, 0): -1 EPERM"] = "ioctl(0, TIOCSCTTY, 0): 0";
  }
  const native = await runNativeWithin([inPty, terminal, ...await nativeHost(), program], {
    env: { UMBRA_ESCAPE: "native_host" },
  });
  deepEqual(native, { code: 0, stdout: expected, stderr: "" }, "native run");
  const umbra = await runNativeWithin([inPty, terminal, UMBRA, "exec", "--", program], {
    env: { UMBRA_ESCAPE: "sandboxed" },
  });
  assertSameLines(umbra.stdout, withDeviations(expected, deviations), "umbra output");
  deepEqual({ code: umbra.code, stderr: umbra.stderr }, { code: 0, stderr: "" });
}
