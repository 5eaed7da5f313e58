// Each host of a sandbox is a pid namespace (with mount, UTS, IPC and user namespaces) whose pid 1
// is umbra's init: the programs see their ids natively, have terminals of their own, run as a
// normal user in a user namespace of that user, and when the kernel refuses the namespaces umbra
// says so in one line.
import { deepEqual, equal, match } from "node:assert/strict";
import { join } from "node:path";
import { compile, differential, nativeHost, ROOT, runNativeWithin, text, UMBRA, umbraTest } from "./_util.ts";

const DENO = join(ROOT, ".tools/deno/node_modules/deno/deno");

for (const isStatic of [false, true]) {
  umbraTest(
    `forkpty's child leads a session with its pseudo-terminal as controlling terminal, as natively (${
      isStatic ? "static" : "dynamic"
    })`,
    async () => {
      await differential(
        "terminal",
        text(
          "child: leads its session=1, foreground group=1, /dev/tty opens=1, on /dev/pts=1, TIOCSCTTY again=1\r",
          "parent: child exited=1 code=0",
        ),
        { static: isStatic },
      );
    },
  );
}

for (const isStatic of [false, true]) {
  umbraTest(
    `capget, capset, getpriority, setpriority, sched_*, prlimit and ioprio on the caller's and a child's pid answer as natively (${
      isStatic ? "static" : "dynamic"
    })`,
    async () => {
      // Capabilities differ by machine and user: every line is compared with native, none with a fixed text.
      const { native } = await differential("pid_calls", "", { static: isStatic, unpinned: [""], compareAll: true });
      // Every call reached its process: no ESRCH, and what was set reads back.
      equal(/ESRCH/.test(native.stdout), false, native.stdout);
      for (const who of ["0", "getpid()", "child"]) {
        match(native.stdout, new RegExp(`^${who.replace(/[()]/g, "\\$&")}: getpriority again 5$`, "m"));
        match(native.stdout, new RegExp(`^${who.replace(/[()]/g, "\\$&")}: prlimit soft now 64$`, "m"));
      }
      match(native.stdout, /^child: capset EPERM$/m); // another process's: EPERM since Linux 2.6.24
    },
  );
}

/** What the kernel answers when it refuses namespaces: tests/programs/no_namespaces.c runs a command so. */
const REFUSED =
  /^umbra: cannot make the sandbox's namespaces \(\w+\): Operation not permitted: umbra needs pid, mount and user namespaces \(.*\)$/;

umbraTest("where the kernel refuses namespaces, umbra exec and umbra run say so in one line and exit 2", async () => {
  const refuse = await compile("no_namespaces");
  const exec = await runNativeWithin([refuse, UMBRA, "exec", "--", "/bin/echo", "ran"]);
  deepEqual({ code: exec.code, stdout: exec.stdout, lines: exec.stderr.trim().split("\n").length }, {
    code: 2,
    stdout: "",
    lines: 1,
  });
  match(exec.stderr.trim(), REFUSED);
  const directory = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      join(directory, "run.yaml"),
      "general:\n  stop_time: 1 s\nhosts:\n  h:\n    processes:\n      - path: /bin/echo\n        args: ran\n",
    );
    const run = await runNativeWithin([
      refuse,
      UMBRA,
      "run",
      join(directory, "run.yaml"),
      "-d",
      join(directory, "out"),
    ]);
    equal(run.code, 2, run.stderr);
    match(run.stderr.trim(), REFUSED);
    equal(run.stderr.trim().split("\n").length, 1, run.stderr);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

/** The unprivileged user the non-root tests run as. */
const NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];

/** A shell probe of a process's identity: ids, user namespace, capabilities, the /proc it sees. */
const PROBE = [
  "echo pid=$$ ppid=$PPID uid=$(id -u) gid=$(id -g)",
  "cat /proc/self/uid_map /proc/self/gid_map",
  "grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status",
  // One process lists /proc (a pipeline's members would race each other into the listing).
  'echo "/proc: $(cd /proc && echo [0-9]*)"',
].join("; ");

/**
 * A copy of what a library user needs (src/, Deno) where the unprivileged user can read it (the
 * checkout may sit in a directory only root may enter), with the user's own caches.
 */
async function stageForNobody(): Promise<{ directory: string; env: string[] }> {
  const directory = await Deno.makeTempDir({ prefix: "umbra-nobody-" });
  await Deno.chmod(directory, 0o755);
  const copy = new Deno.Command("cp", { args: ["-r", join(ROOT, "src"), join(ROOT, "deno.json"), DENO, directory] });
  equal((await copy.output()).code, 0);
  await Deno.writeTextFile(
    join(directory, "script.ts"),
    [
      'import { Sandbox } from "./src/sandbox.ts";',
      "await using sandbox = await Sandbox.create();",
      'const process = sandbox.spawn({ path: "/bin/sh", args: ["-c", Deno.args[0]], env: { PATH: "/usr/bin:/bin" } });',
      "const status = await process.exited;",
      'Deno.exitCode = status.kind === "exited" ? status.code : 1;',
    ].join("\n"),
  );
  const home = join(directory, "home");
  await Deno.mkdir(home);
  await Deno.chown(home, 65534, 65534);
  return {
    directory,
    env: ["env", "-i", "PATH=/usr/bin:/bin", `HOME=${home}`, `DENO_DIR=${home}/deno`, `UMBRA_CACHE_DIR=${home}/umbra`],
  };
}

umbraTest(
  "as a normal user, a host is a user namespace mapping only that user: same ids, no capabilities, as natively",
  async () => {
    const { directory, env } = await stageForNobody();
    try {
      const native = await runNativeWithin([...NOBODY, ...await nativeHost(), "/bin/sh", "-c", PROBE]);
      equal(native.code, 0, native.stderr);
      match(native.stdout, /^pid=1000 ppid=1 uid=65534 gid=65534\n\s+65534\s+65534\s+1\n/);
      match(native.stdout, /\nCapEff:\t0000000000000000\n/);
      match(native.stdout, /\n\/proc: 1 1000 \d+\n$/);
      const umbra = await runNativeWithin([
        ...NOBODY,
        ...env,
        join(directory, "deno"),
        "run",
        "--allow-all",
        "--no-prompt",
        join(directory, "script.ts"),
        PROBE,
      ], { seconds: 60 });
      deepEqual(umbra, native);
    } finally {
      await Deno.remove(directory, { recursive: true });
    }
  },
);
