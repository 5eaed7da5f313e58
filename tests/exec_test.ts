// exec, differential against native Linux: what execve keeps and resets (dispositions, mask, pending signals, pid,
// dumpable), exec from a thread that is not the leader, the forms of exec (execveat, fexecve, AT_EMPTY_PATH, scripts,
// errors), and virtual ids after exec in an empty environment or of a static binary. Each C program's native output
// is pinned here too, so that a wrong program cannot pass by failing both ways.
import { deepEqual } from "node:assert/strict";
import {
  compile,
  differential,
  fields,
  runNativeWithin,
  runUmbraWithin,
  text,
  umbraTest,
  withoutLines,
} from "./_util.ts";

umbraTest(
  "execve resets handled signals to SIG_DFL and keeps ignored ones, the mask, pending signals and the pid",
  async () => {
    const { umbra } = await differential(
      "exec_signals",
      text(
        "before exec: USR1=handler USR2=SIG_IGN CHLD=SIG_IGN; pending HUP=1 RTMIN+2=1",
        "after exec: pid_unchanged=1 ppid_unchanged=1",
        "after exec: USR1=SIG_DFL TERM=SIG_DFL (were handled) USR2=SIG_IGN CHLD=SIG_IGN (were ignored) HUP=SIG_DFL",
        "after exec: blocked HUP=1 RTMIN+2=1 USR1=0; pending HUP=1 RTMIN+2=1",
        "after exec: sigaltstack disabled=1",
        "after exec: dequeued HUP si_code=SI_TKILL si_pid_is_self=1",
        "after exec: dequeued RTMIN+2 si_code=SI_QUEUE si_pid_is_self=1 si_value=42",
        "after exec: ignored SIGCHLD reaps children: waitpid=-1 ECHILD",
        "after exec: ignored USR2 kept SA_RESTART=0",
        "SA_NOCLDWAIT: waitpid=-1 ECHILD",
        "second exec: CHLD SIG_DFL SA_NOCLDWAIT=0",
        "second exec: waitpid returns_child=1 code=3",
      ),
    );
    deepEqual(fields(umbra.stdout, "self "), { pid: 1000, ppid: 1 });
  },
);

umbraTest(
  "execve from a thread that is not the leader keeps the pid, and the new program's only thread has tid == pid",
  async () => {
    const { umbra } = await differential(
      "exec_thread",
      text(
        "child: exec from a thread: tid_differs_from_pid=1",
        "child: after exec: pid_unchanged=1 ppid_unchanged=1 tid_is_pid=1 tid_is_not_the_old_thread's=1 threads=1",
        "child: after exec: the child from before: returns_it=1 killed_by=TERM",
        "child: after exec: fork and wait work: returns_child=1 code=5",
        "parent: waitpid returns_child=1 exited=1 code=7",
        "parent: nothing else to wait for: -1 ECHILD",
        "top: exec from a thread: tid_differs_from_pid=1",
        "top: after exec: pid_unchanged=1 ppid_unchanged=1 tid_is_pid=1 tid_is_not_the_old_thread's=1 threads=1",
        "top: after exec: the child from before: returns_it=1 killed_by=TERM",
        "top: after exec: fork and wait work: returns_child=1 code=5",
      ),
    );
    deepEqual(fields(umbra.stdout, "self child "), { pid: 1001, tid: 1001, ppid: 1000 });
    deepEqual(fields(umbra.stdout, "self top "), { pid: 1000, tid: 1000, ppid: 1 });
  },
);

umbraTest(
  "execve, execveat, fexecve, AT_EMPTY_PATH and a shebang script keep the pid, and failed execs report why",
  async () => {
    await differential(
      "exec_forms",
      text(
        "execve: exec'd: pid_unchanged=1 ppid_unchanged=1 environment_empty=0",
        "execve: waitpid returns_child=1 code=3",
        "execveat(AT_FDCWD, path): exec'd: pid_unchanged=1 ppid_unchanged=1 environment_empty=0",
        "execveat(AT_FDCWD, path): waitpid returns_child=1 code=3",
        "execveat(directory fd, name): exec'd: pid_unchanged=1 ppid_unchanged=1 environment_empty=0",
        "execveat(directory fd, name): waitpid returns_child=1 code=3",
        'execveat(fd, "", AT_EMPTY_PATH): exec\'d: pid_unchanged=1 ppid_unchanged=1 environment_empty=0',
        'execveat(fd, "", AT_EMPTY_PATH): waitpid returns_child=1 code=3',
        "fexecve(O_PATH fd): exec'd: pid_unchanged=1 ppid_unchanged=1 environment_empty=0",
        "fexecve(O_PATH fd): waitpid returns_child=1 code=3",
        "execve with an empty environment: exec'd: pid_unchanged=1 ppid_unchanged=1 environment_empty=1",
        "execve with an empty environment: waitpid returns_child=1 code=3",
        "script: exec'd: pid_unchanged=1 ppid_unchanged=1 args=2",
        "shebang script: waitpid returns_child=1 code=4",
        "execve(nonexistent): exec failed: ENOENT; pid_unchanged=1",
        "execve(nonexistent): waitpid returns_child=1 code=127",
        'execveat(fd, "") without AT_EMPTY_PATH: exec failed: ENOENT; pid_unchanged=1',
        'execveat(fd, "") without AT_EMPTY_PATH: waitpid returns_child=1 code=127',
        "execve(script without execute permission): exec failed: EACCES; pid_unchanged=1",
        "execve(script without execute permission): waitpid returns_child=1 code=127",
        "execveat(bad flags): exec failed: EINVAL; pid_unchanged=1",
        "execveat(bad flags): waitpid returns_child=1 code=127",
        "execve, then raise(SIGUSR1): exec'd: pid_unchanged=1 ppid_unchanged=1 environment_empty=0",
        "execve, then raise(SIGUSR1): waitpid returns_child=1 killed by USR1",
      ),
    );
  },
);

for (const linkage of ["dynamic", "static"] as const) {
  umbraTest(`a ${linkage} program exec'd by env -i, and by a shell, sees virtual ids`, async () => {
    const program = await compile("exec_ids", { static: linkage === "static" });
    for (
      const [argv, self] of [
        [["env", "-i", program], { pid: 1000, ppid: 1, tid: 1000 }],
        [["sh", "-c", '"$0"; exit $?', program], { pid: 1001, ppid: 1000, tid: 1001 }],
      ] as const
    ) {
      const native = await runNativeWithin([...argv]);
      deepEqual({ ...native, stdout: withoutLines(native.stdout, "self ") }, {
        code: 0,
        stdout: "ids: tid_is_pid=1\n",
        stderr: "",
      });
      const umbra = await runUmbraWithin([...argv]);
      deepEqual({ ...umbra, stdout: withoutLines(umbra.stdout, "self ") }, {
        code: 0,
        stdout: "ids: tid_is_pid=1\n",
        stderr: "",
      });
      deepEqual(fields(umbra.stdout, "self "), self, argv.join(" "));
    }
  });
}

umbraTest("PR_SET_DUMPABLE accepts 0 and 1, refuses 2 and 5, is inherited by fork and reset to 1 by exec", async () => {
  await differential(
    "exec_dumpable",
    text(
      "initially: PR_GET_DUMPABLE=1",
      "PR_SET_DUMPABLE 0: 0, now 0",
      "PR_SET_DUMPABLE 1: 0, now 1",
      "PR_SET_DUMPABLE 2: -1 EINVAL, still 1",
      "PR_SET_DUMPABLE 5: -1 EINVAL, still 1",
      "PR_SET_DUMPABLE -1: -1 EINVAL, still 1",
      "PR_SET_DUMPABLE 0: 0, now 0",
      "fork: child PR_GET_DUMPABLE=0 ppid_is_parent=1",
      "fork: waitpid returns_child=1 code=4",
      "after exec: PR_GET_DUMPABLE=1 pid_unchanged=1",
    ),
  );
});
