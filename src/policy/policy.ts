/**
 * The policy: turns each tracer event into model transitions and replies. Runs in the Worker.
 * Data flows one way: event -> syscall table -> handler -> kernel model -> reply.
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { carriesPid, SiCode, siginfoCode, siginfoPid } from "../abi/siginfo.ts";
import { Signal, signalName } from "../abi/signals.ts";
import { SYS } from "../abi/syscalls.ts";
import { type ExitStatus, exitStatusFromWait } from "../kernel/exit_status.ts";
import { Kernel, type KernelObserver } from "../kernel/kernel.ts";
import { VirtualClock } from "../kernel/clock.ts";
import { INIT_PID, type Process, type ProcessId, type TimerFd } from "../kernel/process.ts";
import type { Thread } from "../kernel/thread.ts";
import type { UmbraEvent } from "../report/events.ts";
import type { SyscallRecord } from "../report/strace.ts";
import type { TraceeMemory } from "../native/memory.ts";
import {
  EventKind,
  FLAG_DEBUGGED,
  FLAG_EXIT_STOP,
  FLAG_RESTORE_ARGS,
  HELD,
  OBSERVED,
  RANDOM,
  type RawEvent,
  REGISTER_RAX,
  REGISTER_RESTART,
  type ReplyBatch,
  ReplyKind,
} from "../native/protocol.ts";
import { CloneFlag } from "../syscalls/clone.ts";
import { type Limits, native, type NativeServices, type Outcome, type SyscallContext } from "../syscalls/context.ts";
import { Randomness } from "../kernel/random.ts";
import { activeEntry, type TableOptions } from "../syscalls/table.ts";
import { type CapturedMemory, captureEnd, captureEntry, readObserved } from "./strace_memory.ts";
import { recordedOutcome } from "./strace_record.ts";
import type { Notice, SpawnCommand } from "./messages.ts";
import { blockedSignals, unblockedPending, unblockedPendingSignals, wouldInterrupt } from "./signals.ts";
import type { Scheduler } from "./scheduler.ts";

/** Waits that return EINTR, not an ERESTART* code, when a signal wakes them. */
const EINTR_WAITS: ReadonlySet<number> = new Set([
  SYS.rt_sigtimedwait,
  SYS.epoll_wait,
  SYS.epoll_pwait,
  SYS.epoll_pwait2,
  SYS.semop,
  SYS.semtimedop,
  SYS.msgrcv,
  SYS.msgsnd,
  SYS.io_getevents,
  SYS.io_pgetevents,
]);

/** Calls that never return to their caller: the strace log shows them at entry (`= ?`). */
const NO_RETURN: ReadonlySet<number> = new Set([SYS.exit, SYS.exit_group]);

/** Traced syscalls in a row without blocking after which a thread's time is charged. */
const BUSY_SYSCALLS = 1000;

/**
 * Real time a quiet spell with a thread on the CPU must last before it moves the clock: long
 * enough that ordinary bursts of work between calls (a program starting up) never do.
 */
const BUSY_SPELL_NS = 50_000_000n;

/** What the policy needs from the native side. */
export interface PolicyNative {
  memory: TraceeMemory;
  /** kill (tgid 0) or tgkill from umbra; 0 or -errno. */
  signal(tgid: number, tid: number, signal: number): number;
  /** rt_sigqueueinfo (tgid 0) or rt_tgsigqueueinfo from umbra with `siginfo`; 0 or -errno. */
  sigqueue(tgid: number, tid: number, signal: number, siginfo: Uint8Array): number;
  /** Reads /proc/<path> (umbra's view: native ids), or null when it cannot be read. */
  readProc(path: string): string | null;
  /** The target of a /proc symbolic link, or null. */
  readProcLink(path: string): string | null;
  /** Duplicates a program's descriptor into umbra (pidfd_getfd); returns it or -errno. */
  duplicateFd(nativePid: number, fd: number): number;
  /** Arms a timerfd of umbra's to fire once after `ns` (0 disarms). */
  armTimerfd(fd: number, ns: bigint): void;
  /**
   * Virtual time: a boundary in the kernel's file timestamps (libumbra's umbra_file_time_mark),
   * ns since the Unix epoch, or -1 when none can be taken.
   */
  fileTimeMark?(): bigint;
}

/** What the policy tells a debugger (src/policy/debug.ts) about the threads it holds. */
export interface DebugObserver {
  /** A process spawned to pause is held at its first exec stop (thread `tid`, spawn request `id`). */
  held(process: Process, tid: number, id: number): void;
  /**
   * A signal-delivery stop: true when the debugger takes it (the thread then stays stopped until
   * the debugger resumes it, with `Policy.deliverHeld` when the signal goes on to the program).
   */
  trapped(thread: Thread, event: RawEvent): boolean;
  /** Whether a debugger is attached to `thread` (its signals stop for the debugger). */
  holds(thread: Thread): boolean;
  /** A `registers` event: the registers of `tid` are in the debugger's buffer. */
  registers(tid: number): void;
}

/** What the policy reports as it goes (both off by default: they cost messages). */
export interface Reporting {
  /** Emit UmbraEvents (start, fork, exec, signal, exit). */
  events: boolean;
  /** Make a SyscallRecord per syscall for `log` (strace logging; forces exit stops). */
  syscalls: boolean;
  /** Where strace logging goes (with `syscalls`). */
  log?: CallLog;
}

/**
 * strace logging's stream: every call with its result, every signal on its way to a thread,
 * every end of a process. `root` is the top-level process whose log it joins.
 */
export interface CallLog {
  syscall(host: string, root: ProcessId, record: SyscallRecord): void;
  /** Signal `signal` with siginfo `info` is delivered to virtual thread `tid`. */
  signal(host: string, root: ProcessId, time: string, tid: number, signal: number, info: Uint8Array): void;
  /** Process `pid` ended. */
  exit(host: string, root: ProcessId, time: string, pid: ProcessId, status: ExitStatus): void;
}

/** How the policy models the sandbox: what it traces and what busy threads cost. */
export interface PolicyOptions extends TableOptions {
  /** Seeded randomness from this seed (getrandom, AT_RANDOM); absent: the kernel's own. */
  seed?: bigint;
  /** Virtual time (ns) one traced syscall that does not block costs a busy thread (0: nothing). */
  unblockedSyscallLatency: bigint;
  /** Deterministic scheduling: every resume goes through it (the tracer resumes nobody itself). */
  scheduler?: Scheduler;
}

/** Where a spawn request goes: the host's index for the tracer. */
export interface SpawnTarget {
  host: number;
}

/** The policy state of one sandbox. */
export class Policy implements KernelObserver {
  readonly kernel: Kernel;
  /** SIGKILLs sent to processes that have not died yet: sender and virtual time (see `sigkill`). */
  readonly #sigkills = new WeakMap<Process, { from: ProcessId; time: string }>();
  /** Spawn requests sent to the tracer, by request id. */
  readonly #requests = new Map<number, SpawnCommand>();
  /** Top-level processes umbra started, to their request id. */
  readonly #topLevel = new Map<Process, number>();
  /** Spawned processes that have not completed their first exec, by native pid. */
  readonly #beforeExec = new Map<number, number>();
  /** argv of top-level processes until their first exec (for the start event). */
  readonly #argv = new Map<Process, string[]>();
  readonly #services: NativeServices;
  /** The batch being filled; observer callbacks add replies to it. */
  #replies: ReplyBatch | null = null;
  /** The virtual time of the event being handled, as the tracer stamped it (it may be behind the clock). */
  #eventTime: bigint | null = null;
  /** Set while a process is paused for debugging. */
  debug: DebugObserver | null = null;

  constructor(
    private readonly native: PolicyNative,
    private readonly notify: (notice: Notice) => void,
    private readonly limits: Limits,
    clock: VirtualClock = new VirtualClock(),
    private readonly reporting: Reporting = { events: false, syscalls: false },
    private readonly options: PolicyOptions = { virtualTime: false, unblockedSyscallLatency: 1_000n },
  ) {
    this.kernel = new Kernel(this, clock, options.seed === undefined ? null : new Randomness(options.seed));
    this.#services = {
      anyParked: () => !this.kernel.parkedThreads()[Symbol.iterator]().next().done,
      signalsSent: () => this.#noticePending(),
      duplicateFd: (nativePid, fd) => native.duplicateFd(nativePid, fd),
      armTimerfd: (fd, ns) => native.armTimerfd(fd, ns),
      // kill(pid, 0): a zombie is still there; one its parent reaped is not (one syscall, where
      // reading /proc takes three).
      present: (nativePid) => native.signal(0, nativePid, 0) === 0,
      blockedSignals: (thread) => blockedSignals(native.readProc, thread),
    };
  }

  /** Takes a spawn request about to be submitted; says which host's init gets it. */
  requested(command: SpawnCommand): SpawnTarget {
    this.#requests.set(command.id, command);
    return { host: this.kernel.host(command.host).index };
  }

  /**
   * A spawn request that never made a process (refused before or by the tracer): it fails with
   * `errno`; `what` names the step of making its host that failed, if that is what failed.
   */
  refused(id: number, errno: number, what = ""): void {
    this.#spawnFailed(id, errno, what);
    this.notify({
      type: "exited",
      id,
      pid: 0,
      status: { kind: "exited", code: errno === Errno.ENOENT ? 127 : 126 },
      time: String(this.kernel.clock.now),
    });
  }

  /** Live top-level processes with their request ids. */
  topLevel(): Iterable<[Process, number]> {
    return this.#topLevel.entries();
  }

  /** The live process of spawn request `id`, if it runs. */
  processOfRequest(id: number): Process | undefined {
    for (const [process, request] of this.#topLevel) {
      if (request === id && process.state.kind === "runnable") return process;
    }
    return undefined;
  }

  /**
   * Sends `signal` to a process from outside the sandbox (the sandbox's kill), or with `group`
   * to every process of its group (a terminal's foreground job).
   */
  signalFromHost(process: Process, signal: number, replies: ReplyBatch, group = false): void {
    const { host, group: id } = process.common;
    const targets = group
      ? [...this.kernel.host(host).processes.values()].filter((p) =>
        p.common.group === id && p.state.kind === "runnable"
      )
      : [process];
    this.#withReplies(replies, () => {
      for (const target of targets) {
        if (this.native.signal(0, target.common.nativePid, signal) === 0) this.#signalled(target, signal);
      }
    });
  }

  /** KernelObserver: a process ended. */
  exited(process: Process, status: ExitStatus): void {
    const time = this.#now();
    const host = process.common.host;
    if (status.kind === "signaled" && status.number === Signal.SIGKILL) {
      // SIGKILL never stops at delivery: its sender is the kill umbra saw, else someone outside.
      const kill = this.#sigkills.get(process);
      this.#emit({
        kind: "signal",
        time: kill?.time ?? time,
        host,
        from: kill?.from ?? null,
        to: process.id,
        signal: "SIGKILL",
      });
    }
    this.#sigkills.delete(process);
    this.#emit({ kind: "exit", time, host, pid: process.id, status });
    this.reporting.log?.exit(process.common.host, process.common.logRoot, time, process.id, status);
    this.#argv.delete(process);
    const id = this.#topLevel.get(process);
    if (id === undefined) return;
    this.#topLevel.delete(process);
    this.notify({ type: "exited", id, pid: process.id, status, time });
  }

  /** KernelObserver: `sender` sends SIGKILL to `target` (or that failed after all). */
  sigkill(sender: Process, target: Process, sent: boolean): void {
    if (sent) this.#sigkills.set(target, { from: sender.id, time: this.#now() });
    else if (this.#sigkills.get(target)?.from === sender.id) this.#sigkills.delete(target);
  }

  /** KernelObserver: the kernel queued a signal for `process` by itself. */
  signalled(process: Process, signal: number): void {
    this.#signalled(process, signal);
  }

  /** KernelObserver: umbra sends a signal with an exact siginfo (a timer's). */
  sendSignal(process: Process, signal: number, siginfo: Uint8Array, thread?: number): void {
    if (process.state.kind !== "runnable") return;
    const target = thread === undefined ? undefined : process.threads.get(thread);
    if (thread !== undefined && !target) return; // the thread is gone: the kernel drops it too
    const sent = target
      ? this.native.sigqueue(process.common.nativePid, target.nativeTid, signal, siginfo)
      : this.native.sigqueue(0, process.common.nativePid, signal, siginfo);
    if (sent === 0) this.#signalled(process, signal);
  }

  /** KernelObserver: a timerfd umbra drives expired: its duplicate fires at once. */
  timerfdExpired(timer: TimerFd): void {
    this.native.armTimerfd(timer.umbraFd, 1n);
  }

  /** KernelObserver: the parent the kernel gave an orphan, as /proc says (umbra reads native ids). */
  adoptiveParent(child: Process): ProcessId {
    const stat = this.native.readProc(`${child.common.nativePid}/stat`);
    if (stat === null) return INIT_PID;
    const nativeParent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    return this.kernel.processByNative(nativeParent)?.id ?? INIT_PID;
  }

  /** Handles one event, appending replies for stopped threads. */
  handle(event: RawEvent, replies: ReplyBatch): void {
    this.options.scheduler?.noteEvent(event);
    this.#eventTime = event.time;
    try {
      this.#withReplies(replies, () => this.#dispatch(event));
    } finally {
      this.#eventTime = null;
    }
  }

  /**
   * When what is being reported happened: the event's own time (stamped before the tracer
   * resumed anyone, so a program's clock reads since cannot move it), or now.
   */
  #now(): string {
    return String(this.#eventTime ?? this.kernel.clock.now);
  }

  /**
   * After a batch: timers that clock reads carried past their deadline fire, and sleeps that
   * ended wake.
   */
  settle(replies: ReplyBatch): void {
    this.#withReplies(replies, () => {
      this.#advanceTo(this.kernel.clock.now);
      this.#endDueWaits();
    });
  }

  /**
   * Deterministic scheduling (where timed waits run unsliced): a native wait whose virtual
   * deadline has come is interrupted now, while no thread runs, and times out.
   */
  #endDueWaits(): void {
    const scheduler = this.options.scheduler;
    if (!scheduler) return;
    const now = this.kernel.clock.now;
    for (const thread of this.kernel.timedWaits()) {
      const deadline = thread.timedWait?.deadline;
      if (deadline !== undefined && deadline <= now && scheduler.wake(thread.nativeTid)) {
        this.#replies!.push(ReplyKind.interrupt, thread.nativeTid);
      }
    }
  }

  /** The earliest virtual time something waits for (a timer, a sleep, a timeout), if any. */
  nextDeadline(): bigint | undefined {
    let next = this.kernel.clock.nextDeadline();
    const consider = (time: bigint | undefined) => {
      if (time !== undefined && (next === undefined || time < next)) next = time;
    };
    for (const thread of this.kernel.parkedThreads()) consider(thread.parked?.wakeAt);
    for (const thread of this.kernel.timedWaits()) consider(thread.timedWait?.deadline);
    return next;
  }

  /**
   * If every live thread waits, virtual time jumps to the next deadline. After a quiet spell of
   * `quietNs` real nanoseconds (no event meanwhile; 0: not quiet) a thread asleep in the kernel
   * counts as waiting (its /proc state says so); otherwise only what the model knows counts
   * (parked, stopped), which needs no wait at all. A thread that spent the quiet spell on the
   * CPU, making no call umbra sees, is busy: once the spell has lasted `BUSY_SPELL_NS`, the
   * clock moves as much as it lasted (not past the deadline), so a busy loop cannot hold a timer
   * back for ever. Returns whether the clock moved.
   */
  advanceIfIdle(replies: ReplyBatch, quietNs: bigint): boolean {
    const next = this.nextDeadline();
    // A program on its way in (spawned, not yet exec'd) is not waiting.
    if (next === undefined || this.#requests.size > 0 || this.#beforeExec.size > 0) return false;
    const activity = this.#activity(quietNs > 0n);
    if (activity === "running" || (activity === "busy" && quietNs < BUSY_SPELL_NS)) return false;
    const now = this.kernel.clock.now;
    const to = activity === "waiting" || now + quietNs >= next ? next : now + quietNs;
    this.#withReplies(replies, () => this.#advanceTo(to));
    return true;
  }

  /**
   * Virtual time, just before a batch of replies goes out: when the clock moved since the last
   * mark, a new mark of the kernel's file timestamps, so that what the resumed threads make reads
   * as the virtual time they run at (src/kernel/file_times.ts). Only where the threads whose
   * times matter are stopped (`stopped`: the batch resumes threads, or time jumped, when every
   * thread waits): a mark while a program runs on would split its stamps by real timing.
   */
  markFileTimes(stopped: boolean): void {
    if (!this.options.virtualTime || !stopped || !this.native.fileTimeMark) return;
    const now = this.kernel.clock.now;
    if (this.kernel.fileTimes.lastVirtual === now) return;
    const real = this.native.fileTimeMark();
    if (real >= 0n) this.kernel.fileTimes.mark(real, now);
  }

  /**
   * What the live threads do: all wait ("waiting"), all wait or spin on the CPU with at least
   * one spinning ("busy", only after a quiet spell), or something else ("running").
   */
  #activity(quiet: boolean): "waiting" | "busy" | "running" {
    let busy = false;
    for (const process of this.kernel.processes()) {
      for (const thread of process.threads.values()) {
        if (thread.waiting) continue;
        if (!quiet) return "running";
        // A native sleep counts, and a leader that ended before its other threads (a zombie
        // until they end too). Another thread that is gone or dying (a zombie the tracer has
        // yet to collect, its exit event on the way) or in a ptrace stop umbra does not hold (an
        // event in flight) is news.
        const stat = this.native.readProc(`${process.common.nativePid}/task/${thread.nativeTid}/stat`);
        if (stat === null) return "running";
        const state = stat[stat.lastIndexOf(")") + 2];
        const endedLeader = state === "Z" && this.leaderWaits(thread.nativeTid);
        if (state === "R") busy = true;
        else if (state !== "S" && state !== "D" && !endedLeader) return "running";
      }
    }
    return busy ? "busy" : "waiting";
  }

  #advanceTo(time: bigint): void {
    this.kernel.clock.advanceTo(time);
    for (const thread of [...this.kernel.parkedThreads()]) {
      const blocked = thread.parked;
      if (!blocked || blocked.wakeAt === undefined || blocked.wakeAt > time) continue;
      const outcome = blocked.retry();
      if (!outcome) continue;
      this.kernel.unpark(thread);
      this.#reply(thread, 0, outcome);
    }
  }

  #emit(event: UmbraEvent): void {
    if (this.reporting.events) this.notify({ type: "event", event });
  }

  #withReplies(replies: ReplyBatch, body: () => void): void {
    this.#replies = replies;
    try {
      body();
    } finally {
      this.#replies = null;
    }
  }

  /** Queues a reply; under deterministic scheduling a resume waits for its thread's turn. */
  #push(kind: number, tid: number, fields: Parameters<ReplyBatch["push"]>[2] = {}): void {
    const replies = this.#replies;
    if (!replies) throw new Error("reply outside of a batch");
    const scheduler = this.options.scheduler;
    // A spawned program runs umbra's own set-up until its exec: no turn to wait for.
    if (scheduler && !this.#beforeExec.has(tid)) {
      scheduler.offer(kind, tid, fields, (k, t, f) => void replies.push(k, t, f));
    } else replies.push(kind, tid, fields);
  }

  /**
   * Where the thread at native tid `tid` stands in a deterministic order: its host's index,
   * then its virtual tid. Native tids across hosts depend on how the machine interleaved their
   * creation; these do not. Unknown threads come last.
   */
  threadRank(tid: number): number {
    const thread = this.kernel.thread(tid);
    if (!thread) return Number.MAX_SAFE_INTEGER;
    return this.kernel.host(thread.process.common.host).index * 2 ** 32 + thread.id;
  }

  /** Whether the thread at native tid `tid` leads a process that has other threads. */
  leaderWaits(tid: number): boolean {
    const process = this.kernel.thread(tid)?.process;
    return process !== undefined && process.common.nativePid === tid && process.threads.size > 1;
  }

  /** Whether programs are on their way in (spawned, not yet exec'd). */
  arriving(): boolean {
    return this.#requests.size > 0 || this.#beforeExec.size > 0;
  }

  #dispatch(event: RawEvent): void {
    switch (event.kind) {
      case EventKind.syscall:
        return this.#syscall(event);
      case EventKind.syscallExit:
        return this.#syscallExit(event);
      case EventKind.fork:
      case EventKind.vfork:
      case EventKind.clone:
        return this.#creation(event);
      case EventKind.exec:
        return this.#exec(event);
      case EventKind.exited:
        return this.#exited(event);
      case EventKind.signal:
        return this.#signal(event);
      case EventKind.registers:
        return this.debug?.registers(event.tid);
      case EventKind.groupStop:
        return this.#groupStop(event);
      case EventKind.continued:
        return this.#continued(event);
      case EventKind.interrupted:
        return this.#interrupted(event);
      case EventKind.spawned:
        return this.#spawned(event);
      case EventKind.spawnFailed:
        return this.refused(event.aux, Number(-event.value), text(event.payload));
      case EventKind.hostOpened:
        return this.#hostOpened(event);
      case EventKind.protocolError:
        this.notify({ type: "warning", message: `controller: ${text(event.payload)}` });
        return;
      default:
        throw new Error(`unknown event kind ${event.kind}`);
    }
  }

  #syscall(event: RawEvent): void {
    const thread = this.kernel.thread(event.tid);
    // The kernel (and the seccomp filter) take the number's low 32 bits: 1<<32|62 is kill, and must be handled as kill.
    const nr = Number(BigInt.asIntN(32, event.value));
    const entry = activeEntry(nr, event.args, this.options);
    if (!thread || (!entry && !this.reporting.syscalls)) {
      if (event.aux2 !== OBSERVED) this.#push(ReplyKind.continue, event.tid);
      return;
    }
    // A creation this thread started before is over: its child is known, or it failed.
    this.kernel.endCreation(thread);
    const isObserved = event.aux2 === OBSERVED;
    const memory = this.native.memory;
    // With strace logging the filter traces observed rows fully (see filterRules); their memory is read here.
    const observed = isObserved
      ? (event.aux > 0 ? event.payload.slice(0, event.aux) : null)
      : entry?.observe
      ? readObserved(memory, thread.nativeTid, event.args, entry.observe)
      : null;
    const captured = this.reporting.syscalls
      ? captureEntry(memory, thread.nativeTid, nr, event.args, entry?.observe && { ...entry.observe, bytes: observed })
      : undefined;
    const context: SyscallContext = {
      kernel: this.kernel,
      thread,
      process: thread.process,
      nr,
      args: event.args,
      observed,
      memory: this.native.memory,
      native: this.#services,
      limits: this.limits,
    };
    // A call only strace logging traces runs as it is, its result recorded.
    const handled = entry ? entry.handler(context) : native();
    const outcome = this.reporting.syscalls
      ? this.#recorded(thread, nr, event.args, handled, isObserved || NO_RETURN.has(nr), captured)
      : handled;
    // Only the calls umbra traces for itself count: logging must not change a program's times.
    if (entry && !entry.uncharged) this.#chargeBusy(thread, outcome);
    if (!isObserved) return this.#reply(thread, nr, outcome);
    if (outcome.kind !== "native" || outcome.exit) {
      throw new Error(`handler of observed syscall ${entry?.name} must run it natively`);
    }
  }

  /**
   * A thread that makes BUSY_SYSCALLS traced syscalls in a row without blocking is charged the
   * unblocked syscall latency for each, so that a busy loop (a fork bomb spinning on EAGAIN, a
   * polling loop) moves virtual time on to its timers and to a run's stop time. Threads that block
   * keep exact times.
   */
  #chargeBusy(thread: Thread, outcome: Outcome): void {
    if (outcome.kind === "block" || thread.timedWait !== null) {
      thread.busySyscalls = 0;
      return;
    }
    if (++thread.busySyscalls < BUSY_SYSCALLS) return;
    thread.busySyscalls = 0;
    const charge = BigInt(BUSY_SYSCALLS) * this.options.unblockedSyscallLatency;
    if (charge > 0n) this.#advanceTo(this.kernel.clock.now + charge);
  }

  /** strace logging: `outcome`, reporting the call with its result (see recordedOutcome). */
  #recorded(
    thread: Thread,
    nr: number,
    args: readonly bigint[],
    outcome: Outcome,
    atEntry: boolean,
    captured: CapturedMemory | undefined,
  ): Outcome {
    const process = thread.process;
    const record = (result: bigint | null) => {
      const memory = result !== null
        ? captureEnd(this.native.memory, thread.nativeTid, nr, args, result, captured)
        : captured;
      this.reporting.log?.syscall(process.common.host, process.common.logRoot, {
        time: this.#now(),
        tid: thread.id,
        nr,
        args: args.map((arg) => String(arg)),
        result: result === null ? null : String(result),
        ...(memory && { memory }),
      });
    };
    return recordedOutcome(outcome, record, atEntry);
  }

  /** Turns a handler's outcome into the reply for a thread stopped at syscall entry. */
  #reply(thread: Thread, nr: number, outcome: Outcome): void {
    const tid = thread.nativeTid;
    if (outcome.kind === "return") {
      this.#push(ReplyKind.emulate, tid, { value: outcome.value });
      return;
    }
    if (outcome.kind === "block") {
      this.kernel.park(thread, outcome.blocked);
      return;
    }
    thread.exitHook = outcome.exit ?? null;
    const flags = outcome.exit ? FLAG_EXIT_STOP : 0;
    if (outcome.kind === "native") {
      this.#push(ReplyKind.continue, tid, { aux2: flags });
      return;
    }
    this.#push(ReplyKind.rewrite, tid, {
      value: BigInt(outcome.nr ?? nr),
      args: outcome.args,
      aux2: flags | (outcome.restore ? FLAG_RESTORE_ARGS : 0),
    });
  }

  /** A syscall-exit stop: the exit hook decides. */
  #syscallExit(event: RawEvent): void {
    const thread = this.kernel.thread(event.tid);
    const hook = thread?.exitHook;
    if (!thread || !hook) {
      this.#push(ReplyKind.continue, event.tid);
      return;
    }
    thread.exitHook = null;
    const result = hook(event.value);
    if (typeof result === "bigint") {
      this.#push(ReplyKind.setRegisters, event.tid, { aux: REGISTER_RAX, value: result });
      return;
    }
    this.#push(ReplyKind.setRegisters, event.tid, { aux: REGISTER_RESTART });
  }

  /**
   * A fork/vfork/clone event (informational: the tracer resumed the creator, except under
   * deterministic scheduling: then creator and child wait at their stops for their turns).
   */
  #creation(event: RawEvent): void {
    if (this.options.scheduler) {
      this.#push(ReplyKind.continue, event.tid);
      this.#push(ReplyKind.continue, event.aux);
    }
    const creator = this.kernel.thread(event.tid);
    if (!creator || creator.process.state.kind !== "runnable") return;
    const flags = BigInt.asUintN(64, event.value);
    if (flags & CloneFlag.CLONE_THREAD) {
      this.kernel.createThread(creator, event.aux, event.aux2);
      return;
    }
    const child = this.kernel.forkProcess(creator, event.aux, flags, event.aux2);
    const { host, parent, name } = child.common;
    this.#emit({ kind: "fork", time: this.#now(), host, pid: child.id, parent, name });
  }

  /** An exec event (informational: the tracer resumed the thread, unless held for a debugger). */
  /**
   * An exec event: informational, unless the tracer holds the thread (seeded: for its AT_RANDOM
   * bytes; deterministic scheduling: for its turn; a debugger's pause: for the debugger).
   */
  #exec(event: RawEvent): void {
    this.#recordExec(event);
    const held = (event.aux2 & RANDOM) !== 0 || this.options.scheduler !== undefined;
    // After #recordExec: a spawned program's first exec is where its turns begin.
    if (held && (event.aux2 & HELD) === 0) this.#push(ReplyKind.continue, event.tid);
  }

  #recordExec(event: RawEvent): void {
    const thread = this.kernel.thread(event.aux);
    const process = thread?.process;
    // Seeded: the program's AT_RANDOM bytes come from the seed, written before it runs a single
    // instruction (glibc's stack and pointer guards, and anything else seeded from them).
    if ((event.aux2 & RANDOM) !== 0) {
      if (process && this.kernel.random && event.args[1] !== 0n) {
        this.native.memory.write(event.tid, event.args[1], this.kernel.random.atRandom(process.common));
      }
    }
    if (!process) return;
    const path = execPath(event) ?? this.native.readProcLink(`${event.tid}/exe`) ?? process.common.executable;
    this.kernel.exec(event.tid, event.aux, path);
    const request = this.#beforeExec.get(event.tid);
    const host = process.common.host;
    const time = this.#now();
    if (request === undefined) {
      // Only a report reads the argv: /proc of a program that has already ended throws, dearly.
      if (!this.reporting.events) return;
      const argv = cmdline(this.native.readProc(`${event.tid}/cmdline`)) ?? [path];
      this.#emit({ kind: "exec", time, host, pid: process.id, path, argv });
      return;
    }
    const argv = this.#argv.get(process) ?? [path];
    this.#argv.delete(process);
    this.#emit({
      kind: "start",
      time,
      host,
      pid: process.id,
      parent: process.common.parent,
      name: process.common.name,
      argv,
    });
    this.#beforeExec.delete(event.tid);
    this.notify({
      type: "started",
      id: request,
      pid: process.id,
      nativePid: event.tid,
      name: process.common.name,
      time,
    });
    if ((event.aux2 & HELD) !== 0) this.debug?.held(process, event.tid, request);
  }

  #exited(event: RawEvent): void {
    let status = exitStatusFromWait(Number(event.value));
    const request = this.#beforeExec.get(event.tid);
    if (request !== undefined && status.kind === "exited") {
      // The child exits with the errno of a failed set-up or execve (spawn.zig).
      this.#beforeExec.delete(event.tid);
      this.#spawnFailed(request, status.code, "");
      status = { kind: "exited", code: status.code === Errno.ENOENT ? 127 : 126 };
    }
    this.kernel.threadGone(event.tid, status);
  }

  /** Resumes a thread a debugger held at signal stop `event`, delivering the signal as usual. */
  deliverHeld(event: RawEvent, replies: ReplyBatch): void {
    this.#withReplies(replies, () => this.#deliver(event, this.kernel.thread(event.tid)));
  }

  #signal(event: RawEvent): void {
    const thread = this.kernel.thread(event.tid);
    // Most signals the tracer delivered itself (see the signal event in shim/protocol.zig).
    if (event.aux2 === OBSERVED) return this.#delivered(event, thread);
    if (thread && this.debug?.trapped(thread, event)) return;
    this.#deliver(event, thread);
  }

  /** A signal-delivery stop: the signal goes on, as the kernel queued it (its siginfo is right). */
  #deliver(event: RawEvent, thread: Thread | undefined): void {
    if (thread && this.#wokeForNothing(thread, event)) {
      // Natively the kernel discards an ignored signal when it is sent; a traced thread gets it
      // queued (for its tracer to see), and a wait that returns EINTR for any signal ends. It
      // goes on waiting, and the signal goes nowhere.
      this.#push(ReplyKind.setRegisters, event.tid, { aux: REGISTER_RESTART });
      return;
    }
    const debugged = thread !== undefined && this.debug?.holds(thread) === true;
    this.#push(ReplyKind.continue, event.tid, { aux: event.aux, aux2: debugged ? FLAG_DEBUGGED : 0 });
    this.#delivered(event, thread);
  }

  /** Signal `event` is on its way to `thread`'s handler (or default action). */
  #delivered(event: RawEvent, thread: Thread | undefined): void {
    if (!thread) return;
    this.kernel.delivering(thread.process, event.aux);
    const { host, logRoot } = thread.process.common;
    this.reporting.log?.signal(host, logRoot, this.#now(), thread.id, event.aux, event.payload.subarray(0, 128));
    if (!this.reporting.events) return;
    const code = siginfoCode(event.payload);
    const sender = carriesPid(event.payload) || code === SiCode.SI_QUEUE ? siginfoPid(event.payload) : 0;
    this.#emit({
      kind: "signal",
      time: this.#now(),
      host: thread.process.common.host,
      from: sender > 0 ? sender : null,
      to: thread.process.id,
      signal: signalName(event.aux) ?? String(event.aux),
    });
  }

  /**
   * Whether `event` is an ignored signal that interrupted a wait of `thread`'s which ends with
   * EINTR for any signal (rt_sigtimedwait, epoll_wait and the like; the ERESTART* ones restart
   * by themselves when no handler runs).
   */
  #wokeForNothing(thread: Thread, event: RawEvent): boolean {
    const nr = Number(BigInt.asIntN(64, event.args[0]));
    if (event.value !== -BigInt(Errno.EINTR) || !EINTR_WAITS.has(nr)) return false;
    return this.kernel.ignores(thread.process, event.aux);
  }

  /** A thread entered a job-control group stop (the tracer listens: the kernel holds it). */
  #groupStop(event: RawEvent): void {
    const thread = this.kernel.thread(event.tid);
    if (thread) this.kernel.groupStopped(thread, event.aux);
  }

  /** SIGCONT woke a thread from its group stop (under deterministic scheduling it waits for its turn). */
  #continued(event: RawEvent): void {
    const thread = this.kernel.thread(event.tid);
    if (thread) this.kernel.groupContinued(thread);
    if (this.options.scheduler) this.#push(ReplyKind.continue, event.tid);
  }

  /**
   * The scheduler interrupted a thread that ran a whole slice without a stop. Spinning on the
   * CPU costs the slice in virtual time, so a busy loop lets timers fire.
   */
  #interrupted(event: RawEvent): void {
    const ms = this.options.scheduler?.interrupted(event.tid) ?? 0;
    if (ms > 0) this.#advanceTo(this.kernel.clock.now + BigInt(ms) * 1_000_000n);
    this.#push(ReplyKind.continue, event.tid);
  }

  /**
   * A native signal is queued for `process`: a call umbra holds one of its threads in (a
   * virtual-time sleep) that would take the signal ends now. The thread runs a harmless getpid
   * in its place; at its exit the original number and arguments are back and the result says
   * "interrupted", so the kernel's own restart logic applies (and runs the handler, stops, or
   * dies). Unless the kernel gave a process-wide signal to another thread meanwhile: with
   * nothing pending here, the call runs again.
   */
  #signalled(process: Process, signal: number): void {
    for (const thread of process.threads.values()) {
      const blocked = thread.parked;
      if (!blocked || !wouldInterrupt(this.native.readProc, thread, signal)) continue;
      this.kernel.unpark(thread);
      this.#reply(thread, SYS.getpid, {
        kind: "rewrite",
        args: [0n, 0n, 0n, 0n, 0n, 0n],
        restore: true,
        exit: () => {
          if (!unblockedPending(this.native.readProc, thread)) return { restart: true };
          blocked.onInterrupt?.();
          return -BigInt(blocked.restartErrno);
        },
      });
      return;
    }
  }

  /**
   * Signals reached parked threads unseen (sent by a program, a terminal's Ctrl-C, a host
   * `kill`): they queue natively while a thread sits in umbra's ptrace stop. What is pending
   * for a parked thread interrupts it as a signal from umbra would.
   */
  #noticePending(): void {
    const seen = new Set<Process>();
    for (const thread of [...this.kernel.parkedThreads()]) {
      if (seen.has(thread.process)) continue;
      const signals = unblockedPendingSignals(this.native.readProc, thread);
      if (signals.length === 0) continue;
      seen.add(thread.process);
      for (const signal of signals) this.#signalled(thread.process, signal);
    }
  }

  /** Called when umbra itself gets a signal, and now and then: see #noticePending. */
  noticeOutsideSignals(replies: ReplyBatch): void {
    this.#withReplies(replies, () => this.#noticePending());
  }

  #spawned(event: RawEvent): void {
    const command = this.#requests.get(event.aux);
    if (!command) throw new Error(`spawned event for unknown request ${event.aux}`);
    this.#requests.delete(event.aux);
    const process = this.kernel.createProcess(command.host, event.aux2, command.path, event.tid, {
      ignored: BigInt(command.ignored ?? "0"),
      ownSession: command.terminal === true,
    });
    this.#topLevel.set(process, command.id);
    this.#beforeExec.set(event.tid, command.id);
    this.#argv.set(process, command.args);
  }

  #hostOpened(event: RawEvent): void {
    const host = this.kernel.hostByIndex(event.aux2);
    if (!host) throw new Error(`host-opened event for unknown host ${event.aux2}`);
    const error = event.value === 0n ? null : namespaceFailure(Number(-event.value), text(event.payload));
    this.notify({ type: "host-opened", host: host.name, error });
  }

  #spawnFailed(id: number, errno: number, what: string): void {
    this.#requests.delete(id);
    this.notify({ type: "spawn-failed", id, errno, message: spawnFailure(errno, what) });
  }
}

/** The longest argv text an exec event keeps (a bound on report.json), in characters. */
const ARGV_TEXT_MAX = 4096;

/**
 * argv from /proc/<tid>/cmdline as it reads at the exec stop, before the program can rewrite it;
 * cut at {@linkcode ARGV_TEXT_MAX} characters, a cut list ending in "…". Null when unreadable.
 */
function cmdline(text: string | null): string[] | null {
  if (text === null || text === "") return null;
  const cut = text.length > ARGV_TEXT_MAX;
  const argv = (cut ? text.slice(0, ARGV_TEXT_MAX) : text).replace(/\0$/, "").split("\0");
  if (cut) argv.push("…");
  return argv;
}

/** The program's path an exec event carries, unless it did not fit (or could not be read). */
function execPath(event: RawEvent): string | null {
  const length = Number(BigInt.asIntN(64, event.args[0]));
  if (length <= 0 || length >= event.payload.length) return null;
  return new TextDecoder().decode(event.payload.subarray(0, length));
}

function text(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end >= 0 ? bytes.subarray(0, end) : bytes);
}

const MESSAGES: Record<number, string> = {
  [Errno.ENOENT]: "No such file or directory",
  [Errno.EACCES]: "Permission denied",
  [Errno.ENOEXEC]: "Exec format error",
  [Errno.ENOTDIR]: "Not a directory",
  [Errno.EAGAIN]: "Resource temporarily unavailable",
  [Errno.ENOMEM]: "Cannot allocate memory",
  [Errno.E2BIG]: "Argument list too long",
  [Errno.EINVAL]: "Invalid argument",
  [Errno.EPERM]: "Operation not permitted",
  [Errno.ENOSPC]: "No space left on device",
  [Errno.ESRCH]: "No such process",
};

function errnoMessage(errno: number): string {
  return MESSAGES[errno] ?? `errno ${errno}`;
}

/**
 * A failed spawn in one line. `what` names a step of making the host (its namespaces, its init)
 * when that is what failed.
 */
function spawnFailure(errno: number, what: string): string {
  return what === "" ? errnoMessage(errno) : namespaceFailure(errno, what);
}

/** Making a host's namespaces failed at step `what`, in one line that says what to change. */
function namespaceFailure(errno: number, what: string): string {
  const remedy = errno === Errno.EPERM || errno === Errno.ENOSPC || errno === Errno.EACCES
    ? ": umbra needs pid, mount and user namespaces (allow unprivileged user namespaces: sysctl " +
      "kernel.unprivileged_userns_clone=1, kernel.apparmor_restrict_unprivileged_userns=0, " +
      "user.max_user_namespaces > 0; in a container, a seccomp profile that permits unshare and clone with " +
      "namespace flags)"
    : "";
  return `cannot make the sandbox's namespaces (${what}): ${errnoMessage(errno)}${remedy}`;
}
