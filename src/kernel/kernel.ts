/**
 * The emulated process world: hosts (each its own pid namespace), their process tables, and
 * every process state transition (create, fork, thread creation, exec, exit, re-parenting,
 * reaping). No FFI here: the policy feeds native facts in and carries the consequences out.
 * @module
 */

import { basename } from "node:path";
import { addUsage, emptyUsage, microsToTicks, type ResourceUsage } from "../abi/rusage.ts";
import { childSiginfo, SiCode, timerSiginfo, userSiginfo } from "../abi/siginfo.ts";
import { VirtualClock } from "./clock.ts";
import { Signal } from "../abi/signals.ts";
import { childReport, type ExitStatus } from "./exit_status.ts";
import { INIT_PID, type PosixTimer, Process, type ProcessId, type RealTimer } from "./process.ts";
import { SaFlag, SIG_DFL, SIG_IGN, SignalActions } from "./signal_actions.ts";
import { Thread, type ThreadId } from "./thread.ts";

/** The first pid of every host, as in Shadow. */
export const FIRST_PID = 1000;

/** One host's pid namespace. */
export interface Host {
  readonly name: string;
  /** Next id to hand out to a thread or process; ids are never reused within a run. */
  nextId: number;
  readonly processes: Map<ProcessId, Process>;
}

/** What the kernel asks of its observer (the policy) as transitions happen. */
export interface KernelObserver {
  /** A process ended (it is a zombie now, or already reaped). */
  exited(process: Process, status: ExitStatus): void;
  /** The children of `parent` changed (one died, was reaped or was re-parented to it). */
  childrenChanged(parent: Process): void;
  /**
   * Send `signal` with exactly `siginfo` to `process` (SIGCHLD, PR_SET_PDEATHSIG, timers), or to
   * its thread with virtual tid `thread`.
   */
  sendSignal(process: Process, signal: number, siginfo: Uint8Array, thread?: number): void;
}

const CLONE_SIGHAND = 0x00000800n;
const CLONE_PARENT = 0x00008000n;
const CLONE_THREAD = 0x00010000n;
const CSIGNAL = 0xffn;

/** The process tables and their transitions. */
export class Kernel {
  readonly #hosts = new Map<string, Host>();
  readonly #threadsByNative = new Map<number, Thread>();
  /**
   * Every process by its native pid, kept after it is reaped (until a new one reuses the pid):
   * a signal's sender may be gone by the time its siginfo is read.
   */
  readonly #byNativePid = new Map<number, Process>();

  constructor(
    private readonly observer: KernelObserver,
    /** The uid processes run as (reported in SIGCHLD siginfo). */
    readonly uid: number,
    /** The sandbox's simulated clock. */
    readonly clock: VirtualClock = new VirtualClock(),
  ) {}

  /** The host named `name`, created on first use. */
  host(name: string): Host {
    let host = this.#hosts.get(name);
    if (!host) {
      host = { name, nextId: FIRST_PID, processes: new Map() };
      this.#hosts.set(name, host);
    }
    return host;
  }

  /** Every live or zombie process of every host. */
  *processes(): Iterable<Process> {
    for (const host of this.#hosts.values()) yield* host.processes.values();
  }

  /** The process `pid` of `host`, live or zombie. */
  process(host: string, pid: ProcessId): Process | undefined {
    return this.#hosts.get(host)?.processes.get(pid);
  }

  /** The children of `parent` (live and zombie). */
  children(parent: Process): Process[] {
    return [...this.host(parent.common.host).processes.values()].filter((p) => p.common.parent === parent.id);
  }

  /** The live thread of `host` whose (virtual) tid is `tid`. */
  threadById(host: string, tid: ThreadId): Thread | undefined {
    for (const process of this.host(host).processes.values()) {
      const thread = process.threads.get(tid);
      if (thread) return thread;
    }
    return undefined;
  }

  /** The live thread whose native tid is `nativeTid`. */
  thread(nativeTid: number): Thread | undefined {
    return this.#threadsByNative.get(nativeTid);
  }

  /**
   * Count of live (not zombie) processes, counting the children of forks under way (a fork's
   * child exists natively only once its clone ran), so that concurrent forks cannot overshoot a
   * limit.
   */
  get liveProcessCount(): number {
    let count = 0;
    for (const process of this.processes()) {
      if (process.state.kind !== "runnable") continue;
      count++;
      for (const thread of process.threads.values()) {
        if (thread.creation && (thread.creation.flags & CLONE_THREAD) === 0n) count++;
      }
    }
    return count;
  }

  /** Takes the next id of `host` for a process or thread about to be created. */
  reserveId(hostName: string): number {
    return this.host(hostName).nextId++;
  }

  /**
   * Gives back `id` from reserveId for a creation the kernel refused: Linux checks clone's flags
   * before it allocates a pid, so the next child gets it (unless another was reserved since).
   */
  releaseId(hostName: string, id: number): void {
    const host = this.host(hostName);
    if (host.nextId === id + 1) host.nextId = id;
  }

  /** A top-level process umbra started with id `id` (from reserveId): parent, group and session are init's. */
  createProcess(hostName: string, id: number, executable: string, nativePid: number): Process {
    const host = this.host(hostName);
    const process = new Process({
      id,
      host: host.name,
      parent: INIT_PID,
      parentThread: INIT_PID,
      group: INIT_PID,
      session: INIT_PID,
      exitSignal: Signal.SIGCHLD,
      name: `${host.name}.${basename(executable)}.${id}`,
      nativePid,
      executable,
      hasExeced: false,
      comm: null,
      logRoot: id,
      childSubreaper: false,
      dumpable: 1,
      childrenUsage: emptyUsage(),
      pidfds: new Map(),
      signalfds: new Map(),
      fileOwners: new Map(),
      realTimer: null,
      posixTimers: new Map(),
      timerfds: new Map(),
    }, { kind: "runnable", threads: new Map(), signalActions: new SignalActions(), stopSignal: null, jobReport: null });
    this.#addThread(process, id, nativePid);
    host.processes.set(id, process);
    return process;
  }

  /**
   * A process created by fork, vfork or clone without CLONE_THREAD; `flags` are the clone flags
   * the program asked for. Group and session are inherited; the parent is the caller, or the
   * caller's parent under CLONE_PARENT; dispositions are copied, or shared under CLONE_SIGHAND.
   * `id` comes from reserveId at the creating syscall's entry.
   */
  forkProcess(creator: Thread, nativePid: number, flags: bigint, id: number): Process {
    const parent = creator.process;
    if (parent.state.kind !== "runnable") throw new Error(`fork in zombie ${parent.id}`);
    const host = this.host(parent.common.host);
    const exitSignal = Number(flags & CSIGNAL);
    const siblingOfCaller = (flags & CLONE_PARENT) !== 0n;
    const process = new Process({
      id,
      host: host.name,
      parent: siblingOfCaller ? parent.common.parent : parent.id,
      parentThread: siblingOfCaller ? parent.common.parentThread : creator.id,
      group: parent.common.group,
      session: parent.common.session,
      exitSignal: exitSignal === 0 ? null : exitSignal,
      name: `${host.name}.${basename(parent.common.executable)}.${id}`,
      nativePid,
      executable: parent.common.executable,
      hasExeced: false,
      comm: null,
      logRoot: parent.common.logRoot,
      childSubreaper: false,
      dumpable: parent.common.dumpable,
      childrenUsage: emptyUsage(),
      pidfds: new Map(parent.common.pidfds),
      signalfds: new Map(parent.common.signalfds),
      fileOwners: new Map(parent.common.fileOwners),
      realTimer: null,
      posixTimers: new Map(),
      timerfds: new Map(parent.common.timerfds),
    }, {
      kind: "runnable",
      threads: new Map(),
      signalActions: (flags & CLONE_SIGHAND) !== 0n ? parent.state.signalActions : parent.state.signalActions.copy(),
      stopSignal: null,
      jobReport: null,
    });
    this.#addThread(process, id, nativePid);
    host.processes.set(id, process);
    return process;
  }

  /** A thread created by clone with CLONE_THREAD in `creator`'s process, with tid `id` (reserveId). */
  createThread(creator: Thread, nativeTid: number, id: number): Thread {
    return this.#addThread(creator.process, id, nativeTid);
  }

  #addThread(process: Process, id: number, nativeTid: number): Thread {
    if (process.state.kind !== "runnable") throw new Error(`thread added to zombie ${process.id}`);
    if (this.#threadsByNative.has(nativeTid)) throw new Error(`native tid ${nativeTid} already known`);
    if (nativeTid === process.common.nativePid) this.#byNativePid.set(nativeTid, process);
    const thread = new Thread(id, nativeTid, process);
    process.state.threads.set(id, thread);
    this.#threadsByNative.set(nativeTid, thread);
    return thread;
  }

  /**
   * A successful execve by the thread now at `nativeTid` (formerly `formerNativeTid`): every other
   * thread is gone, the exec'ing thread takes the process id as its tid, handled signals reset.
   */
  exec(nativeTid: number, formerNativeTid: number, executable: string): Process | undefined {
    const thread = this.#threadsByNative.get(formerNativeTid);
    if (!thread) return undefined;
    const process = thread.process;
    if (process.state.kind !== "runnable") return undefined;
    for (const other of process.state.threads.values()) {
      if (other === thread) continue;
      this.#threadsByNative.delete(other.nativeTid);
      if (!other.exiting) this.#forgetParentThread(other, thread);
    }
    this.#threadsByNative.delete(formerNativeTid);
    thread.id = process.id;
    thread.nativeTid = nativeTid;
    thread.exitHook = null;
    thread.creation = null;
    process.state = {
      ...process.state,
      threads: new Map([[process.id, thread]]),
      signalActions: process.state.signalActions.resetForExec(),
    };
    this.#threadsByNative.set(nativeTid, thread);
    process.common.executable = executable;
    process.common.pidfds.clear(); // pidfd_open sets close-on-exec
    for (const [fd, closeOnExec] of process.common.signalfds) if (closeOnExec) process.common.signalfds.delete(fd);
    process.common.dumpable = 1;
    this.#deletePosixTimers(process);
    for (const [fd, timer] of process.common.timerfds) if (timer.closeOnExec) process.common.timerfds.delete(fd);
    process.common.exitSignal = Signal.SIGCHLD;
    process.common.hasExeced = true;
    return process;
  }

  /**
   * A thread is exiting (PTRACE_EVENT_EXIT): as the kernel's exit_notify does, its children's
   * PR_SET_PDEATHSIG fires and they pass to another live thread of the process, or a reaper.
   */
  threadExiting(nativeTid: number): void {
    const thread = this.#threadsByNative.get(nativeTid);
    if (!thread || thread.exiting) return;
    thread.exiting = true;
    let heir: Thread | undefined;
    for (const other of thread.process.threads.values()) if (!other.exiting) heir ??= other;
    this.#forgetParentThread(thread, heir);
  }

  /**
   * A native thread is gone (reaped). When it was the leader, the whole process ended: the
   * remaining children pass to a reaper and it becomes a zombie. Returns that process, if any.
   */
  threadGone(nativeTid: number, status: ExitStatus, usage: ResourceUsage): Process | undefined {
    const thread = this.#threadsByNative.get(nativeTid);
    if (!thread) return undefined;
    this.threadExiting(nativeTid); // a SIGKILLed thread exits without the exit stop
    this.#threadsByNative.delete(nativeTid);
    const process = thread.process;
    process.threads.delete(thread.id);
    if (nativeTid !== process.common.nativePid) return undefined;
    for (const other of process.threads.values()) this.#threadsByNative.delete(other.nativeTid);
    const reaper = this.#reaperFor(process);
    for (const child of this.children(process)) this.#reparent(child, reaper);
    this.#becomeZombie(process, status, usage);
    return process;
  }

  /**
   * `thread` is exiting: its children's PR_SET_PDEATHSIG fires, and they pass to `heir` (another
   * thread of the same process) or, without one, to the nearest subreaper or init.
   */
  #forgetParentThread(thread: Thread, heir: Thread | undefined): void {
    const parent = thread.process;
    for (const child of this.children(parent)) {
      if (child.common.parentThread !== thread.id) continue;
      for (const childThread of child.threads.values()) {
        if (childThread.deathSignal === 0) continue;
        this.observer.sendSignal(
          child,
          childThread.deathSignal,
          userSiginfo(childThread.deathSignal, SiCode.SI_USER, parent.id, this.uid),
        );
      }
      if (heir) child.common.parentThread = heir.id;
      else this.#reparent(child, this.#reaperFor(parent));
    }
  }

  /** The nearest live subreaper among `process`'s ancestors, or undefined for init. */
  #reaperFor(process: Process): Process | undefined {
    const seen = new Set<ProcessId>();
    let pid = process.common.parent;
    while (pid !== INIT_PID && !seen.has(pid)) {
      seen.add(pid);
      const ancestor = this.process(process.common.host, pid);
      if (!ancestor) return undefined;
      if (ancestor.common.childSubreaper && ancestor.state.kind === "runnable") return ancestor;
      pid = ancestor.common.parent;
    }
    return undefined;
  }

  /** Gives `child` a new parent (init when `reaper` is undefined); a zombie notifies it at once. */
  #reparent(child: Process, reaper: Process | undefined): void {
    child.common.parent = reaper?.id ?? INIT_PID;
    child.common.parentThread = reaper?.id ?? INIT_PID;
    child.common.exitSignal = Signal.SIGCHLD;
    if (child.state.kind === "zombie") this.#notifyParent(child);
    else if (reaper) this.observer.childrenChanged(reaper);
  }

  /**
   * Job control: the process stopped on `signal` (its first thread entered the group stop).
   * The parent hears CLD_STOPPED and WUNTRACED waits can report it. Returns false if it already was.
   */
  stopped(process: Process, signal: number): boolean {
    if (process.state.kind !== "runnable" || process.state.stopSignal !== null) return false;
    process.state.stopSignal = signal;
    process.state.jobReport = { kind: "stopped", signal };
    this.#notifyParentOfJob(process, SiCode.CLD_STOPPED, signal);
    return true;
  }

  /** Job control: SIGCONT resumed a stopped process. Returns false if it was not stopped. */
  continued(process: Process): boolean {
    if (process.state.kind !== "runnable" || process.state.stopSignal === null) return false;
    process.state.stopSignal = null;
    process.state.jobReport = { kind: "continued" };
    this.#notifyParentOfJob(process, SiCode.CLD_CONTINUED, Signal.SIGCONT);
    return true;
  }

  /**
   * do_notify_parent_cldstop: waits look again (first, as in #notifyParent), then SIGCHLD unless
   * the parent ignores it or set SA_NOCLDSTOP.
   */
  #notifyParentOfJob(child: Process, code: number, status: number): void {
    const parent = this.process(child.common.host, child.common.parent);
    if (!parent || parent.state.kind !== "runnable") return;
    this.observer.childrenChanged(parent);
    const action = parent.state.signalActions.get(Signal.SIGCHLD);
    if (action.handler !== SIG_IGN && (action.flags & SaFlag.SA_NOCLDSTOP) === 0n) {
      const siginfo = childSiginfo(Signal.SIGCHLD, {
        code,
        pid: child.id,
        uid: this.uid,
        status,
        utimeTicks: 0,
        stimeTicks: 0,
      });
      this.observer.sendSignal(parent, Signal.SIGCHLD, siginfo);
    }
  }

  /**
   * Arms ITIMER_REAL of `process` to expire after `value` ns, then every `interval` ns (value 0
   * disarms). Each expiry sends SIGALRM with si_code SI_TIMER and the expiration count.
   */
  setRealTimer(process: Process, value: bigint, interval: bigint): void {
    process.common.realTimer?.cancel();
    process.common.realTimer = null;
    if (value <= 0n) return;
    const timer: RealTimer = { deadline: this.clock.now + value, interval, expirations: 0, cancel: () => {} };
    const arm = () => {
      timer.cancel = this.clock.schedule(timer.deadline, () => {
        timer.expirations++;
        this.observer.sendSignal(process, Signal.SIGALRM, timerSiginfo(Signal.SIGALRM, 0, timer.expirations));
        if (timer.interval > 0n) {
          timer.deadline += timer.interval;
          arm();
        } else if (process.common.realTimer === timer) {
          process.common.realTimer = null;
        }
      });
    };
    arm();
    process.common.realTimer = timer;
  }

  #deletePosixTimers(process: Process): void {
    for (const timer of process.common.posixTimers.values()) timer.cancel();
    process.common.posixTimers.clear();
  }

  /**
   * Arms POSIX timer `timer` of `process` to expire at virtual time `deadline` (null disarms),
   * then every `interval` ns. Each expiry sends its signal (SIGEV_SIGNAL, SIGEV_THREAD_ID).
   */
  armPosixTimer(process: Process, timer: PosixTimer, deadline: bigint | null, interval: bigint): void {
    timer.cancel();
    timer.cancel = () => {};
    timer.deadline = deadline;
    timer.interval = interval;
    if (deadline === null) return;
    const arm = (at: bigint) => {
      timer.cancel = this.clock.schedule(at, () => {
        if (timer.notify === "signal") {
          // Every expiry sends; overruns are not counted (timer_getoverrun answers 0).
          const siginfo = timerSiginfo(timer.signal, timer.id, 0, timer.value);
          this.observer.sendSignal(process, timer.signal, siginfo, timer.thread ?? undefined);
        }
        if (timer.interval > 0n) {
          timer.deadline = at + timer.interval;
          arm(timer.deadline);
        } else timer.deadline = null;
      });
    };
    arm(deadline);
  }

  /**
   * `signal` is being delivered to `process`: a one-shot (SA_RESETHAND) handler goes back to
   * SIG_DFL, as the kernel does on delivery.
   */
  delivering(process: Process, signal: number): void {
    if (process.state.kind !== "runnable") return;
    const action = process.state.signalActions.get(signal);
    if (action.handler > SIG_IGN && (action.flags & SaFlag.SA_RESETHAND) !== 0n) {
      process.state.signalActions.set(signal, { ...action, handler: SIG_DFL });
    }
  }

  /** Runnable -> Zombie: the one place a process dies. */
  #becomeZombie(process: Process, exitStatus: ExitStatus, ownUsage: ResourceUsage): void {
    if (process.state.kind !== "runnable") throw new Error(`process ${process.id} died twice`);
    this.setRealTimer(process, 0n, 0n);
    this.#deletePosixTimers(process);
    const usage = addUsage(ownUsage, process.common.childrenUsage);
    process.state = { kind: "zombie", exitStatus, usage, ownUsage };
    this.observer.exited(process, exitStatus);
    this.#notifyParent(process);
  }

  /**
   * A zombie tells its parent (wait(2) NOTES, kernel do_notify_parent): init reaps at once; a
   * parent ignoring SIGCHLD or with SA_NOCLDWAIT leaves no zombie; otherwise the exit signal goes
   * out (unless ignored) and the parent's waits look again.
   */
  #notifyParent(child: Process): void {
    if (child.state.kind !== "zombie") throw new Error(`notifying for live process ${child.id}`);
    const parent = child.common.parent === INIT_PID ? undefined : this.process(child.common.host, child.common.parent);
    if (!parent || parent.state.kind !== "runnable") {
      this.reap(child, undefined);
      return;
    }
    let signal = child.common.exitSignal ?? 0;
    let autoreap = false;
    if (signal === Signal.SIGCHLD) {
      const action = parent.state.signalActions.get(Signal.SIGCHLD);
      autoreap = action.handler === SIG_IGN || (action.flags & SaFlag.SA_NOCLDWAIT) !== 0n;
      if (action.handler === SIG_IGN) signal = 0;
    }
    const siginfo = signal !== 0 ? this.exitSiginfo(child, signal) : undefined;
    if (autoreap) this.reap(child, undefined);
    // Waits look before the signal can interrupt them: the kernel's wait finds the zombie (or no
    // child) first, so a wait the exit ends returns, never EINTR.
    this.observer.childrenChanged(parent);
    if (siginfo) this.observer.sendSignal(parent, signal, siginfo);
  }

  /** The siginfo a zombie's exit signal carries (CLD_EXITED / CLD_KILLED / CLD_DUMPED). */
  exitSiginfo(child: Process, signal: number): Uint8Array<ArrayBuffer> {
    if (child.state.kind !== "zombie") throw new Error(`exit siginfo of live process ${child.id}`);
    const { exitStatus, ownUsage: usage } = child.state;
    return childSiginfo(signal, {
      ...childReport(exitStatus),
      pid: child.id,
      uid: this.uid,
      utimeTicks: microsToTicks(usage.userMicros),
      stimeTicks: microsToTicks(usage.systemMicros),
    });
  }

  /**
   * Removes a zombie: its pid is gone. A reaping parent (`by`) adds the zombie's usage to its
   * RUSAGE_CHILDREN; init and auto-reaping add nothing.
   */
  reap(process: Process, by: Process | undefined): void {
    if (process.state.kind !== "zombie") throw new Error(`reaping live process ${process.id}`);
    if (by) by.common.childrenUsage = addUsage(by.common.childrenUsage, process.state.usage);
    this.host(process.common.host).processes.delete(process.id);
  }

  /** The live process whose native pid is `nativePid`, on any host. */
  processByNative(nativePid: number): Process | undefined {
    return this.#threadsByNative.get(nativePid)?.process;
  }

  /** The process that had native pid `nativePid` last, even reaped (a signal's sender). */
  senderByNative(nativePid: number): Process | undefined {
    return this.processByNative(nativePid) ?? this.#byNativePid.get(nativePid);
  }
}
