/**
 * Deterministic scheduling: one program thread runs at a time, and control changes hands only
 * at stops umbra sees, in an order fixed by the seed.
 *
 * Every reply that would resume a thread passes through here instead of going to the tracer.
 * A thread resumed into user space is the *current* one: no other runs user code until it stops
 * again. A thread resumed into a call that may sleep until another thread acts (a read, a wait,
 * a futex) goes *into the kernel* with its exit stop asked for, so it cannot run user code
 * before it is chosen again; before the next choice umbra waits until it is either asleep
 * (/proc says S or D) or back at a stop. So at every choice the set of threads that can run is
 * what the program's own actions made it, not what the machine's timing made it.
 * @module
 */

import { SYS } from "../abi/syscalls.ts";
import { CloneFlag } from "../syscalls/clone.ts";
import { EventKind, FLAG_EXIT_STOP, OBSERVED, type RawEvent, REGISTER_RESTART, ReplyKind } from "../native/protocol.ts";

/** How a sandbox schedules its threads: natively (the kernel's order), one at a time in a fixed order, or in a seeded random one. */
export type ScheduleMode = "native" | "deterministic" | "random";

/** The schedule modes, for option parsing. */
export const SCHEDULE_MODES: readonly ScheduleMode[] = ["native", "deterministic", "random"];

/** Calls that may sleep until another thread acts: they run with their exit stop asked for. */
const BLOCKING: ReadonlySet<number> = new Set([
  SYS.read,
  SYS.readv,
  SYS.write,
  SYS.writev,
  SYS.recvfrom,
  SYS.recvmsg,
  SYS.recvmmsg,
  SYS.sendto,
  SYS.sendmsg,
  SYS.sendmmsg,
  SYS.accept,
  SYS.accept4,
  SYS.connect,
  SYS.poll,
  SYS.ppoll,
  SYS.select,
  SYS.pselect6,
  SYS.epoll_wait,
  SYS.epoll_pwait,
  SYS.epoll_pwait2,
  SYS.futex,
  SYS.futex_waitv,
  SYS.wait4,
  SYS.waitid,
  SYS.pause,
  SYS.rt_sigsuspend,
  SYS.rt_sigtimedwait,
  SYS.nanosleep,
  SYS.clock_nanosleep,
  SYS.flock,
  SYS.fcntl,
  SYS.open,
  SYS.openat,
  SYS.openat2,
  SYS.msgrcv,
  SYS.msgsnd,
  SYS.semop,
  SYS.semtimedop,
  SYS.mq_timedreceive,
  SYS.mq_timedsend,
  SYS.sendfile,
  SYS.splice,
  SYS.tee,
  SYS.vmsplice,
  SYS.copy_file_range,
  SYS.io_getevents,
  SYS.io_pgetevents,
  SYS.ioctl,
]);

/** Where the turn may pass: the filter traces these under deterministic scheduling. */
export const SWITCH_POINTS: ReadonlySet<number> = new Set([...BLOCKING, SYS.sched_yield]);

/**
 * Stops the current thread may make in a row before it goes to the back of the queue
 * (deterministic mode): threads that never block still take turns.
 */
const QUANTUM = 64;

/** Real time (ms) a thread may spin on the CPU while another waits for the turn; it costs as much virtual time. */
export const PREEMPT_SLICE_MS = 50;

/** Real time (ms) a thread alone may spin while only the clock waits; it costs as much virtual time. */
export const CLOCK_SLICE_MS = 250;

/** How long (ms) nothing may happen before threads in the kernel count as waiting for good. */
const IDLE_GRACE_MS = 2;

/** A resume held back until its thread is chosen. */
interface Resume {
  kind: number;
  fields: { aux?: number; aux2?: number; value?: bigint; args?: readonly bigint[] };
  /** It goes into a call that may sleep (its exit stop asked for). */
  blocking: boolean;
}

/** What the scheduler needs to know of the world outside. */
export interface SchedulerWorld {
  /** A thread's state letter from /proc (R, S, D, t, Z...), or null when it is gone. */
  state(tid: number): string | null;
  /** Whether every one of `tids` is asleep in the kernel (S or D in /proc). */
  asleep(tids: Int32Array): boolean;
  /** Whether programs are on their way in (spawned, not yet exec'd): their first stop decides too. */
  arriving(): boolean;
  /** A thread's place in an order that does not depend on real timing (host, then virtual tid). */
  rank(tid: number): number;
  /** The CPU time (ns) the process of thread `tid` has used, or null when it is gone. */
  cpuNs(tid: number): bigint | null;
  /** Whether `tid` leads a process whose other threads live on (its end is reported after theirs). */
  leaderWaits(tid: number): boolean;
}

/** The output of one scheduling step. */
export type Push = (kind: number, tid: number, fields: Resume["fields"]) => void;

/** One sandbox's scheduler (deterministic or random mode). */
export class Scheduler {
  /** The thread running user code, if any. */
  #current: number | null = null;
  /** When the current thread was resumed (performance.now()), and its process's CPU time then (ns). */
  #since = 0;
  #cpuSince = 0n;
  /** An interrupt was sent to the current thread. */
  #interrupting = false;
  /** The slice (ms) the last interrupt ended. */
  #slice = PREEMPT_SLICE_MS;
  /** The thread that was current at its last stop. */
  #last: number | null = null;
  /** The thread chosen last, and how many choices in a row it won. */
  #chosen: number | null = null;
  #streak = 0;
  /** Threads resumed into a call that may sleep (exit stop asked for). */
  readonly #inKernel = new Set<number>();
  /** Threads in the kernel interrupted at their wait's deadline: no choice until they are back. */
  readonly #waking = new Set<number>();
  /** Threads that restart a call (no user code before they are back in the kernel). */
  readonly #restarting = new Set<number>();
  /** Ready threads in the order they will be chosen (deterministic mode). */
  #ready: number[] = [];
  /** Resumes decided since the last choice, not yet in the queue. */
  readonly #arrived = new Map<number, Resume>();
  /** The resume each queued thread waits with. */
  readonly #resumes = new Map<number, Resume>();
  /** Whether the next resume of a thread goes into a call that may sleep. */
  readonly #blockingNext = new Map<number, boolean>();
  /**
   * Threads interrupted while asleep in a call not known to block: the call restarts, and is
   * treated as one that may sleep.
   */
  readonly #slept = new Set<number>();
  #random: () => number;
  /** When the scheduler first found nothing to run since the last event (performance.now()). */
  #idleSince: number | null = null;
  /**
   * Where the round trip that lets time jump stands: none asked since the last event, asked,
   * or answered with no event between (the tracer had nothing more to report).
   */
  #sync: "none" | "asked" | "answered" = "none";

  constructor(readonly mode: "deterministic" | "random", seed: bigint, private readonly world: SchedulerWorld) {
    this.#random = splitmix32(Number(BigInt.asUintN(32, seed ^ (seed >> 32n))));
  }

  /** Whether thread `tid` was resumed into a call that may sleep and has not stopped since. */
  inKernel(tid: number): boolean {
    return this.#inKernel.has(tid);
  }

  /**
   * Thread `tid`, asleep in the kernel, is being interrupted because its wait's virtual deadline
   * came: the next choice waits for its stop, so that it leaves the wait while no thread runs.
   * Returns false (nothing to do) when it is not in the kernel.
   */
  wake(tid: number): boolean {
    if (!this.#inKernel.has(tid) || this.#waking.has(tid)) return false;
    this.#waking.add(tid);
    this.#slept.add(tid); // its interrupt stop costs no slice
    return true;
  }

  /** The thread running user code now, if any. */
  get current(): number | null {
    return this.#current;
  }

  /** An event from the tracer: its thread stopped (or left), and what its next resume may do. */
  noteEvent(event: RawEvent): void {
    if (event.kind === EventKind.synced) {
      if (this.#sync === "asked") this.#sync = "answered";
      return;
    }
    const tid = event.tid;
    this.#idleSince = null;
    this.#sync = "none";
    switch (event.kind) {
      case EventKind.exited:
        return this.#gone(tid);
      case EventKind.groupStop:
        // The kernel holds it (PTRACE_LISTEN) until a SIGCONT: a `continued` event brings it back.
        return this.#stopped(tid, false);
      case EventKind.syscall: {
        if (event.aux2 === OBSERVED) return; // the tracer resumed it: it runs on
        const slept = this.#slept.delete(tid);
        const nr = Number(BigInt.asIntN(32, event.value));
        this.#stopped(tid, slept || BLOCKING.has(nr));
        // sched_yield gives the turn away, as it gives the CPU away natively.
        if (nr === SYS.sched_yield && this.#last === tid) this.#streak = QUANTUM;
        return;
      }
      case EventKind.fork:
      case EventKind.vfork:
      case EventKind.clone: {
        // The vfork parent sleeps until its child execs or exits; the child starts in user space.
        const flags = BigInt.asUintN(64, event.value);
        this.#stopped(tid, (flags & BigInt(CloneFlag.CLONE_VFORK)) !== 0n);
        this.#blockingNext.set(event.aux, false);
        return;
      }
      case EventKind.syscallExit:
      case EventKind.signal:
      case EventKind.exec:
      case EventKind.continued:
      case EventKind.interrupted:
        return this.#stopped(tid, false);
    }
  }

  #stopped(tid: number, blockingNext: boolean): void {
    if (this.#current === tid) {
      this.#current = null;
      this.#interrupting = false;
      this.#last = tid;
    }
    this.#inKernel.delete(tid);
    this.#waking.delete(tid);
    this.#blockingNext.set(tid, blockingNext);
  }

  #gone(tid: number): void {
    if (this.#current === tid) {
      this.#current = null;
      this.#interrupting = false;
    }
    if (this.#last === tid) this.#last = null;
    this.#inKernel.delete(tid);
    this.#waking.delete(tid);
    this.#restarting.delete(tid);
    this.#arrived.delete(tid);
    this.#resumes.delete(tid);
    this.#blockingNext.delete(tid);
    this.#slept.delete(tid);
    this.#ready = this.#ready.filter((ready) => ready !== tid);
  }

  /**
   * A reply for a stopped thread. Resumes wait for the thread's turn; a restart (the thread goes
   * straight back into the call it was in) goes at once, unseen by the order.
   */
  offer(kind: number, tid: number, fields: Resume["fields"], push: Push): void {
    if (
      kind !== ReplyKind.continue && kind !== ReplyKind.emulate && kind !== ReplyKind.rewrite &&
      kind !== ReplyKind.setRegisters
    ) return push(kind, tid, fields);
    // A rewritten call may sleep if the call it became may (a parked sleep's getpid does not).
    const rewritten = kind === ReplyKind.rewrite ? Number(BigInt.asIntN(32, fields.value ?? 0n)) : null;
    const blocking = this.#blockingNext.get(tid) === true &&
      (kind === ReplyKind.continue || (rewritten !== null && BLOCKING.has(rewritten)));
    const resume: Resume = blocking
      ? { kind, fields: { ...fields, aux2: (fields.aux2 ?? 0) | FLAG_EXIT_STOP }, blocking }
      : { kind, fields, blocking };
    const restart = kind === ReplyKind.setRegisters && ((fields.aux ?? 0) & REGISTER_RESTART) !== 0;
    if (restart || (blocking && this.#restarting.has(tid))) {
      if (restart) this.#restarting.add(tid);
      else this.#restarting.delete(tid);
      this.#inKernel.add(tid);
      return push(resume.kind, tid, resume.fields);
    }
    this.#restarting.delete(tid);
    this.#arrived.set(tid, resume);
  }

  /**
   * Chooses and resumes the next thread when none runs and every thread in the kernel has
   * settled (`beforeChoice` runs first: what it resumes joins the choice; false: no choice now,
   * the world is held). Returns "running" (a thread runs), "settling" (a thread in the kernel is on its way
   * back: look again soon) or "idle" (nothing can run: time may jump).
   */
  step(push: Push, beforeChoice: () => boolean): "running" | "settling" | "idle" {
    if (this.#current !== null) return "running";
    if (!this.#settled()) return "settling";
    if (!beforeChoice()) return "idle";
    if (this.#waking.size > 0) return "settling";
    this.#enqueueArrived();
    const tid = this.#choose();
    if (tid === undefined) return this.#idle(push);
    this.#idleSince = null;
    if (tid !== this.#chosen || this.#ready.length === 0) {
      this.#chosen = tid;
      this.#streak = 0;
    }
    const resume = this.#resumes.get(tid)!;
    this.#resumes.delete(tid);
    push(resume.kind, tid, resume.fields);
    if (resume.blocking) {
      this.#inKernel.add(tid);
      return "settling";
    }
    this.#current = tid;
    this.#since = performance.now();
    this.#cpuSince = this.world.cpuNs(tid) ?? 0n;
    return "running";
  }

  /**
   * The current thread, if it has run a whole slice without a stop and is not being interrupted
   * yet: it spins on the CPU, or sleeps in a call not known to block. Either way it is to be
   * interrupted, if that makes a difference: after PREEMPT_SLICE_MS when another thread waits
   * for the turn (or it sleeps), after CLOCK_SLICE_MS when only `timeWaits` (something waits for
   * the clock, which a spinning thread's slice moves). A spinning thread's slice is CPU time its
   * process used, so a machine's load (the thread runnable, but waiting for a CPU) does not end
   * it. Where a slice ends still depends on the CPU's speed, so an interrupt is never
   * deterministic: the longer clock slice keeps ordinary stretches of computation (a start-up, a
   * compile) well clear of it.
   */
  overdue(timeWaits: boolean): number | null {
    const tid = this.#current;
    if (tid === null || this.#interrupting) return null;
    const ran = performance.now() - this.#since;
    if (ran < PREEMPT_SLICE_MS) return null;
    const waiting = this.#ready.length > 0 || this.#arrived.size > 0;
    const slice = waiting ? PREEMPT_SLICE_MS : CLOCK_SLICE_MS;
    const state = this.world.state(tid);
    if (state === "Z") {
      // A leader that ended before its other threads: no event comes until they end too.
      // Any other zombie's end is on its way (the tracer has yet to collect it).
      if (this.world.leaderWaits(tid)) this.#current = null;
      return null;
    }
    if (state === "S" || state === "D") this.#slept.add(tid);
    else if (state !== "R" || !(waiting || timeWaits) || this.#cpuMs(tid) < slice) return null; // stopped or gone: its event is on the way
    this.#interrupting = true;
    this.#slice = slice;
    return tid;
  }

  /** The CPU time (ms) the process of the current thread `tid` used since it was resumed. */
  #cpuMs(tid: number): number {
    const now = this.world.cpuNs(tid);
    return now === null ? 0 : Number(now - this.#cpuSince) / 1e6;
  }

  /**
   * The current thread stopped for an interrupt: it goes to the back of the queue. Returns the
   * virtual time (ms) its slice costs: the slice, had it been spinning on the CPU; 0, had it been
   * asleep in a call.
   */
  interrupted(tid: number): number {
    if (this.#last === tid) this.#streak = QUANTUM;
    return this.#slept.has(tid) ? 0 : this.#slice;
  }

  /**
   * Nothing can run. With threads in the kernel, that holds only after a quiet grace and a
   * round trip to the tracer: its own work wakes threads (reaping a child wakes the parent's
   * wait, and sends its SIGCHLD), and under load the tracer may not have done that work yet.
   * The answer comes after every reply sent is applied and every ready wait4 result is
   * published; with no event before it, the states read after it are the settled ones.
   */
  #idle(push: Push): "settling" | "idle" {
    if (this.#inKernel.size === 0) return "idle";
    const now = performance.now();
    this.#idleSince ??= now;
    if (now - this.#idleSince < IDLE_GRACE_MS) return "settling";
    if (this.#sync === "answered") {
      this.#sync = "none"; // what the jump sends out is not covered: the next one asks again
      return "idle";
    }
    if (this.#sync === "none") {
      push(ReplyKind.sync, 0, {});
      this.#sync = "asked";
    }
    return "settling";
  }

  #settled(): boolean {
    if (this.world.arriving()) return false;
    if (this.#inKernel.size === 0) return true;
    return this.world.asleep(Int32Array.from(this.#inKernel));
  }

  /**
   * Threads whose resumes arrived since the last choice join the queue: the thread that just
   * stopped first (it keeps the CPU, as a thread does until it blocks or its slice ends), the
   * rest by host and virtual thread id, so their order never depends on when their events came
   * (nor on the native tids the machine happened to give).
   */
  #enqueueArrived(): void {
    const last = this.#last;
    const rank = (tid: number) => this.world.rank(tid);
    const others = [...this.#arrived.keys()].filter((tid) => tid !== last).sort((a, b) => rank(a) - rank(b));
    if (last !== null && this.#arrived.has(last)) {
      this.#resumes.set(last, this.#arrived.get(last)!);
      if (++this.#streak < QUANTUM) this.#ready.unshift(last);
      else this.#ready.push(last);
    }
    for (const tid of others) {
      this.#resumes.set(tid, this.#arrived.get(tid)!);
      this.#ready.push(tid);
    }
    this.#arrived.clear();
    this.#last = null;
  }

  #choose(): number | undefined {
    if (this.#ready.length === 0) return undefined;
    const index = this.mode === "random" ? this.#random() % this.#ready.length : 0;
    return this.#ready.splice(index, 1)[0];
  }
}

/** A small seeded generator (splitmix32): the same seed gives the same choices. */
function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}
