// /proc as a pid namespace holding only the sandbox: a program cannot open a host process's /proc files (by its
// pid, relative to /proc, through symlinks, `..`, its working directory or a bind mount of /proc) nor stat, access,
// readlink or chdir to them, and reaches its own, its child's and its threads' /proc files by their virtual ids (the
// /proc/self and /proc/thread-self links read as them), differential against Linux in a pid namespace; a
// process of another sandbox host is as unreachable as a host process.
import { deepEqual, equal } from "node:assert/strict";
import { Sandbox } from "../mod.ts";
import {
  compile,
  differential,
  markedEnv,
  nativeHost,
  runNativeWithin,
  runUmbraWithin,
  text,
  umbraTest,
} from "./_util.ts";

/** What the escape program tries, in order (each line: `<attempt>: <outcome>`). */
const ATTEMPTS = [
  "mem O_RDWR",
  "oom_score_adj O_WRONLY",
  "openat(AT_FDCWD) status",
  "unusual slashes",
  "directory O_PATH",
  "openat(/proc) status",
  "openat2(/proc) status",
  "openat(/proc) self/..",
  "/proc/self/..",
  "/proc/<self>/..",
  "/proc/self/root",
  "symlink",
  "symlink to /proc",
  "chdir /proc",
  "chdir /proc self/..",
  "stat",
  "lstat",
  "fstatat(/proc)",
  "statx",
  "access",
  "faccessat(/proc)",
  "readlink exe",
  "readlinkat(/proc) exe",
  "chdir",
  "bind mount",
];

/** Runs the escape program against a host process, natively and under umbra. */
async function escapeTest(isStatic: boolean): Promise<void> {
  const program = await compile("procfs", { static: isStatic });
  const scratch = await Deno.makeTempDir({ prefix: "umbra-procfs-" });
  const host = new Deno.Command("/bin/sleep", { args: ["30"] }).spawn();
  try {
    const adjust = `/proc/${host.pid}/oom_score_adj`;
    const before = await Deno.readTextFile(adjust);
    const argv = [program, "escape", String(host.pid), scratch];
    // Natively every attempt reaches the host process (so none fails for a reason of its own) ...
    const native = await runNativeWithin(argv);
    const nativeLines = native.stdout.trim().split("\n");
    deepEqual({ code: native.code, stderr: native.stderr }, { code: 0, stderr: "" });
    for (const [i, attempt] of ATTEMPTS.entries()) {
      const line = nativeLines[i];
      // Without root, Yama may refuse mem, and an unprivileged mount namespace may be unavailable.
      const allowed = [`${attempt}: opened`, `${attempt}: reached`, `${attempt}: -1 EACCES`, `${attempt}: unavailable`];
      equal(allowed.includes(line), true, `native: ${line}`);
    }
    equal(nativeLines[ATTEMPTS.length], "descriptors left open: 0");
    // ... and under umbra none does.
    const umbra = await runUmbraWithin(argv);
    deepEqual({ code: umbra.code, stderr: umbra.stderr }, { code: 0, stderr: "" });
    const bindMount = nativeLines[ATTEMPTS.length - 1] === "bind mount: unavailable" ? "unavailable" : "-1 ENOENT";
    deepEqual(umbra.stdout.trim().split("\n"), [
      ...ATTEMPTS.slice(0, -1).map((attempt) => `${attempt}: -1 ENOENT`),
      `bind mount: ${bindMount}`,
      "descriptors left open: 0",
      "own status: opened",
      "own status by pid: opened",
    ]);
    equal(await Deno.readTextFile(adjust), before, "the host process's oom_score_adj must not change");
    const status = await Deno.readTextFile(`/proc/${host.pid}/status`);
    equal(/^State:\s+S/m.test(status), true, "the host process must still sleep");
    equal(/^TracerPid:\s+0$/m.test(status), true, "the host process must not be traced");
  } finally {
    host.kill("SIGKILL");
    await host.status;
    await Deno.remove(scratch, { recursive: true });
  }
}

umbraTest("a host process's /proc files cannot be opened from the sandbox (dynamic)", () => escapeTest(false));
umbraTest("a host process's /proc files cannot be opened from the sandbox (static)", () => escapeTest(true));

/** The `ns` program's output natively in a pid namespace. */
const NAMESPACE_OUTPUT = text(
  "own cmdline by pid: mine",
  "own stat by pid: mine",
  "own stat pid field is getpid: 1",
  "own status Pid: is getpid: 1",
  "own status TracerPid: 0",
  "own status State: R",
  "child comm by pid: procfs-child",
  "child status Name: procfs-child",
  "child status Pid: is child: 1",
  "child status PPid: is getpid: 1",
  "child comm by openat(/proc): procfs-child",
  "child comm by openat2(/proc): procfs-child",
  "child comm relative to cwd /proc: procfs-child",
  "child stat is a directory: 1",
  "child access: 1",
  "child faccessat(/proc): 1",
  "child statx: 1",
  "no such pid stat: ENOENT",
  "child exe is own exe: 1",
  "chdir to child: 1",
  "/proc/self link is getpid: 1",
  "readlinkat(/proc, self) is getpid: 1",
  "/proc/self in 2 bytes: cut, rest untouched: 1",
  "/proc/thread-self link is pid/task/tid: 1",
  "/proc/self/ is no link: EINVAL",
  "thread comm by pid/task/tid: procfs-thread",
  "thread comm by self/task/tid: procfs-thread",
  "thread comm by tid: procfs-thread",
  "main comm by tid/task/pid: mine",
  "thread comm by child/task/tid: ENOENT",
  "no such pid: ENOENT",
  "leading zero: ENOENT",
  "zombie stat: Z",
  "zombie stat pid, ppid, exit code: 1 1 1280",
  "zombie status State: Z (zombie)",
  "zombie status Pid, PPid: 1 1",
  "zombie comm: procfs-child",
  "zombie cmdline: empty",
  "zombie directory: 1",
  "zombie exe: ENOENT",
  "zombie listed: 1",
  "reaped child stat: ENOENT",
  "parent in waitpid, stat state: S",
  "parent in waitpid, status State: S",
);

for (const isStatic of [false, true]) {
  umbraTest(
    `/proc/<virtual pid> reaches the sandbox's own process, child and thread (${isStatic ? "static" : "dynamic"})`,
    async () => {
      await differential("procfs", NAMESPACE_OUTPUT, {
        args: ["ns"],
        static: isStatic,
      });
    },
  );
}

for (const isStatic of [false, true]) {
  umbraTest(
    `listing /proc shows the sandbox's processes and threads by virtual id, nothing else (${
      isStatic ? "static" : "dynamic"
    })`,
    async () => {
      await differential(
        "procfs_list",
        text(
          "/proc: [child 0] [child 1] [other 1] [self] and many named entries",
          "/proc/self/task: [main thread] [thread] and few named entries",
          "legacy getdents of /proc/self/task: [main thread] [thread], 2 directories",
          "one record at a time: 4 numbered, many named, ended with 0",
          "buffer too small at the end: 0",
          "buffer too small: EINVAL",
          "/proc: [other 1] [self] and many named entries",
        ),
        { static: isStatic },
      );
    },
  );
}

umbraTest("pidof and pgrep find a sandboxed child by its virtual pid", async () => {
  const script = [
    "sleep 30 & child=$!",
    // The child is bash until its exec: wait for it to be sleep (pidof would miss it otherwise).
    'while [ "$(cat /proc/$child/comm)" != sleep ]; do sleep 0.01; done',
    '[ "$(pidof sleep)" = "$child" ] && echo "pidof: the child"',
    '[ "$(pgrep -x sleep)" = "$child" ] && echo "pgrep: the child"',
    'kill "$child"',
  ].join("\n");
  const native = await runNativeWithin(["bash", "-c", script], { wrap: await nativeHost() });
  const expected = text("pidof: the child", "pgrep: the child");
  deepEqual(native, { code: 0, stdout: expected, stderr: "" });
  deepEqual(await runUmbraWithin(["bash", "-c", script]), native);
});

/** The native pid of the host process named `comm` whose environment has HOLD=`mark`. */
async function nativePidOf(comm: string, mark: string): Promise<number | undefined> {
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const name = (await Deno.readTextFile(`/proc/${entry.name}/comm`)).trim();
      if (name === comm && (await Deno.readTextFile(`/proc/${entry.name}/environ`)).includes(`HOLD=${mark}\0`)) {
        return Number(entry.name);
      }
    } catch { /* gone meanwhile */ }
  }
  return undefined;
}

umbraTest("another sandbox host's process is out of reach; /proc/<pid> names the caller's host's process", async () => {
  const program = await compile("procfs");
  const data = await Deno.makeTempDir({ prefix: "umbra-procfs-" });
  try {
    await using sandbox = await Sandbox.create({ dataDirectory: data });
    const holdMark = crypto.randomUUID();
    const other = sandbox.spawn({ path: program, args: ["hold"], host: "a", env: markedEnv({ HOLD: holdMark }) });
    deepEqual((await other.started).pid, 1000);
    const folder = `${await Deno.realPath(data)}/hosts`;
    const exe = program.slice(program.lastIndexOf("/") + 1);
    // Found from outside: inside, every /proc view of it is virtual.
    let native: number | undefined;
    for (let attempt = 0; attempt < 200 && native === undefined; attempt++) {
      native = await nativePidOf("procfs-hold", holdMark);
      if (native === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    if (native === undefined) throw new Error("host a's process is nowhere in /proc");
    const escape = sandbox.spawn({
      path: program,
      args: ["escape", String(native), data],
      host: "b",
      env: markedEnv(),
    });
    deepEqual(await escape.exited, { kind: "exited", code: 0 });
    const lines = (await Deno.readTextFile(`${folder}/b/${exe}.1000.stdout`)).trim().split("\n");
    deepEqual(lines.slice(0, ATTEMPTS.length - 1), ATTEMPTS.slice(0, -1).map((attempt) => `${attempt}: -1 ENOENT`));
    // Host b's 1000 is itself, not host a's 1000 (whose name is procfs-hold).
    const ns = sandbox.spawn({ path: program, args: ["ns"], host: "b", env: markedEnv() });
    const { pid } = await ns.started;
    deepEqual(await ns.exited, { kind: "exited", code: 0 });
    equal(await Deno.readTextFile(`${folder}/b/${exe}.${pid}.stdout`), NAMESPACE_OUTPUT);
    other.kill("SIGKILL");
    deepEqual(await other.exited, { kind: "signaled", signal: "SIGKILL", number: 9, coreDumped: false });
  } finally {
    await Deno.remove(data, { recursive: true });
  }
});
