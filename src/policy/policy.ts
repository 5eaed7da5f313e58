/**
 * The policy: turns each tracer event into model transitions and replies. Runs in the Worker.
 * Data flows one way: event -> syscall table -> handler -> kernel model -> reply.
 * @module
 */

import { basename } from "node:path";
import { Errno } from "../abi/errno.ts";
import { decodeUsage } from "../abi/rusage.ts";
import { carriesPid, setSiginfoPid, SiCode, siginfoCode, siginfoPid } from "../abi/siginfo.ts";
import { defaultAction, Signal, signalName, SIGRTMIN } from "../abi/signals.ts";
import { SYS } from "../abi/syscalls.ts";
import { type ExitStatus, exitStatusFromWait } from "../kernel/exit_status.ts";
import { Kernel, type KernelObserver } from "../kernel/kernel.ts";
import { VirtualClock } from "../kernel/clock.ts";
import { SIG_DFL } from "../kernel/signal_actions.ts";
import type { Process } from "../kernel/process.ts";
import type { ExitHook, Thread } from "../kernel/thread.ts";
import type { UmbraEvent } from "../report/events.ts";
import type { TraceeMemory } from "../native/memory.ts";
import {
  EventKind,
  FLAG_CREATION,
  FLAG_EXIT_STOP,
  FLAG_EXIT_VALUE,
  FLAG_RESTORE_ARGS,
  HELD,
  OBSERVED,
  PayloadOffset,
  type RawEvent,
  REGISTER_RAX,
  REGISTER_RESTART,
  type ReplyBatch,
  ReplyKind,
} from "../native/protocol.ts";
import { CloneFlag } from "../syscalls/clone.ts";
import type { Blocked, Limits, NativeServices, Outcome, SyscallContext } from "../syscalls/context.ts";
import { SYSCALL_TABLE } from "../syscalls/table.ts";
import { type CapturedMemory, captureEnd, captureEntry, readObserved } from "./strace_memory.ts";
import type { Notice, SpawnCommand } from "./messages.ts";
import {
  ForgedSiginfos,
  pendingNatively,
  PendingSignals,
  queuedNatively,
  SHARED,
  unblockedPending,
  unblockedPendingSignals,
  wouldInterrupt,
} from "./signals.ts";

/** Traced syscalls in a row without blocking after which a thread's time is charged. */
const BUSY_SYSCALLS = 1000;
/** Virtual time one traced syscall of a busy thread costs (Shadow's unblocked_syscall_latency). */
const SYSCALL_COST_NS = 1_000n;

/** What the policy needs from the native side. */
export interface PolicyNative {
  memory: TraceeMemory;
  /** kill (tgid 0) or tgkill from umbra; 0 or -errno. */
  signal(tgid: number, tid: number, signal: number): number;
  readProc(path: string): string | null;
  /** The target of a /proc symbolic link, or null. */
  readProcLink(path: string): string | null;
  /** Whether what /proc/<path> names (links followed) is on the filesystem mounted at /proc. */
  onProcfs(path: string): boolean;
  /** Duplicates a program's descriptor into umbra (pidfd_getfd); returns it or -errno. */
  duplicateFd(nativePid: number, fd: number): number;
  /** Arms a timerfd of umbra's to fire once after `ns` (0 disarms). */
  armTimerfd(fd: number, ns: bigint): void;
  /** umbra's own pid: the sender of signals umbra injects. */
  pid: number;
  uid: number;
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
  /** A `registers` event: the registers of `tid` are in the debugger's buffer. */
  registers(tid: number): void;
}

/** What the policy reports as it goes (both off by default: they cost messages). */
export interface Reporting {
  /** Emit UmbraEvents (start, fork, exec, signal, exit). */
  events: boolean;
  /** Emit a SyscallRecord per intercepted syscall (strace logging; forces exit stops). */
  syscalls: boolean;
}

/** The policy state of one sandbox. */
export class Policy implements KernelObserver {
  readonly kernel: Kernel;
  /** Spawn requests sent to the tracer, by request id. */
  readonly #requests = new Map<number, SpawnCommand>();
  /** Virtual pids reserved for spawn requests, by request id. */
  readonly #reserved = new Map<number, number>();
  /** Top-level processes umbra started, to their request id. */
  readonly #topLevel = new Map<Process, number>();
  /** Spawned processes that have not completed their first exec, by native pid. */
  readonly #beforeExec = new Map<number, number>();
  /** argv of top-level processes until their first exec (for the start event). */
  readonly #argv = new Map<Process, string[]>();
  /** Threads held in a job-control group stop (native tids), by process. */
  readonly #held = new Map<Process, Set<number>>();
  /** Threads in a native wait with a virtual timeout (Thread.timedWait). */
  readonly #timedWaits = new Set<Thread>();
  /** Threads parked in a blocking call, with the call. */
  readonly #blocked = new Map<Thread, Blocked>();
  readonly #pending = new PendingSignals();
  /** siginfos programs queued to themselves with kill's or the kernel's codes (their si_pid is theirs). */
  readonly #forged = new ForgedSiginfos();
  readonly #services: NativeServices;
  /** The batch being filled; observer callbacks add replies to it. */
  #replies: ReplyBatch | null = null;
  /** Set while a process is paused for debugging. */
  debug: DebugObserver | null = null;

  constructor(
    private readonly native: PolicyNative,
    private readonly notify: (notice: Notice) => void,
    private readonly limits: Limits,
    clock: VirtualClock = new VirtualClock(),
    private readonly reporting: Reporting = { events: false, syscalls: false },
  ) {
    this.kernel = new Kernel(this, native.uid, clock);
    this.#services = {
      signal: (tgid, tid, signal) => native.signal(tgid, tid, signal),
      signalled: (process, signal) => this.#signalled(process, signal),
      timedWait: (thread, wait) => {
        thread.timedWait = wait;
        if (wait) this.#timedWaits.add(thread);
        else this.#timedWaits.delete(thread);
      },
      watching: (process) => this.#held.has(process) || [...process.threads.values()].some((t) => this.#blocked.has(t)),
      readProc: (path) => native.readProc(path),
      readProcLink: (path) => native.readProcLink(path),
      onProcfs: (path) => native.onProcfs(path),
      inject: (process, signal, siginfo) => this.sendSignal(process, signal, siginfo),
      duplicateFd: (nativePid, fd) => native.duplicateFd(nativePid, fd),
      armTimerfd: (fd, ns) => native.armTimerfd(fd, ns),
      virtualSiginfo: (thread, signal, siginfo) => this.#virtualSiginfo(thread, signal, siginfo),
      forged: (process, siginfo) => this.#forged.add(process.id, siginfo),
      lostSiginfo: (thread) =>
        this.#pending.reconcile(
          thread.process.id,
          [thread.id, SHARED],
          (queue, signal) => queuedNatively(this.native.readProc, thread, queue, signal),
        ),
      discarded: (process, signal) => this.#pending.discard(process.id, signal),
    };
  }

  /**
   * Reserves the virtual pid of a spawn request about to be submitted and returns the command
   * with its output paths filled in.
   */
  requested(command: SpawnCommand): SpawnCommand {
    const pid = this.kernel.reserveId(command.host);
    this.#reserved.set(command.id, pid);
    this.#requests.set(command.id, command);
    if (command.outputDirectory === null) return command;
    const base = `${command.outputDirectory}/${basename(command.path)}.${pid}`;
    return { ...command, stdio: [command.stdio[0], `${base}.stdout`, `${base}.stderr`] };
  }

  /** A spawn request that never made a process (refused before or by the tracer): it fails with `errno`. */
  refused(id: number, errno: number): void {
    this.#spawnFailed(id, errno);
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

  /** Sends `signal` to a process from outside the sandbox (the sandbox's kill). */
  signalFromHost(process: Process, signal: number, replies: ReplyBatch): void {
    this.#withReplies(replies, () => {
      if (this.native.signal(0, process.common.nativePid, signal) === 0) this.#signalled(process, signal);
    });
  }

  /** KernelObserver: a process ended. */
  exited(process: Process, status: ExitStatus): void {
    const time = String(this.kernel.clock.now);
    this.#emit({ kind: "exit", time, host: process.common.host, pid: process.id, status });
    this.#argv.delete(process);
    const id = this.#topLevel.get(process);
    if (id === undefined) return;
    this.#topLevel.delete(process);
    this.notify({ type: "exited", id, pid: process.id, status, time: String(this.kernel.clock.now) });
  }

  /** KernelObserver: the parent's blocked waits look again. */
  childrenChanged(parent: Process): void {
    for (const thread of parent.threads.values()) {
      const blocked = this.#blocked.get(thread);
      if (!blocked) continue;
      const outcome = blocked.retry();
      if (!outcome) continue;
      this.#blocked.delete(thread);
      this.#reply(thread, 0, outcome);
    }
  }

  /** KernelObserver: umbra sends a signal with an exact siginfo (SIGCHLD, PR_SET_PDEATHSIG, timers). */
  sendSignal(process: Process, signal: number, siginfo: Uint8Array, thread?: number): void {
    if (process.state.kind !== "runnable") return;
    const target = thread === undefined ? undefined : process.threads.get(thread);
    if (thread !== undefined && !target) return; // the thread is gone: the kernel drops it too
    const queue = target?.id ?? SHARED;
    const reader = target ?? process.threads.values().next().value;
    // A standard signal pending already merges with it: the kernel keeps the first siginfo.
    if (signal < SIGRTMIN && reader && queuedNatively(this.native.readProc, reader, queue, signal)) return;
    this.#pending.add(process.id, queue, signal, siginfo);
    const sent = target
      ? this.native.signal(process.common.nativePid, target.nativeTid, signal)
      : this.native.signal(0, process.common.nativePid, signal);
    if (sent === 0) this.#signalled(process, signal);
  }

  /** Handles one event, appending replies for stopped threads. */
  handle(event: RawEvent, replies: ReplyBatch): void {
    this.#withReplies(replies, () => this.#dispatch(event));
  }

  /**
   * After a batch: timers that clock reads carried past their deadline fire, and sleeps that
   * ended wake.
   */
  settle(replies: ReplyBatch): void {
    this.#withReplies(replies, () => this.#advanceTo(this.kernel.clock.now));
  }

  /** The earliest virtual time something waits for (a timer, a sleep, a timeout), if any. */
  nextDeadline(): bigint | undefined {
    let next = this.kernel.clock.nextDeadline();
    const consider = (time: bigint | undefined) => {
      if (time !== undefined && (next === undefined || time < next)) next = time;
    };
    for (const blocked of this.#blocked.values()) consider(blocked.wakeAt);
    for (const thread of this.#timedWaits) consider(thread.timedWait?.deadline);
    return next;
  }

  /**
   * Called when no event came for a while: if every live thread waits (parked in a call, held in
   * a stop, or asleep in the kernel), virtual time jumps to the next deadline. Returns whether it did.
   */
  advanceIfIdle(replies: ReplyBatch): boolean {
    const next = this.nextDeadline();
    // A program on its way in (spawned, not yet exec'd) is not waiting.
    if (next === undefined || this.#requests.size > 0 || this.#beforeExec.size > 0 || !this.#everyoneWaits()) {
      return false;
    }
    this.#withReplies(replies, () => this.#advanceTo(next));
    return true;
  }

  #everyoneWaits(): boolean {
    for (const process of this.kernel.processes()) {
      if (this.#held.has(process)) continue;
      for (const thread of process.threads.values()) {
        if (this.#blocked.has(thread)) continue;
        // Only a native sleep counts. A thread that is gone or dying has its exit event on the
        // way; one in a ptrace stop umbra does not hold has an event in flight; both are news.
        const stat = this.native.readProc(`${process.common.nativePid}/task/${thread.nativeTid}/stat`);
        if (stat === null) return false;
        const state = stat[stat.lastIndexOf(")") + 2];
        if (state !== "S" && state !== "D") return false;
      }
    }
    return true;
  }

  #advanceTo(time: bigint): void {
    this.kernel.clock.advanceTo(time);
    for (const [thread, blocked] of this.#blocked) {
      if (blocked.wakeAt === undefined || blocked.wakeAt > time) continue;
      const outcome = blocked.retry();
      if (!outcome) continue;
      this.#blocked.delete(thread);
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

  #push(...args: Parameters<ReplyBatch["push"]>): Uint8Array {
    if (!this.#replies) throw new Error("reply outside of a batch");
    return this.#replies.push(...args);
  }

  #dispatch(event: RawEvent): void {
    switch (event.kind) {
      case EventKind.syscall:
        return this.#syscall(event);
      case EventKind.syscallExit:
      case EventKind.injected:
        return this.#syscallExit(event);
      case EventKind.fork:
      case EventKind.vfork:
      case EventKind.clone:
        return this.#creation(event);
      case EventKind.exec:
        return this.#exec(event);
      case EventKind.exiting:
        return this.#exiting(event);
      case EventKind.exited:
        return this.#exited(event);
      case EventKind.signal:
        return this.#signal(event);
      case EventKind.registers:
        return this.debug?.registers(event.tid);
      case EventKind.groupStop:
        return this.#groupStop(event);
      case EventKind.spawned:
        return this.#spawned(event);
      case EventKind.spawnFailed:
        return this.refused(event.aux, Number(-event.value));
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
    const entry = SYSCALL_TABLE.get(nr);
    if (!thread || !entry) {
      if (event.aux2 !== OBSERVED) this.#push(ReplyKind.continue, event.tid);
      return;
    }
    const isObserved = event.aux2 === OBSERVED;
    const memory = this.native.memory;
    // With strace logging the filter traces observed rows fully (see filterRules); their memory is read here.
    const observed = isObserved
      ? (event.aux > 0 ? event.payload.slice(0, event.aux) : null)
      : entry.observe
      ? readObserved(memory, thread.nativeTid, event.args, entry.observe)
      : null;
    const captured = this.reporting.syscalls
      ? captureEntry(memory, thread.nativeTid, nr, event.args, entry.observe && { ...entry.observe, bytes: observed })
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
    const handled = entry.handler(context);
    const outcome = this.reporting.syscalls
      ? this.#recorded(thread, nr, event.args, handled, isObserved, captured)
      : handled;
    this.#chargeBusy(thread, outcome);
    if (!isObserved) return this.#reply(thread, nr, outcome);
    if (outcome.kind !== "native" || outcome.exit || outcome.exitValue !== undefined) {
      throw new Error(`handler of observed syscall ${entry.name} must run it natively`);
    }
  }

  /**
   * A thread that makes BUSY_SYSCALLS traced syscalls in a row without blocking is charged
   * SYSCALL_COST_NS for each, so that a busy loop (a fork bomb spinning on EAGAIN, a polling
   * loop) moves virtual time on to its timers and to a run's stop time. Threads that block keep
   * exact times.
   */
  #chargeBusy(thread: Thread, outcome: Outcome): void {
    if (outcome.kind === "block" || thread.timedWait !== null) {
      thread.busySyscalls = 0;
      return;
    }
    if (++thread.busySyscalls < BUSY_SYSCALLS) return;
    thread.busySyscalls = 0;
    this.#advanceTo(this.kernel.clock.now + BigInt(BUSY_SYSCALLS) * SYSCALL_COST_NS);
  }

  /**
   * strace logging: the same outcome, made to report the syscall with its result once known
   * (an exit stop is added where the outcome had none).
   */
  #recorded(
    thread: Thread,
    nr: number,
    args: readonly bigint[],
    outcome: Outcome,
    observed: boolean,
    captured: CapturedMemory | undefined,
  ): Outcome {
    const process = thread.process;
    const record = (result: bigint | null) => {
      const memory = result !== null
        ? captureEnd(this.native.memory, thread.nativeTid, nr, args, result, captured)
        : captured;
      this.notify({
        type: "syscall",
        host: process.common.host,
        root: process.common.logRoot,
        record: {
          time: String(this.kernel.clock.now),
          tid: thread.id,
          nr,
          args: args.map((arg) => String(arg)),
          result: result === null ? null : String(result),
          ...(memory && { memory }),
        },
      });
    };
    if (observed) {
      record(null);
      return outcome;
    }
    switch (outcome.kind) {
      case "return":
        record(outcome.value);
        return outcome;
      case "block": {
        const { blocked } = outcome;
        return {
          kind: "block",
          blocked: {
            ...blocked,
            retry: () => {
              const done = blocked.retry();
              if (done?.kind === "return") record(done.value);
              return done;
            },
            onInterrupt: () => {
              blocked.onInterrupt?.();
              record(-BigInt(blocked.restartErrno));
            },
          },
        };
      }
      default: {
        if (outcome.exitValue !== undefined && !outcome.exit) {
          // The tracer would apply it on success without a stop; logged, the result is seen at one.
          const { exitValue } = outcome;
          const exit: ExitHook = (result) => {
            const value = result < 0n ? result : exitValue;
            record(value);
            return value;
          };
          return { ...outcome, exitValue: undefined, exit };
        }
        const inner = outcome.exit ?? ((result: bigint) => result);
        const wrap = (hook: ExitHook): ExitHook => (result) => {
          const next = hook(result);
          if (typeof next === "bigint") record(next);
          else if ("inject" in next) return { ...next, then: wrap(next.then) };
          return next;
        };
        return { ...outcome, exit: wrap(inner) };
      }
    }
  }

  /** Turns a handler's outcome into the reply for a thread stopped at syscall entry. */
  #reply(thread: Thread, nr: number, outcome: Outcome): void {
    const tid = thread.nativeTid;
    if (outcome.kind === "return") {
      this.#push(ReplyKind.emulate, tid, { value: outcome.value });
      return;
    }
    if (outcome.kind === "block") {
      this.#blocked.set(thread, outcome.blocked);
      return;
    }
    thread.exitHook = outcome.exit ?? null;
    let flags = (outcome.exit ? FLAG_EXIT_STOP : 0) | (outcome.exitValue !== undefined ? FLAG_EXIT_VALUE : 0);
    const payload = outcome.kind === "native"
      ? this.#push(ReplyKind.continue, tid, { aux2: flags })
      : this.#push(ReplyKind.rewrite, tid, {
        value: BigInt(outcome.nr ?? nr),
        args: outcome.args,
        aux2: flags |= (outcome.restore ? FLAG_RESTORE_ARGS : 0) | (outcome.creation ? FLAG_CREATION : 0),
      });
    // The payload is written after the flags were set in the record: both describe one reply.
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    if (outcome.exitValue !== undefined) view.setBigInt64(PayloadOffset.exitValue, outcome.exitValue, true);
    if (outcome.kind === "rewrite" && outcome.creation) {
      view.setBigUint64(PayloadOffset.parentTidAddress, outcome.creation.parentTidAddress, true);
      view.setBigUint64(PayloadOffset.childTidAddress, outcome.creation.childTidAddress, true);
      view.setInt32(PayloadOffset.childTid, outcome.creation.childId, true);
    }
  }

  /** A syscall-exit stop, or the end of a syscall injected at one: the exit hook decides. */
  #syscallExit(event: RawEvent): void {
    const thread = this.kernel.thread(event.tid);
    // A fork that failed natively: no creation event will come, and the process limit counts it no more.
    if (thread?.creation && event.value < 0n) {
      this.kernel.releaseId(thread.process.common.host, thread.creation.childId);
      thread.creation = null;
    }
    const hook = thread?.exitHook;
    if (!thread || !hook) {
      this.#push(ReplyKind.continue, event.tid);
      return;
    }
    const result = hook(event.value);
    if (typeof result === "bigint") {
      thread.exitHook = null;
      this.#push(ReplyKind.setRegisters, event.tid, { aux: REGISTER_RAX, value: result });
      return;
    }
    if ("restart" in result) {
      thread.exitHook = null;
      this.#push(ReplyKind.setRegisters, event.tid, { aux: REGISTER_RESTART });
      return;
    }
    thread.exitHook = result.then;
    // An injected call the filter traces would stop at its own entry, inside the injection.
    const row = SYSCALL_TABLE.get(result.inject.nr);
    if (row && !row.when) throw new Error(`injected ${row.name}, which the filter traces`);
    this.#push(ReplyKind.inject, event.tid, { value: BigInt(result.inject.nr), args: result.inject.args });
  }

  /** A fork/vfork/clone event (informational: the tracer fixed up and resumed parent and child). */
  #creation(event: RawEvent): void {
    const creator = this.kernel.thread(event.tid);
    const creation = creator?.creation;
    if (!creator || !creation) return;
    creator.creation = null;
    if (creation.flags & CloneFlag.CLONE_THREAD) {
      this.kernel.createThread(creator, event.aux, creation.childId);
      return;
    }
    const child = this.kernel.forkProcess(creator, event.aux, creation.flags, creation.childId);
    const { host, parent, name } = child.common;
    this.#emit({ kind: "fork", time: String(this.kernel.clock.now), host, pid: child.id, parent, name });
  }

  /** An exec event (informational: the tracer resumed the thread). */
  #exec(event: RawEvent): void {
    const thread = this.kernel.thread(event.aux);
    const process = thread?.process;
    if (!process) return;
    for (const other of process.threads.values()) this.#blocked.delete(other);
    const path = this.native.readProcLink(`${event.tid}/exe`) ?? process.common.executable;
    this.kernel.exec(event.tid, event.aux, path);
    const request = this.#beforeExec.get(event.tid);
    const host = process.common.host;
    const time = String(this.kernel.clock.now);
    if (request === undefined) this.#emit({ kind: "exec", time, host, pid: process.id, path });
    else {
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
    }
    if (request !== undefined) {
      this.#beforeExec.delete(event.tid);
      this.notify({
        type: "started",
        id: request,
        pid: process.id,
        nativePid: event.tid,
        name: process.common.name,
        time: String(this.kernel.clock.now),
      });
      if (event.aux2 === HELD) this.debug?.held(process, event.tid, request);
    }
  }

  #exited(event: RawEvent): void {
    const usage = decodeUsage(event.args[0], event.args[1], event.payload);
    let status = exitStatusFromWait(Number(event.value));
    const request = this.#beforeExec.get(event.tid);
    if (request !== undefined && status.kind === "exited") {
      // The child exits with the errno of a failed set-up or execve (spawn.zig).
      this.#beforeExec.delete(event.tid);
      this.#spawnFailed(request, status.code);
      status = { kind: "exited", code: status.code === Errno.ENOENT ? 127 : 126 };
    }
    const thread = this.kernel.thread(event.tid);
    if (thread) {
      this.#blocked.delete(thread);
      this.#timedWaits.delete(thread);
      this.#held.get(thread.process)?.delete(event.tid);
      this.#pending.forgetThread(thread.process.id, thread.id);
    }
    const process = this.kernel.threadGone(event.tid, status, usage);
    if (process) {
      this.#pending.forget(process.id);
      this.#forged.forget(process.id);
      this.#held.delete(process);
    }
  }

  /** A thread at its exit stop; the leader's name (the tracer read it there) is its zombie's. */
  #exiting(event: RawEvent): void {
    const process = this.kernel.thread(event.tid)?.process;
    if (process?.common.nativePid === event.tid && event.aux > 0) {
      process.common.comm = new TextDecoder().decode(event.payload.subarray(0, event.aux));
    }
    this.kernel.threadExiting(event.tid);
  }

  /** Resumes a thread a debugger held at signal stop `event`, delivering the signal as usual. */
  deliverHeld(event: RawEvent, replies: ReplyBatch): void {
    this.#withReplies(replies, () => this.#deliver(event, this.kernel.thread(event.tid)));
  }

  #signal(event: RawEvent): void {
    const thread = this.kernel.thread(event.tid);
    if (thread && this.debug?.trapped(thread, event)) return;
    this.#deliver(event, thread);
  }

  #deliver(event: RawEvent, thread: Thread | undefined): void {
    if (thread && this.#continuedSince(thread, event.aux)) {
      this.#push(ReplyKind.continue, event.tid); // SIGCONT came while the stop signal waited here
      return;
    }
    if (thread) this.kernel.delivering(thread.process, event.aux);
    const siginfo = thread ? this.#virtualSiginfo(thread, event.aux, event.payload) : null;
    if (siginfo) this.#push(ReplyKind.deliverSiginfo, event.tid, { aux: event.aux }).set(siginfo);
    else this.#push(ReplyKind.continue, event.tid, { aux: event.aux });
    if (thread && this.reporting.events) {
      const delivered = siginfo ?? event.payload;
      const code = siginfoCode(delivered);
      const sender = carriesPid(delivered) || code === SiCode.SI_QUEUE ? siginfoPid(delivered) : 0;
      this.#emit({
        kind: "signal",
        time: String(this.kernel.clock.now),
        host: thread.process.common.host,
        from: sender > 0 ? sender : null,
        to: thread.process.id,
        signal: signalName(event.aux) ?? String(event.aux),
      });
    }
  }

  /** See NativeServices.virtualSiginfo. */
  #virtualSiginfo(thread: Thread, signal: number, siginfo: Uint8Array | null): Uint8Array | null {
    const process = thread.process;
    if (siginfo === null) {
      // Dequeued unseen (sigwaitinfo with no siginfo). The thread's own queue goes first: the shared
      // one still holding the signal, or holding no record of it, says the thread's own gave it.
      if (signal >= SIGRTMIN) return null;
      const sharedRemains = queuedNatively(this.native.readProc, thread, SHARED, signal);
      if (sharedRemains || !this.#pending.take(process.id, SHARED, signal)) {
        this.#pending.take(process.id, thread.id, signal);
      }
      return null;
    }
    const code = siginfoCode(siginfo);
    // umbra sends with kill (SI_USER, process-wide) or, to one thread, tgkill (SI_TKILL).
    if ((code === SiCode.SI_USER || code === SiCode.SI_TKILL) && siginfoPid(siginfo) === this.native.pid) {
      const injected = this.#pending.take(process.id, code === SiCode.SI_TKILL ? thread.id : SHARED, signal);
      if (injected) return injected;
    }
    if (this.#forged.take(process.id, siginfo)) return null; // the program wrote it, pid and all
    if (!carriesPid(siginfo)) return null;
    // A sender outside the sandbox (umbra itself, the host) shows as pid 0, like the kernel.
    const copy = siginfo.slice();
    setSiginfoPid(copy, this.kernel.senderByNative(siginfoPid(siginfo))?.id ?? 0);
    return copy;
  }

  /**
   * A thread entered a job-control group stop: it stays held there (a plain ptrace tracee would
   * run on) until SIGCONT; the first one stops the process in the model.
   */
  #groupStop(event: RawEvent): void {
    const thread = this.kernel.thread(event.tid);
    if (!thread || thread.process.state.kind !== "runnable") {
      this.#push(ReplyKind.continue, event.tid);
      return;
    }
    if (this.#continuedSince(thread, Signal.SIGSTOP)) {
      this.#push(ReplyKind.continue, event.tid);
      return;
    }
    const process = thread.process;
    let held = this.#held.get(process);
    if (!held) this.#held.set(process, held = new Set());
    held.add(event.tid);
    this.kernel.stopped(process, event.aux);
  }

  /**
   * Whether a stop by `signal` must not happen because SIGCONT arrived after the stop signal was
   * dequeued (sending a stop signal removes a pending SIGCONT, so a pending one is younger).
   * Without ptrace the kernel would have stopped first and continued at once.
   */
  #continuedSince(thread: Thread, signal: number): boolean {
    if (defaultAction(signal) !== "stop" || thread.process.state.kind !== "runnable") return false;
    if (thread.process.state.signalActions.get(signal).handler !== SIG_DFL) return false;
    return pendingNatively(this.native.readProc, thread, Signal.SIGCONT);
  }

  /** SIGCONT reached a stopped process: its held threads run again (and take the SIGCONT). */
  #continue(process: Process): void {
    if (!this.kernel.continued(process)) return;
    for (const tid of this.#held.get(process) ?? []) this.#push(ReplyKind.continue, tid);
    this.#held.delete(process);
  }

  /**
   * A native signal is queued for `process`. SIGCONT resumes a stopped process; otherwise a
   * blocked call of one of its threads that would take the signal ends now (the kernel then runs
   * the handler, stops, or dies, and restarts the call or returns EINTR).
   */
  #signalled(process: Process, signal: number): void {
    if (signal === Signal.SIGCONT) this.#continue(process);
    for (const thread of process.threads.values()) {
      const blocked = this.#blocked.get(thread);
      if (!blocked || !wouldInterrupt(this.native.readProc, thread, signal)) continue;
      this.#blocked.delete(thread);
      // Run a harmless syscall in its place; at its exit the original number and arguments are
      // back and the result says "interrupted", so the kernel's restart logic applies. Unless the
      // kernel gave a process-wide signal to another thread meanwhile (this one was stopped):
      // with nothing pending here, "interrupted" would reach the program, so the call runs again.
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
   * Signals sent from outside umbra (a terminal's Ctrl-C, a host `kill`) queue natively while a
   * thread is parked in a call umbra holds, or held in a stop: nothing wakes it. Called when umbra
   * itself gets such a signal, and now and then: what is pending for a parked or held thread
   * interrupts it as a signal from umbra would.
   */
  noticeOutsideSignals(replies: ReplyBatch): void {
    this.#withReplies(replies, () => {
      const threads = new Set([...this.#blocked.keys()]);
      for (const process of this.#held.keys()) for (const thread of process.threads.values()) threads.add(thread);
      const seen = new Set<Process>();
      for (const thread of threads) {
        if (seen.has(thread.process)) continue;
        const signals = unblockedPendingSignals(this.native.readProc, thread);
        if (signals.length === 0) continue;
        seen.add(thread.process);
        for (const signal of signals) this.#signalled(thread.process, signal);
      }
    });
  }

  #spawned(event: RawEvent): void {
    const command = this.#requests.get(event.aux);
    if (!command) throw new Error(`spawned event for unknown request ${event.aux}`);
    this.#requests.delete(event.aux);
    const pid = this.#reserved.get(event.aux)!;
    this.#reserved.delete(event.aux);
    const process = this.kernel.createProcess(command.host, pid, command.path, event.tid);
    this.#topLevel.set(process, command.id);
    this.#beforeExec.set(event.tid, command.id);
    this.#argv.set(process, command.args);
  }

  #spawnFailed(id: number, errno: number): void {
    this.#requests.delete(id);
    this.#reserved.delete(id);
    this.notify({ type: "spawn-failed", id, errno, message: errnoMessage(errno) });
  }
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
};

function errnoMessage(errno: number): string {
  return MESSAGES[errno] ?? `errno ${errno}`;
}
