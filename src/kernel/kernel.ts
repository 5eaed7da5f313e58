/**
 * The emulated process world: hosts (each a pid namespace of its own, where the kernel gives
 * the ids), their process tables, and every state transition of processes and threads (create,
 * fork, thread creation, exec, exit, re-parenting, reaping, parking, job control). No FFI here:
 * the policy feeds native facts in and carries the consequences out.
 * @module
 */

import type { Randomness } from "./random.ts";
import { basename } from "node:path";
import { timerSiginfo } from "../abi/siginfo.ts";
import { VirtualClock } from "./clock.ts";
import { FileTimes } from "./file_times.ts";
import { defaultAction, Signal } from "../abi/signals.ts";
import type { ExitStatus } from "./exit_status.ts";
import { INIT_PID, type PosixTimer, Process, type ProcessId, type RealTimer, type TimerFd } from "./process.ts";
import { SaFlag, SIG_DFL, SIG_IGN, type SignalAction, SignalActions } from "./signal_actions.ts";
import { type Blocked, Thread, type ThreadId } from "./thread.ts";

/** One host's pid namespace. */
export interface Host {
  readonly name: string;
  /** Its index for the tracer (which keeps one init per host). */
  readonly index: number;
  readonly processes: Map<ProcessId, Process>;
}

/** What the kernel asks of its observer (the policy) as transitions happen. */
export interface KernelObserver {
  /** A process ended (it is a zombie now, or already reaped). */
  exited(process: Process, status: ExitStatus): void;
  /**
   * The kernel queued `signal` for `process` by itself (a child's exit or stop, SIGCHLD): a
   * call umbra holds one of its threads in may have to end.
   */
  signalled(process: Process, signal: number): void;
  /**
   * Send `signal` with exactly `siginfo` to `process` (a timer's), or to its thread with
   * virtual tid `thread`.
   */
  sendSignal(process: Process, signal: number, siginfo: Uint8Array, thread?: number): void;
  /** A timerfd umbra drives expired on the virtual clock: its descriptor must become readable. */
  timerfdExpired(timer: TimerFd): void;
  /**
   * `sender` is sending SIGKILL to `target` (`sent` false: the send failed after all). SIGKILL
   * never stops at delivery, so this is how its sender is known when the target dies of it.
   */
  sigkill(sender: Process, target: Process, sent: boolean): void;
  /**
   * The parent the kernel gave `child` when its own parent died (INIT_PID for the host's init,
   * or when the child is gone already).
   */
  adoptiveParent(child: Process): ProcessId;
}

/**
 * The shortest time between two expiries of a periodic timer on the virtual clock; shorter
 * periods are coalesced (their overruns counted) so that a program flooded with timer signals
 * still lets virtual time move on.
 */
const MIN_TIMER_PERIOD_NS = 1_000_000n;

/** The kernel's bound on a POSIX timer's overrun count (DELAYTIMER_MAX is INT_MAX). */
const DELAYTIMER_MAX = 0x7fffffff;

const CLONE_SIGHAND = 0x00000800n;
const CLONE_PARENT = 0x00008000n;
const CSIGNAL = 0xffn;

/** Zombies the model holds before it first looks which are reaped natively. */
const ZOMBIE_LOOK_MIN = 64;

/** The process tables and their transitions. */
export class Kernel {
  readonly #hosts = new Map<string, Host>();
  readonly #threadsByNative = new Map<number, Thread>();
  /** Threads parked in a call umbra holds. */
  readonly #parked = new Set<Thread>();
  /** Threads in a native wait whose timeout runs on the virtual clock. */
  readonly #timed = new Set<Thread>();
  /** Threads whose process creation (fork, vfork, clone) is under way: their child is not known yet. */
  readonly #creating = new Set<Thread>();
  /** Live (not zombie) processes of every host: kept as they change, as a fork asks at every call. */
  #live = 0;
  /**
   * Zombies of every host. Parents reap natively, untraced: a zombie stays here until its pid
   * is taken again, its parent ends, or a look finds it gone natively.
   */
  readonly #zombies = new Set<Process>();
  /** How many zombies make the next look for natively reaped ones due. */
  #lookAt = ZOMBIE_LOOK_MIN;

  /** Virtual time: how the kernel's real stamps of files read on the simulated clock. */
  readonly fileTimes: FileTimes;

  constructor(
    private readonly observer: KernelObserver,
    /** The sandbox's simulated clock. */
    readonly clock: VirtualClock = new VirtualClock(),
    /** Seeded randomness (getrandom, AT_RANDOM), or null: the kernel's own. */
    readonly random: Randomness | null = null,
  ) {
    this.fileTimes = new FileTimes(clock.epochNs);
  }

  /** The host named `name`, created on first use (indices in order of first use). */
  host(name: string): Host {
    let host = this.#hosts.get(name);
    if (!host) {
      host = { name, index: this.#hosts.size, processes: new Map() };
      this.#hosts.set(name, host);
    }
    return host;
  }

  /** The host with tracer index `index`, if one was made. */
  hostByIndex(index: number): Host | undefined {
    for (const host of this.#hosts.values()) if (host.index === index) return host;
    return undefined;
  }

  /** Every live or zombie process of every host. */
  *processes(): Iterable<Process> {
    for (const host of this.#hosts.values()) yield* host.processes.values();
  }

  /** The process `pid` of `host`, live or zombie. */
  process(host: string, pid: ProcessId): Process | undefined {
    return this.#hosts.get(host)?.processes.get(pid);
  }

  /** The live thread of `host` whose (virtual) tid is `tid`. */
  threadById(host: string, tid: ThreadId): Thread | undefined {
    for (const process of this.host(host).processes.values()) {
      const thread = process.threads.get(tid);
      if (thread) return thread;
    }
    return undefined;
  }

  /**
   * The live processes a kill(2) by `sender` with `pid` reaches, as Linux picks them: `pid` > 0
   * that process; 0 the sender's group; -1 every process of its host but init and the sender;
   * below -1 the group -`pid`.
   */
  killTargets(sender: Process, pid: number): Process[] {
    const live = [...this.host(sender.common.host).processes.values()].filter((p) => p.state.kind === "runnable");
    if (pid > 0) return live.filter((p) => p.id === pid);
    if (pid === -1) return live.filter((p) => p.id !== INIT_PID && p !== sender);
    const group = pid === 0 ? sender.common.group : -pid;
    return live.filter((p) => p.common.group === group);
  }

  /** `sender` sends SIGKILL to `targets` (`sent` false: it turned out to fail). */
  sigkill(sender: Process, targets: readonly Process[], sent: boolean): void {
    for (const target of targets) this.observer.sigkill(sender, target, sent);
  }

  /** The live thread whose native tid is `nativeTid`. */
  thread(nativeTid: number): Thread | undefined {
    return this.#threadsByNative.get(nativeTid);
  }

  /** The live process whose native pid is `nativePid`, on any host. */
  processByNative(nativePid: number): Process | undefined {
    return this.#threadsByNative.get(nativePid)?.process;
  }

  /**
   * Count of live (not zombie) processes, counting the children of forks under way (a fork's
   * child exists natively only once its clone ran), so that concurrent forks cannot overshoot a
   * limit.
   */
  get liveProcessCount(): number {
    return this.#live + this.#creating.size;
  }

  /**
   * A top-level process (forked by the host's init, pid `id`): its parent is init, its group and
   * session init's, or with `ownSession` its own (it called setsid before its execve, to take a
   * controlling terminal); the signals in `ignored` (bit N-1: signal N) start ignored, the
   * others default.
   */
  createProcess(
    hostName: string,
    id: ProcessId,
    executable: string,
    nativePid: number,
    start: { ignored?: bigint; ownSession?: boolean } = {},
  ): Process {
    const host = this.host(hostName);
    const leader = start.ownSession ? id : INIT_PID;
    const process = this.#newProcess(host, {
      id,
      parent: INIT_PID,
      group: leader,
      session: leader,
      exitSignal: Signal.SIGCHLD,
      executable,
      nativePid,
      logRoot: id,
    }, SignalActions.ignoring(start.ignored ?? 0n));
    this.#addThread(process, id, nativePid);
    return process;
  }

  /**
   * A process created by fork, vfork or clone without CLONE_THREAD, with pid `id`; `flags` are
   * the clone flags it was made with. Group and session are inherited; the parent is the
   * caller, or the caller's parent under CLONE_PARENT; dispositions are copied, or shared under
   * CLONE_SIGHAND.
   */
  forkProcess(creator: Thread, nativePid: number, flags: bigint, id: ProcessId): Process {
    const parent = creator.process;
    if (parent.state.kind !== "runnable") throw new Error(`fork in zombie ${parent.id}`);
    this.#creating.delete(creator);
    const host = this.host(parent.common.host);
    const exitSignal = Number(flags & CSIGNAL);
    const actions = parent.state.signalActions;
    const process = this.#newProcess(host, {
      id,
      parent: (flags & CLONE_PARENT) !== 0n ? parent.common.parent : parent.id,
      group: parent.common.group,
      session: parent.common.session,
      exitSignal: exitSignal === 0 ? null : exitSignal,
      executable: parent.common.executable,
      nativePid,
      logRoot: parent.common.logRoot,
      timerfds: new Map(parent.common.timerfds),
    }, (flags & CLONE_SIGHAND) !== 0n ? actions : actions.copy());
    this.#addThread(process, id, nativePid);
    return process;
  }

  #newProcess(
    host: Host,
    fields: {
      id: ProcessId;
      parent: ProcessId;
      group: ProcessId;
      session: ProcessId;
      exitSignal: number | null;
      executable: string;
      nativePid: number;
      logRoot: ProcessId;
      timerfds?: Process["common"]["timerfds"];
    },
    signalActions: SignalActions,
  ): Process {
    const { timerfds, ...rest } = fields;
    const process = new Process({
      ...rest,
      host: host.name,
      name: `${host.name}.${basename(fields.executable)}.${fields.id}`,
      children: new Set(),
      realTimer: null,
      posixTimers: new Map(),
      timerfds: timerfds ?? new Map(),
    }, { kind: "runnable", threads: new Map(), signalActions, stopSignal: null });
    // The pid is free natively, so the zombie that had it was reaped (a wait umbra does not trace).
    const former = host.processes.get(process.id);
    if (former) this.reap(former);
    host.processes.set(process.id, process);
    host.processes.get(process.common.parent)?.common.children.add(process);
    this.#live++;
    return process;
  }

  /** A thread created by clone with CLONE_THREAD in `creator`'s process, with tid `id`. */
  createThread(creator: Thread, nativeTid: number, id: ThreadId): Thread {
    return this.#addThread(creator.process, id, nativeTid);
  }

  #addThread(process: Process, id: ThreadId, nativeTid: number): Thread {
    if (process.state.kind !== "runnable") throw new Error(`thread added to zombie ${process.id}`);
    if (this.#threadsByNative.has(nativeTid)) throw new Error(`native tid ${nativeTid} already known`);
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
      this.#forgetThread(other);
    }
    this.#threadsByNative.delete(formerNativeTid);
    // Its exit hook, if any, is the execve's own (strace logging): its exit stop comes next.
    thread.id = process.id;
    thread.nativeTid = nativeTid;
    this.#forgetThread(thread);
    process.state = {
      ...process.state,
      threads: new Map([[process.id, thread]]),
      signalActions: process.state.signalActions.resetForExec(),
    };
    this.#threadsByNative.set(nativeTid, thread);
    process.common.executable = executable;
    this.#deletePosixTimers(process);
    for (const [fd, timer] of process.common.timerfds) if (timer.closeOnExec) process.common.timerfds.delete(fd);
    process.common.exitSignal = Signal.SIGCHLD;
    return process;
  }

  /**
   * A native thread is gone (reaped by umbra's tracer). The leader goes last (the kernel reports
   * it once its whole group is dead): the process then becomes a zombie, and its children are
   * already the kernel's adoptive parent's. Returns that process, if any.
   */
  threadGone(nativeTid: number, status: ExitStatus): Process | undefined {
    const thread = this.#threadsByNative.get(nativeTid);
    if (!thread) return undefined;
    this.#threadsByNative.delete(nativeTid);
    this.#forgetThread(thread);
    const process = thread.process;
    process.threads.delete(thread.id);
    if (nativeTid !== process.common.nativePid) return undefined;
    for (const other of process.threads.values()) {
      this.#threadsByNative.delete(other.nativeTid);
      this.#forgetThread(other);
    }
    for (const child of [...process.common.children]) this.#reparent(child, this.observer.adoptiveParent(child));
    this.#becomeZombie(process, status);
    return process;
  }

  /** Gives `child` its new parent; a zombie tells it at once (init reaps it). */
  #reparent(child: Process, parentId: ProcessId): void {
    const host = this.host(child.common.host);
    host.processes.get(child.common.parent)?.common.children.delete(child);
    child.common.parent = parentId;
    child.common.exitSignal = Signal.SIGCHLD;
    host.processes.get(parentId)?.common.children.add(child);
    if (child.state.kind === "zombie") this.#notifyParent(child);
  }

  /** `thread` started a fork, vfork or clone of a process: it counts as live until its child is known. */
  startCreation(thread: Thread): void {
    this.#creating.add(thread);
  }

  /** `thread` is at its next call: a creation it started is over (its child is known, or it failed). */
  endCreation(thread: Thread): void {
    this.#creating.delete(thread);
  }

  /** setpgid(2) succeeded: `process` is in group `group` now. */
  setProcessGroup(process: Process, group: ProcessId): void {
    process.common.group = group;
  }

  /** setsid(2) succeeded: `process` leads a new session and group. */
  newSession(process: Process): void {
    process.common.group = process.id;
    process.common.session = process.id;
  }

  /** umbra holds `thread` in its call until it can finish (or a signal ends it). */
  park(thread: Thread, call: Blocked): void {
    thread.parked = call;
    thread.busySyscalls = 0;
    this.#parked.add(thread);
  }

  /** `thread`'s parked call ended (an answer, a signal, an exec, its exit). */
  unpark(thread: Thread): void {
    thread.parked = null;
    this.#parked.delete(thread);
  }

  /** Threads parked in a call umbra holds. */
  parkedThreads(): Iterable<Thread> {
    return this.#parked;
  }

  /** `thread` waits natively with a timeout on the virtual clock (null: no longer). */
  timedWait(thread: Thread, wait: Thread["timedWait"]): void {
    thread.timedWait = wait;
    if (wait) this.#timed.add(thread);
    else this.#timed.delete(thread);
  }

  /** Threads in a native wait whose timeout runs on the virtual clock. */
  timedWaits(): Iterable<Thread> {
    return this.#timed;
  }

  /** `thread` is gone (or its process exec'd): it waits for nothing, and creates nothing, any more. */
  #forgetThread(thread: Thread): void {
    this.unpark(thread);
    this.timedWait(thread, null);
    this.#creating.delete(thread);
  }

  /**
   * Job control: `thread` entered a group stop for `signal`. The first thread stops the process;
   * its parent's SIGCHLD (the kernel's) may end a parked call.
   */
  groupStopped(thread: Thread, signal: number): void {
    thread.groupStopped = true;
    const process = thread.process;
    if (process.state.kind !== "runnable" || process.state.stopSignal !== null) return;
    process.state.stopSignal = signal;
    this.#notifyParentOfJob(process);
  }

  /** Job control: SIGCONT woke `thread` from its group stop; the process runs again. */
  groupContinued(thread: Thread): void {
    thread.groupStopped = false;
    const process = thread.process;
    if (process.state.kind !== "runnable" || process.state.stopSignal === null) return;
    process.state.stopSignal = null;
    this.#notifyParentOfJob(process);
  }

  #notifyParentOfJob(child: Process): void {
    const parent = this.process(child.common.host, child.common.parent);
    if (parent?.state.kind === "runnable") this.observer.signalled(parent, Signal.SIGCHLD);
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
        const { count, next } = this.#periods(timer.deadline, timer.interval);
        timer.expirations += count;
        this.observer.sendSignal(process, Signal.SIGALRM, timerSiginfo(Signal.SIGALRM, 0, timer.expirations));
        if (next !== null) {
          timer.deadline = next;
          arm();
        } else if (process.common.realTimer === timer) {
          process.common.realTimer = null;
        }
      });
    };
    arm();
    process.common.realTimer = timer;
  }

  /**
   * A periodic timer due at `due`: how many of its periods have ended by now (1 for a one-shot),
   * and when it is next due (null: one-shot). Missed periods are counted, not fired one by one: a
   * 1 ns timer behind a jump of a second is one signal with its overrun, as in the kernel. And a
   * period shorter than MIN_TIMER_PERIOD_NS is due next a whole number of periods later, at
   * least that much: the program's signals would otherwise hold virtual time to a crawl (it
   * moves when everyone waits, to the next deadline).
   */
  #periods(due: bigint, interval: bigint): { count: number; next: bigint | null } {
    if (interval <= 0n) return { count: 1, next: null };
    const ended = (this.clock.now - due) / interval + 1n;
    const atLeast = (MIN_TIMER_PERIOD_NS + interval - 1n) / interval;
    const periods = ended > atLeast ? ended : atLeast;
    return { count: Number(ended), next: due + periods * interval };
  }
  /** timer_create(2): `process` has POSIX timer `timer` (disarmed). */
  addPosixTimer(process: Process, timer: PosixTimer): void {
    process.common.posixTimers.set(timer.id, timer);
  }

  /** timer_delete(2). */
  deletePosixTimer(process: Process, timer: PosixTimer): void {
    timer.cancel();
    process.common.posixTimers.delete(timer.id);
  }

  /** timerfd_create(2): descriptor `fd` of `process` is a timerfd umbra drives (disarmed). */
  addTimerfd(process: Process, fd: number, timer: TimerFd): void {
    process.common.timerfds.set(fd, timer);
  }

  /**
   * Arms timerfd `timer` to expire at virtual time `deadline` (null disarms), then every
   * `interval` ns; each expiry makes its descriptor readable (KernelObserver.timerfdExpired).
   */
  armTimerfd(timer: TimerFd, deadline: bigint | null, interval: bigint): void {
    timer.cancel();
    timer.cancel = () => {};
    timer.deadline = deadline;
    timer.interval = interval;
    const schedule = (at: bigint) => {
      timer.cancel = this.clock.schedule(at, () => {
        this.observer.timerfdExpired(timer);
        timer.deadline = this.#periods(at, timer.interval).next;
        if (timer.deadline !== null) schedule(timer.deadline);
      });
    };
    if (deadline !== null) schedule(deadline);
  }

  #deletePosixTimers(process: Process): void {
    for (const timer of process.common.posixTimers.values()) timer.cancel();
    process.common.posixTimers.clear();
  }

  /**
   * Arms POSIX timer `timer` of `process` to expire at virtual time `deadline` (null disarms),
   * then every `interval` ns. Each expiry sends its signal (SIGEV_SIGNAL, SIGEV_THREAD_ID), with
   * the periods it missed as its overrun (timer_getoverrun reads it).
   */
  armPosixTimer(process: Process, timer: PosixTimer, deadline: bigint | null, interval: bigint): void {
    timer.cancel();
    timer.cancel = () => {};
    timer.deadline = deadline;
    timer.interval = interval;
    timer.overrun = 0;
    if (deadline === null) return;
    const arm = (at: bigint) => {
      timer.cancel = this.clock.schedule(at, () => {
        const { count, next } = this.#periods(at, timer.interval);
        timer.overrun = Math.min(count - 1, DELAYTIMER_MAX);
        if (timer.notify === "signal") {
          const siginfo = timerSiginfo(timer.signal, timer.id, timer.overrun, timer.value);
          this.observer.sendSignal(process, timer.signal, siginfo, timer.thread ?? undefined);
        }
        timer.deadline = next;
        if (next !== null) arm(next);
      });
    };
    arm(deadline);
  }

  /**
   * Whether `process` ignores `signal` (SIG_IGN, or SIG_DFL for a signal whose default is to be
   * ignored): the kernel would discard it when sent, were the process not traced.
   */
  ignores(process: Process, signal: number): boolean {
    if (process.state.kind !== "runnable" || signal === Signal.SIGKILL || signal === Signal.SIGSTOP) return false;
    const { handler } = process.state.signalActions.get(signal);
    const byDefault = defaultAction(signal);
    return handler === SIG_IGN || (handler === SIG_DFL && (byDefault === "ignore" || byDefault === "continue"));
  }

  /** rt_sigaction(2) set `signal`'s disposition in `process` (and every CLONE_SIGHAND sharer). */
  setSignalAction(process: Process, signal: number, action: SignalAction): void {
    if (process.state.kind === "runnable") process.state.signalActions.set(signal, action);
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
  #becomeZombie(process: Process, exitStatus: ExitStatus): void {
    if (process.state.kind !== "runnable") throw new Error(`process ${process.id} died twice`);
    this.setRealTimer(process, 0n, 0n);
    this.#deletePosixTimers(process);
    process.state = { kind: "zombie", exitStatus };
    this.#live--;
    this.#zombies.add(process);
    this.observer.exited(process, exitStatus);
    this.#notifyParent(process);
  }

  /**
   * A zombie and its parent, as the kernel's do_notify_parent has it: init reaps at once; a
   * parent ignoring SIGCHLD or with SA_NOCLDWAIT leaves no zombie; otherwise the exit signal
   * (sent by the kernel) may end a call the parent is parked in.
   */
  #notifyParent(child: Process): void {
    if (child.state.kind !== "zombie") throw new Error(`notifying for live process ${child.id}`);
    const parent = child.common.parent === INIT_PID ? undefined : this.process(child.common.host, child.common.parent);
    if (!parent || parent.state.kind !== "runnable") {
      this.reap(child);
      return;
    }
    const signal = child.common.exitSignal ?? 0;
    if (signal === Signal.SIGCHLD) {
      const action = parent.state.signalActions.get(Signal.SIGCHLD);
      if (action.handler === SIG_IGN || (action.flags & SaFlag.SA_NOCLDWAIT) !== 0n) this.reap(child);
      if (action.handler === SIG_IGN) return;
    }
    if (signal !== 0) this.observer.signalled(parent, signal);
  }

  /** Removes a zombie: its parent waited for it (or nobody had to). */
  reap(process: Process): void {
    if (process.state.kind !== "zombie") throw new Error(`reaping live process ${process.id}`);
    const host = this.host(process.common.host);
    host.processes.get(process.common.parent)?.common.children.delete(process);
    host.processes.delete(process.id);
    this.#zombies.delete(process);
  }

  /**
   * Forgets the zombies `reaped` says are gone natively, once there are twice as many as the
   * last look left (at least ZOMBIE_LOOK_MIN): each look is paid for by the zombies made since.
   */
  forgetReaped(reaped: (zombie: Process) => boolean): void {
    if (this.#zombies.size < this.#lookAt) return;
    for (const zombie of [...this.#zombies]) if (reaped(zombie)) this.reap(zombie);
    this.#lookAt = Math.max(ZOMBIE_LOOK_MIN, 2 * this.#zombies.size);
  }
}
