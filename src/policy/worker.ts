/**
 * The policy Worker: owns the controller handle, pulls event batches with a blocking
 * `umbra_next_events`, runs the policy on each and submits the batch's replies in one call.
 * Commands from the main thread arrive as messages; the sandbox interrupts the blocking call
 * (after bumping a shared counter) so they are read promptly. `UMBRA_FAULT=syscall:<name>`
 * makes the policy fail at that syscall (to test that a failing policy still ends the run cleanly).
 * @module
 */

import { parentPort } from "node:worker_threads";
import { basename } from "node:path";
import { Errno } from "../abi/errno.ts";
import { TraceeMemory } from "../native/memory.ts";
import { loadLibrary, preloadLibrary } from "../native/loader.ts";
import { EventKind, MESSAGE_SIZE, readEvent, ReplyBatch, ReplyKind } from "../native/protocol.ts";
import { StopCounter } from "./stop_counter.ts";
import { syscallName } from "../abi/syscalls.ts";
import { encodeSpawnSpec, NO_ASLR, TRAP_TSC } from "../native/spawn_spec.ts";
import { deviceKey } from "../kernel/random.ts";
import { filterRules } from "../syscalls/table.ts";
import type { Command, Notice, SpawnCommand, WorkerSettings } from "./messages.ts";
import { type CallLog, Policy } from "./policy.ts";
import { StraceLog, writeAll } from "./strace_log.ts";
import { formatCall, formatExit, formatSignal, straceFileName } from "../report/strace.ts";
import { PREEMPT_SLICE_MS, Scheduler, SWITCH_POINTS } from "./scheduler.ts";
import { Debugger } from "./debug.ts";
import type { Process } from "../kernel/process.ts";
import { CLOCK_READ_COST_NS, type ClockCell, RealCell, VirtualClock } from "../kernel/clock.ts";

/** Events pulled per batch at most. */
const BATCH_MAX = 256;
/** How long one blocking wait lasts before the loop looks at its messages anyway. */
const WAIT_MS = 250;
/** How long the event stream must be quiet before umbra checks whether everyone waits. */
const IDLE_CHECK_MS = 2;
/** How long (ms) a settling scheduler waits for a thread's event before it looks at /proc again. */
const SETTLING_WAIT_MS = 0.1;
/** Batches in a row it does so before it waits a millisecond each time (a long call in the kernel). */
const SETTLING_SPINS = 1000;
/** How often (ms) parked threads are checked for signals sent from outside umbra. */
const OUTSIDE_CHECK_MS = 500;
/** umbra_open option bit: virtual time (shared clock region, vDSO hidden at every exec). */
const OPEN_VIRTUAL_TIME = 1;
/** umbra_open option bit: trace every syscall (strace logging, deterministic scheduling). */
const OPEN_TRACE_ALL = 2;
/** umbra_open option bit: seeded randomness (AT_RANDOM at exec, the hosts' random devices). */
const OPEN_SEEDED = 4;
/** umbra_open option bit: deterministic scheduling (the tracer resumes nobody by itself). */
const OPEN_DETERMINISTIC = 8;
/** A timed wait's real slice under deterministic scheduling: longer than any run (about 11 days). */
const UNSLICED_WAIT_NS = 1_000_000_000_000_000n;
/** The descriptor of the clock region in every program (shim/clock.zig `program_fd`). */
const CLOCK_FD = 1023;

const port = parentPort!;
/** Whether the settings came. */
let started = false;
let received = 0;
const commands: Command[] = [];
// The first message holds the settings: a Worker may boot before they are known.
port.on("message", (message: WorkerSettings | Command) => {
  if (!started) {
    started = true;
    main(message as WorkerSettings).catch(fatal);
    return;
  }
  commands.push(message as Command);
  received++;
});

/** A virtual-time spawn: the preload shim and where it finds the clock join the environment. */
function withShim(command: SpawnCommand, preload: string): SpawnCommand {
  const env = command.env.filter((entry) => !entry.startsWith("LD_PRELOAD=") && !entry.startsWith("UMBRA_CLOCK_FD="));
  const existing = command.env.find((entry) => entry.startsWith("LD_PRELOAD="))?.slice("LD_PRELOAD=".length);
  env.push(`LD_PRELOAD=${existing ? `${preload}:${existing}` : preload}`, `UMBRA_CLOCK_FD=${CLOCK_FD}`);
  return { ...command, env };
}

function readProc(path: string): string | null {
  try {
    return Deno.readTextFileSync(`/proc/${path}`);
  } catch {
    return null;
  }
}

function readProcLink(path: string): string | null {
  try {
    return Deno.readLinkSync(`/proc/${path}`);
  } catch {
    return null;
  }
}

function notify(notice: Notice): void {
  port.postMessage(notice);
}

async function main(settings: WorkerSettings): Promise<void> {
  /** How many commands the sandbox has posted (it counts before each). */
  const posted = new Int32Array(settings.commandCounter);
  const library = await loadLibrary();
  const symbols = library.symbols;
  const virtualTime = settings.time === "virtual";
  const epochNs = BigInt(settings.epochNs);
  // strace logging wants every call and its result: everything is traced, nothing only observed.
  // Records go to the library's onSyscall, to log files written here as the run goes, or both.
  const records = settings.syscalls;
  const straceMode = settings.strace;
  // strace's own way: one log on stderr (umbra exec --strace without -o); else a file per process.
  const shared = settings.straceTo === "stderr" ? (bytes: Uint8Array) => writeAll(Deno.stderr, bytes) : null;
  const straceLog = straceMode === undefined ? null : new StraceLog(straceMode, shared);
  const straceCalls = settings.straceCalls === undefined ? null : new Set(settings.straceCalls);
  const logging = records || straceLog !== null;
  // Seeded randomness: getrandom, the random devices, AT_RANDOM, fixed addresses, rdtsc (virtual time).
  const seed = settings.seed === undefined ? undefined : BigInt(settings.seed);
  const seeded = seed !== undefined;
  // Deterministic scheduling: the calls that may sleep (which must not sleep unseen) and
  // sched_yield are where the turn may pass.
  const schedule = settings.schedule;
  const scheduler: Scheduler | undefined = schedule === "native" ? undefined : new Scheduler(schedule, seed ?? 1n, {
    state: (tid) => {
      const stat = readProc(`${tid}/stat`);
      return stat === null ? null : stat[stat.lastIndexOf(")") + 2];
    },
    asleep: (tids) => symbols.umbra_asleep(tids, tids.length),
    arriving: (): boolean => policy.arriving(),
    rank: (tid): number => policy.threadRank(tid),
    leaderWaits: (tid): boolean => policy.leaderWaits(tid),
    cpuNs: (tid): bigint | null => {
      const pid = policy.kernel.thread(tid)?.process.common.nativePid ?? tid;
      const ns = symbols.umbra_cpu_ns(pid);
      return ns < 0n ? null : ns;
    },
  });
  const rules = filterRules({ virtualTime, seeded, observe: !logging, switchPoints: scheduler && SWITCH_POINTS });
  /** Descriptors umbra took from programs (timerfds), closed when the sandbox ends. */
  const duplicates: number[] = [];
  const handle = symbols.umbra_open(
    rules,
    rules.length,
    (virtualTime ? OPEN_VIRTUAL_TIME : 0) | (logging ? OPEN_TRACE_ALL : 0) | (seeded ? OPEN_SEEDED : 0) |
      (scheduler ? OPEN_DETERMINISTIC : 0),
    epochNs,
    CLOCK_READ_COST_NS,
  );
  if (handle === null) throw new Error("umbra_open failed: cannot start the tracer thread");
  // In virtual time, the clock lives in memory shared with the programs' preload shim.
  const cell: ClockCell = virtualTime
    ? {
      now: () => symbols.umbra_clock_now(handle),
      read: () => symbols.umbra_clock_read(handle),
      advanceTo: (time) => symbols.umbra_clock_advance(handle, time),
    }
    : new RealCell();
  const preload = virtualTime ? await preloadLibrary() : null;
  // Virtual time: a memfd of umbra's whose stamps mark the kernel's file times (see markFileTimes).
  const marker = virtualTime ? symbols.umbra_file_time_marker() : -1;
  const fault = Deno.env.get("UMBRA_FAULT");
  /** Spawn requests whose strace log goes to a file in `directory`, by request id. */
  const logFiles = new Map<number, { host: string; directory: string; exe: string }>();
  const policyNotify = (notice: Notice) => {
    if (notice.type === "started" || notice.type === "spawn-failed") {
      const file = logFiles.get(notice.id);
      logFiles.delete(notice.id);
      if (file && notice.type === "started") {
        straceLog?.open(file.host, notice.pid, `${file.directory}/${straceFileName(file.exe, notice.pid)}`);
      }
    }
    notify(notice);
  };
  const policy = new Policy(
    {
      memory: new TraceeMemory(library),
      signal: (tgid, tid, signal) => symbols.umbra_signal(tgid, tid, signal),
      sigqueue: (tgid, tid, signal, siginfo) => symbols.umbra_sigqueue(tgid, tid, signal, siginfo),
      readProc,
      readProcLink,
      duplicateFd: (nativePid, fd) => {
        const copy = symbols.umbra_duplicate_fd(nativePid, fd);
        if (copy >= 0) duplicates.push(copy);
        return copy;
      },
      armTimerfd: (fd, ns) => void symbols.umbra_timerfd_arm(fd, ns),
      fileTimeMark: marker >= 0 ? () => symbols.umbra_file_time_mark(marker) : undefined,
    },
    policyNotify,
    // Deterministic scheduling: timed waits end at their deadlines by umbra's interrupt, never
    // when a real slice runs out (see src/syscalls/timeouts.ts).
    { maxProcesses: settings.maxProcesses, waitSliceNs: scheduler ? UNSLICED_WAIT_NS : undefined },
    new VirtualClock(epochNs, cell),
    { events: settings.events, syscalls: logging, log: logging ? callLog() : undefined },
    {
      virtualTime,
      seeded,
      seed,
      unblockedSyscallLatency: BigInt(settings.unblockedSyscallLatency),
      scheduler,
    },
  );
  // The first mark: what the kernel stamps from here on happens during the run.
  policy.markFileTimes(true);
  notify({ type: "ready", handle: BigInt(Deno.UnsafePointer.value(handle)) });

  const clock = policy.kernel.clock;
  /** Spawn requests waiting for their start time. */
  const scheduled = new Set<number>();
  /** Scheduled work that fired inside a clock advance; it runs once the batch is submitted. */
  const later: (() => void)[] = [];
  const submitOne = (fill: (batch: ReplyBatch) => void) => {
    const batch = new ReplyBatch(4);
    fill(batch);
    symbols.umbra_submit(handle, batch.bytes, batch.count);
  };
  /** The key of a host's random devices' stream (0 unseeded: unused). */
  const hostKey = (host: string) => seed === undefined ? 0n : deviceKey(seed, host);
  const specFlags = (seeded ? NO_ASLR : 0) | (seeded && virtualTime ? TRAP_TSC : 0);
  const spawn = (command: SpawnCommand) => {
    // Its strace log sits next to its output: <exe>.<pid>.strace, opened when its pid is known.
    if (straceLog && command.logDirectory !== null) {
      logFiles.set(command.id, { host: command.host, directory: command.logDirectory, exe: basename(command.path) });
    }
    const spec = encodeSpawnSpec(preload ? withShim(command, preload) : command, specFlags);
    if (spec === null) return policy.refused(command.id, Errno.E2BIG);
    const target = policy.requested(command);
    submitOne((batch) =>
      batch.push(ReplyKind.spawn, 0, {
        aux: command.id,
        aux2: target.host,
        args: [
          BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(spec))),
          BigInt(spec.length),
          hostKey(command.host),
        ],
      })
    );
  };
  const signal = (process: Process, number: number, group = false) =>
    submitOne((batch) => policy.signalFromHost(process, number, batch, group));
  const debug = new Debugger({
    submit: submitOne,
    signal,
    deliver: (event) => submitOne((batch) => policy.deliverHeld(event, batch)),
    notify,
  });
  policy.debug = debug;

  const events = new Uint8Array(BATCH_MAX * MESSAGE_SIZE);
  const view = new DataView(events.buffer);
  const replies = new ReplyBatch(BATCH_MAX);
  let closing = false;
  /** Open `hold`s: commands that belong together are still on their way (no time jump yet). */
  let holds = 0;
  /** Deterministic scheduling: the virtual time of the last choice of a thread. */
  let turnBegan = 0n;
  const counter = new StopCounter();
  let failure: unknown = null;
  let outsideChecked = performance.now();
  try {
    await loop();
  } catch (error) {
    // A bug in the policy: end the run cleanly (everything killed and reaped) and say so.
    failure = error;
  }
  const finalTime = String(clock.now); // the clock's memory goes with the controller
  straceLog?.close();
  symbols.umbra_close(handle);
  for (const fd of duplicates) symbols.umbra_close_fd(fd);
  if (marker >= 0) symbols.umbra_close_fd(marker);
  if (failure !== null) throw failure;
  for (const [process, id] of [...policy.topLevel()]) {
    notify({ type: "exited", id, pid: process.id, status: { kind: "running" }, time: finalTime });
  }
  for (const id of scheduled) {
    notify({ type: "spawn-failed", id, errno: 0, message: "not started: the run ended before its start time" });
    notify({ type: "exited", id, pid: 0, status: { kind: "running" }, time: finalTime });
  }
  library.close();
  notify({ type: "stats", ...counter.totals() });
  notify({ type: "closed" });

  /** strace logging's stream: to the library (onSyscall) and/or to the log files. */
  function callLog(): CallLog {
    const mode = straceMode ?? "standard";
    return {
      syscall(host, root, record) {
        if (records) notify({ type: "syscall", host, root, record });
        if (straceCalls?.has(record.nr) === false) return;
        straceLog?.add(host, root, BigInt(record.time), record.tid, formatCall(record, mode));
      },
      signal(host, root, time, tid, signal, info) {
        straceLog?.add(host, root, BigInt(time), tid, formatSignal(signal, info, mode));
      },
      exit(host, root, time, pid, status) {
        if (status.kind !== "running") straceLog?.add(host, root, BigInt(time), pid, formatExit(status));
      },
    };
  }

  /**
   * Deterministic scheduling after a batch: a thread that ran a whole slice is interrupted; when
   * none runs, timers that clock reads carried past their deadlines fire and the next thread
   * goes; when none can, time jumps to the next deadline.
   */
  function takeTurns(scheduler: Scheduler): "running" | "settling" | "idle" {
    const late = scheduler.overdue(policy.nextDeadline() !== undefined);
    if (late !== null) replies.push(ReplyKind.interrupt, late);
    const push = (kind: number, tid: number, fields: Parameters<ReplyBatch["push"]>[2]) => {
      if (kind !== ReplyKind.sync) turnBegan = clock.now; // a choice's time (a sync chooses nothing)
      replies.push(kind, tid, fields);
    };
    while (true) {
      // Held (at a deadline, until the main thread has acted on it): no thread is chosen, so
      // what runs before the action never depends on how long it took to come.
      const state = scheduler.step(push, () => {
        policy.settle(replies);
        return holds === 0;
      });
      // Everything settled and nothing can run: every thread waits (no quiet spell needed). Work
      // a deadline scheduled (a spawn, a signal) comes first.
      if (state !== "idle" || later.length > 0 || holds > 0 || !policy.advanceIfIdle(replies, 1n)) return state;
    }
  }

  async function loop(): Promise<void> {
    /** When the last event came or the clock last moved (performance.now()). */
    let quietSince = performance.now();
    /** The scheduler's state after the last batch, and how many batches in a row it settled. */
    let turn: "running" | "settling" | "idle" = "idle";
    let settlingSpins = 0;
    while (!closing) {
      settlingSpins = turn === "settling" ? settlingSpins + 1 : 0;
      // With deadlines pending, look for idleness soon; a quiet spell is when time may jump.
      // A thread on its way back from the kernel comes within microseconds, or is asleep by then.
      const wait = turn === "settling"
        ? (settlingSpins < SETTLING_SPINS ? SETTLING_WAIT_MS : 1)
        : turn === "running"
        ? PREEMPT_SLICE_MS
        : policy.nextDeadline() === undefined
        ? WAIT_MS
        : IDLE_CHECK_MS;
      const count = symbols.umbra_next_events(handle, events, BATCH_MAX, Math.round(wait * 1000));
      if (count !== 0) quietSince = performance.now();
      const quietNs = count === 0 ? BigInt(Math.round((performance.now() - quietSince) * 1e6)) : 0n;
      if (count < 0) break;
      replies.count = 0;
      for (let i = 0; i < count; i++) {
        const event = readEvent(view, events, i);
        if (event.kind === EventKind.synced) {
          scheduler?.noteEvent(event);
          continue;
        }
        if (fault && event.kind === EventKind.syscall && fault === `syscall:${syscallName(Number(event.value))}`) {
          throw new Error(`injected fault at ${fault} (UMBRA_FAULT)`);
        }
        // Deterministic scheduling: a thread back from the kernel stopped at a moment that
        // depends on real timing, while the current one read the clock; it is stamped with the
        // time of the last choice, which does not.
        if (scheduler?.inKernel(event.tid)) event.time = turnBegan;
        // Real time: the tracer stamps nothing (no clock region); events happen when they come.
        if (!virtualTime) event.time = clock.now;
        const handled = performance.now();
        policy.handle(event, replies);
        counter.count(event.kind, performance.now() - handled);
      }
      if (performance.now() - outsideChecked >= OUTSIDE_CHECK_MS) {
        outsideChecked = performance.now();
        policy.noticeOutsideSignals(replies);
      }
      if (scheduler) {
        // Every program thread is stopped (none is current) while a turn is chosen: a file-time
        // mark then splits stamps by the programs' order, never by real timing.
        const stopped = scheduler.current === null;
        turn = takeTurns(scheduler);
        policy.markFileTimes(stopped && replies.count > 0);
      } else {
        // Clock reads (here, or in the programs' shim) may have carried time past deadlines.
        policy.settle(replies);
        // After a quiet spell, or at once when every thread waits in a way umbra itself knows.
        // Real time never jumps: its deadlines (start, shutdown and stop times) come as it passes.
        const jumped = virtualTime && holds === 0 && policy.advanceIfIdle(replies, quietNs);
        if (jumped) quietSince = performance.now();
        policy.markFileTimes(jumped || replies.count > 0);
      }
      // An empty batch with nothing to acknowledge would only wake the tracer for nothing.
      if (count > 0 || replies.count > 0) symbols.umbra_submit(handle, replies.bytes, replies.count);
      // Deterministic scheduling: nothing can be logged earlier than the last choice's time.
      // Natively threads interleave as they will, and the log goes out as far as the clock.
      straceLog?.release(scheduler ? turnBegan : clock.now + 1n);
      straceLog?.flush();
      for (const work of later.splice(0)) work();
      if ((count > 0 || turn === "settling") && Atomics.load(posted, 0) === received) continue;
      // Let queued messages in: wait until every command the sandbox posted has arrived.
      do await new Promise((resolve) => setTimeout(resolve, 0)); while (Atomics.load(posted, 0) !== received);
      for (const command of commands.splice(0)) {
        if (command.type === "close") closing = true;
        else if (command.type === "hold") holds++;
        else if (command.type === "release") holds--;
        else if (command.type === "spawn") {
          const at = BigInt(command.at ?? "0");
          if (at <= clock.now) spawn(command);
          else {
            scheduled.add(command.id);
            clock.schedule(at, () =>
              later.push(() => {
                scheduled.delete(command.id);
                spawn(command);
              }));
          }
        } else if (command.type === "signal") {
          const process = policy.kernel.process(command.host, command.pid);
          if (process?.state.kind === "runnable") signal(process, command.signal, command.group === true);
        } else if (command.type === "signal-at") {
          clock.schedule(BigInt(command.at), () =>
            later.push(() => {
              const process = policy.processOfRequest(command.id);
              if (process) signal(process, command.signal);
            }));
        } else if (command.type === "outside-signal") submitOne((batch) => policy.noticeOutsideSignals(batch));
        else if (command.type === "open-host") {
          const index = policy.kernel.host(command.host).index;
          submitOne((batch) =>
            batch.push(ReplyKind.openHost, 0, { aux2: index, args: [0n, 0n, hostKey(command.host)] })
          );
        } else if (command.type === "resume-paused") debug.resumePaused(command.tid);
        else if (command.type === "debug") debug.command(command);
        else if (command.type === "deadline-at") {
          // Held until the main thread answers with a release (it has run what awaited this).
          clock.schedule(BigInt(command.at), () => {
            holds++;
            notify({ type: "deadline", time: String(clock.now) });
          });
        }
      }
    }
  }
}

function fatal(error: unknown): void {
  const where = error instanceof Error ? (error.stack ?? "").split("\n")[1]?.trim() ?? "" : "";
  notify({
    type: "fatal",
    message: `policy failed: ${error instanceof Error ? error.message : String(error)}${where ? ` (${where})` : ""}`,
  });
}
