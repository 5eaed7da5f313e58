// The process tree, differential against native Linux: fork trees, vfork, posix_spawn, threads, reaping rules,
// orphans, parent-death signals, SIGCHLD, sessions and groups, real programs, and stress runs that must leave no
// native zombies. Each C program prints facts that hold identically natively and under umbra (relations, statuses,
// errno names); its native output is also pinned here, so that a wrong program cannot pass by failing both ways.
import { deepEqual, ok } from "node:assert/strict";
import { compile, differential, fields, markedEnv, runNative, runUmbraWithin, text, umbraTest } from "./_util.ts";

/** `output` as lines, so that a failed comparison shows a line diff rather than a truncated string. */
function lines(output: string): string[] {
  return output.split("\n");
}

for (const linkage of ["dynamic", "static"] as const) {
  umbraTest(
    `a fork tree of 3 children and 3 grandchildren sees the right parents and wait() reaps it (${linkage})`,
    async () => {
      const { umbra } = await differential(
        "fork_tree",
        text(
          "child_pids_distinct=1",
          "final_wait_errno=ECHILD",
          "reaped=3 foreign=0",
          ...[0, 1, 2].map((i) =>
            `child ${i}: index_ok=1 ppid_is_top=1 grandchild_pid_new=1 wait_returns_grandchild=1 ` +
            "grandchild_ppid_is_child=1 then_echild=1"
          ),
        ),
        { static: linkage === "static" },
      );
      deepEqual(fields(umbra.stdout, "self "), { first_child: 1001 });
    },
  );
}

umbraTest("vfork suspends the parent until the child exits or execs, and shares its memory", async () => {
  const { umbra } = await differential(
    "vfork",
    text(
      "exit: parent_sees_child_write=1 child_saw_parent=1",
      "exit: waitpid_returns_child=1 exited=1 code=7",
      "exec: parent_sees_child_write=1",
      "exec: waitpid_returns_child=1 exited=1 code=0",
      "failed exec: child_errno=ENOENT",
      "failed exec: waitpid_returns_child=1 exited=1 code=127",
    ),
  );
  deepEqual(fields(umbra.stdout, "self "), { first_child: 1001 });
});

umbraTest("posix_spawn returns the shell's exit code, and 4 pthreads share one pid with distinct tids", async () => {
  const { umbra } = await differential(
    "spawn_threads",
    text(
      "posix_spawn=ok",
      "spawn: waitpid_returns_child=1 exited=1 code=4",
      "posix_spawn_missing=ENOENT",
      "spawnp: ok=1 waitpid_returns_child=1 shell_ppid_is_self=1",
      ...[0, 1, 2, 3].map((i) => `thread ${i}: tid_differs_from_pid=1 same_pid=1 same_ppid=1 tid_distinct=1`),
    ),
  );
  deepEqual(fields(umbra.stdout, "self "), { spawned: 1001 });
});

umbraTest("ignored SIGCHLD and SA_NOCLDWAIT leave no zombies, and a subreaper adopts and reaps an orphan", async () => {
  await differential(
    "reaping",
    text(
      "SIG_IGN: waitpid(first, WNOHANG) while running=0",
      "SIG_IGN: wait()=-1 ECHILD all_gone=1",
      "SIG_IGN: waitpid(second, WNOHANG)=-1 ECHILD",
      "SA_NOCLDWAIT with a handler: waitpid(first, WNOHANG) while running=0",
      "SA_NOCLDWAIT with a handler: wait()=-1 ECHILD all_gone=1",
      "SA_NOCLDWAIT with a handler: waitpid(second, WNOHANG)=-1 ECHILD",
      "SA_NOCLDWAIT with a handler: handler_ran=1",
      "SA_NOCLDWAIT with SIG_DFL: waitpid(first, WNOHANG) while running=0",
      "SA_NOCLDWAIT with SIG_DFL: wait()=-1 ECHILD all_gone=1",
      "SA_NOCLDWAIT with SIG_DFL: waitpid(second, WNOHANG)=-1 ECHILD",
      "default: zombie_still_signalable=1",
      "default: waitpid_returns_child=1 code=6",
      "ignored late: waitpid_returns_child=1 code=8",
      "PR_SET_CHILD_SUBREAPER=ok",
      "PR_GET_CHILD_SUBREAPER=1",
      "orphan: waitpid(middle) returns_middle=1 code=3",
      "orphan: ppid_was_middle=1 ppid_became_top=1",
      "orphan: getpgid_still_ours=1",
      "orphan: wait()_returns_grandchild=1 code=4",
      "orphan: wait() afterwards=-1 ECHILD",
    ),
  );
});

umbraTest("an orphan without a subreaper is adopted by the sandbox init, pid 1", async () => {
  // Natively the new parent is the machine's init or the nearest subreaper, so only the relations are compared;
  // under umbra it is the sandbox's init.
  const { umbra } = await differential(
    "orphan",
    text(
      "waitpid(middle): returns_middle=1 code=3",
      "orphan: ppid_was_middle=1 ppid_changed=1 ppid_is_not_top=1 same_group=1 same_session=1",
      "orphan gone (EOF)=1",
      "wait() for the orphan=-1 ECHILD",
    ),
  );
  deepEqual(fields(umbra.stdout, "self "), { orphan_ppid: 1 });
});

umbraTest("PR_SET_PDEATHSIG signals a child when its parent exits, as SI_USER from the dead parent", async () => {
  await differential(
    "pdeathsig",
    text(
      "SIGUSR1: set=1 ppid_was_middle=1 received=USR1 si_code_is_SI_USER=1 si_pid_is_dead_parent=1 " +
        "reparented_to_top=1 fork_inherits=0",
      "SIGUSR1: subreaper_reaps_child=1 code=0",
      "SIGKILL: subreaper_reaps_child=1 signaled=1 WTERMSIG=KILL",
      "SIGKILL: child reported nothing=1",
      "wait() afterwards=-1 ECHILD",
    ),
  );
});

umbraTest("a SIGCHLD handler sees the child's siginfo, and three blocked SIGCHLDs coalesce into one", async () => {
  const fieldsOf = (pid: string, status: number) =>
    `si_signo_is_sigchld=1 si_code=${pid} si_pid_is_child=1 si_status=${status} si_uid_is_uid=1`;
  await differential(
    "sigchld",
    text(
      `exit 3: calls=1 ${fieldsOf("CLD_EXITED", 3)}`,
      `SIGTERM: calls=1 ${fieldsOf("CLD_KILLED", 15)}`,
      `SIGSTOP: calls=1 ${fieldsOf("CLD_STOPPED", 19)}`,
      `SIGCONT: calls=1 ${fieldsOf("CLD_CONTINUED", 18)}`,
      `SIGKILL: calls=1 ${fieldsOf("CLD_KILLED", 9)}`,
      "SA_NOCLDSTOP: pending_after_stop=0",
      `SA_NOCLDSTOP, SIGKILL: calls=1 ${fieldsOf("CLD_KILLED", 9)}`,
      "coalesced: pending=1",
      `coalesced: calls=1 ${fieldsOf("CLD_EXITED", 10)}`,
      "coalesced: reaped=3 then=ECHILD",
    ),
  );
});

umbraTest("setsid, setpgid, getpgid and getsid follow Linux's rules and errors", async () => {
  await differential(
    "session_errors",
    text(
      "child: setpgid(0, 0) to lead a group: ok",
      "child: setsid as a group leader: EPERM",
      "child: setsid returns own pid=1 getsid(0)=pid 1 getpgrp()=pid 1",
      "child: setsid again (now a session leader): EPERM",
      "child: setpgid(0, 0) as a session leader: EPERM",
      "child: setpgid(0, parent's group) from another session: EPERM",
      "parent: getsid(child)=child 1 getpgid(child)=child 1",
      "parent: setpgid(child in another session, itself): EPERM",
      "parent: setpgid(child in another session, our group): EPERM",
      "parent: setpgid(child, group of another session): EPERM",
      "parent: setpgid(child, nonexistent group): EPERM",
      "parent: setpgid(child, -1): EINVAL",
      "parent: setpgid(-1, 0): EINVAL",
      "parent: setpgid(child, child) makes a group: ok",
      "parent: getpgid(child)=child 1",
      "parent: setpgid(child, child) again: ok",
      "parent: setpgid(child, our group) moves it back: ok",
      "parent: getpgid(child)=ours 1",
      "exec: happened=1",
      "parent: setpgid(exec'd child, itself): EACCES",
      "parent: setpgid(exec'd child, our group): EACCES",
      "exec: cat exited=1 code=0",
      "setpgid(parent, parent): ESRCH",
      "setpgid(parent, 0): ESRCH",
      "setpgid(grandchild, grandchild): ESRCH",
      "getpgid(grandchild)=ours 1 getsid(grandchild)=ours 1",
      "setpgid(nonexistent, 0): ESRCH",
      "getpgid(nonexistent): ESRCH",
      "getsid(nonexistent): ESRCH",
      "getpgid(reaped child): ESRCH",
      "getsid(reaped child): ESRCH",
      "getpgid(-1): ESRCH",
      "getsid(-1): ESRCH",
      "getpgid(self)=getpgrp 1 getsid(self)=getsid(0) 1",
    ),
  );
});

umbraTest("bash waits for background jobs and reports their exit statuses like Linux", async () => {
  const script = [
    "sleep 0.1 & wait $!; echo $?",
    "(exit 3) & wait $!; echo $?",
    "sleep 5 & kill $!; wait $!; echo $?",
    "echo \"ppid_is_shell=$(( $(sh -c 'echo $PPID') == $$ ))\"",
    "wait 99999 2>/dev/null; echo $?",
  ].join("\n");
  const expected = "0\n3\n143\nppid_is_shell=1\n127\n";
  const native = await runNative(["bash", "-c", script]);
  deepEqual(native, { code: 0, stdout: expected, stderr: "" });
  const umbra = await runUmbraWithin(["bash", "-c", script]);
  deepEqual(umbra, native);
});

umbraTest("python3 subprocess, os.fork, waitpid and waitid report children like Linux", async () => {
  const script = [
    "import errno, os, signal, subprocess",
    "print('subprocess.run:', subprocess.run(['sh', '-c', 'exit 3']).returncode)",
    "pid = os.fork()",
    "if pid == 0:",
    "    os._exit(7)",
    "wpid, status = os.waitpid(pid, 0)",
    "print('fork+waitpid:', wpid == pid, os.waitstatus_to_exitcode(status))",
    "p = subprocess.Popen(['sleep', '10'])",
    "p.send_signal(signal.SIGTERM)",
    "print('Popen killed:', p.wait())",
    "r, w = os.pipe()",
    "pid = os.fork()",
    "if pid == 0:",
    "    os.close(w)",
    "    os.read(r, 1)",
    "    os._exit(5)",
    "print('WNOHANG while running:', os.waitpid(pid, os.WNOHANG))",
    "os.write(w, b'x')",
    "info = os.waitid(os.P_PID, pid, os.WEXITED)",
    "print('waitid:', info.si_pid == pid, info.si_code == os.CLD_EXITED, info.si_status)",
    "try:",
    "    os.wait()",
    "except ChildProcessError as e:",
    "    print('wait without children:', errno.errorcode[e.errno])",
    "out = subprocess.run(['sh', '-c', 'echo $PPID'], capture_output=True, text=True).stdout",
    "print('child ppid is us:', out.strip() == str(os.getpid()))",
  ].join("\n");
  const expected = text(
    "subprocess.run: 3",
    "fork+waitpid: True 7",
    "Popen killed: -15",
    "WNOHANG while running: (0, 0)",
    "waitid: True True 5",
    "wait without children: ECHILD",
    "child ppid is us: True",
  );
  const native = await runNative(["/usr/bin/python3", "-c", script]);
  deepEqual(native, { code: 0, stdout: expected, stderr: "" });
  const umbra = await runUmbraWithin(["/usr/bin/python3", "-c", script]);
  deepEqual(umbra, native);
});

// Stress. Budget: each run well under 30 s under umbra on 2 cores (10,000 sequential forks took ~6 s, 1,000 live
// children ~1 s when written).

/** What {@linkcode sampleProcesses} saw while a run was in flight. */
interface Samples {
  /** /proc scans made. */
  scans: number;
  /** The most zombies of the run seen in one scan. */
  peak: number;
  /** Zombies of the run seen across more than `LINGER_MS` (reaping never caught up with them). */
  lingering: string[];
}

const MARK = `UMBRA_TEST_MARK=${markedEnv().UMBRA_TEST_MARK}`;
const LINGER_MS = 2000;

/**
 * Scans /proc every ~25 ms until `run` settles. A zombie belongs to the run if it was seen alive with this test
 * run's mark (zombies have no readable environment) or if its parent carries the mark; a zombie seen across more
 * than `LINGER_MS` is reported, with its parent, as lingering.
 */
async function sampleProcesses<T>(run: Promise<T>): Promise<{ result: T; samples: Samples }> {
  let done = false;
  const settled = run.finally(() => done = true);
  const marked = new Set<string>(); // "pid:starttime" of marked processes
  const markedPids = new Set<number>();
  const checked = new Set<string>();
  const zombies = new Map<string, { first: number; last: number; line: string }>();
  const samples: Samples = { scans: 0, peak: 0, lingering: [] };
  while (!done) {
    const now = performance.now();
    let count = 0;
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      let stat: string;
      try {
        stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      } catch {
        continue; // gone
      }
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const [state, ppid, starttime] = [rest[0], Number(rest[1]), rest[19]];
      const key = `${entry.name}:${starttime}`;
      if (state !== "Z") {
        if (checked.has(key)) continue;
        checked.add(key);
        try {
          if (Deno.readTextFileSync(`/proc/${entry.name}/environ`).includes(MARK)) {
            marked.add(key);
            markedPids.add(Number(entry.name));
          }
        } catch { /* gone, or not readable */ }
        continue;
      }
      if (!marked.has(key) && !markedPids.has(ppid)) continue;
      count++;
      const seen = zombies.get(key);
      const line = `${stat.slice(0, stat.indexOf(")") + 3)} parent ${ppid}`;
      if (seen) seen.last = now;
      else zombies.set(key, { first: now, last: now, line });
    }
    samples.scans++;
    samples.peak = Math.max(samples.peak, count);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  samples.lingering = [...zombies.values()].filter((z) => z.last - z.first > LINGER_MS).map((z) => z.line);
  return { result: await settled, samples };
}

/** Runs the stress program natively and under umbra with /proc sampling; both must print `expected`. */
async function stress(args: string[], expected: string): Promise<void> {
  const program = await compile("stress");
  const runners = [["native", runNative], [
    "umbra",
    (argv: string[]) => runUmbraWithin(argv, { seconds: 60 }),
  ]] as const;
  for (const [where, runner] of runners) {
    const { result, samples } = await sampleProcesses(runner([program, ...args]));
    deepEqual({ where, ...result, stdout: lines(result.stdout) }, {
      where,
      code: 0,
      stdout: lines(expected),
      stderr: "",
    });
    ok(samples.scans > 0, "/proc was sampled");
    deepEqual({ where, lingering: samples.lingering }, { where, lingering: [] });
  }
}

umbraTest("stress: 10,000 sequential fork, _exit and waitpid leave no zombies or strays", async () => {
  await stress(
    ["sequential", "10000"],
    "sequential: forked=10000 reaped=10000 codes_ok=10000 fork_errors=0 then=-1 ECHILD\n",
  );
});

umbraTest("stress: 1,000 children alive at once are all released and reaped, leaving no zombies", async () => {
  await stress(
    ["live", "1000"],
    text(
      "live: forked=1000 fork_errors=0 ready=1000 none_done_yet=1 pids_distinct=1",
      "live: reaped=1000 codes_ok=1000 known=1000 then=ECHILD",
    ),
  );
});
