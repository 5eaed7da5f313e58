/**
 * The Worker's side of pausing a process for a debugger. ptrace allows one tracer, and umbra is
 * it, so gdb cannot attach itself: the main thread serves gdb's remote protocol
 * (src/debug/gdb_remote.ts) and relays what needs the tracer here: registers, resuming,
 * single-stepping, interrupting. While a debugger is attached, every signal of its thread stops
 * for the debugger first, as under gdb natively: a SIGTRAP (breakpoint, step, interrupt) is the
 * debugger's own, other signals reach the program when the debugger passes them on.
 * @module
 */

import { Signal } from "../abi/signals.ts";
import { FXSAVE_SIZE } from "../debug/fp_registers.ts";
import { FLAG_DEBUGGED, FLAG_SINGLE_STEP, type RawEvent, type ReplyBatch, ReplyKind } from "../native/protocol.ts";
import type { Process } from "../kernel/process.ts";
import type { Thread } from "../kernel/thread.ts";
import type { DebugCommand, Notice } from "./messages.ts";
import type { DebugObserver } from "./policy.ts";

/** The size of x86-64 `struct user_regs_struct`. */
const GENERAL_REGISTERS_SIZE = 27 * 8;
/** A register block: user_regs_struct, then the fxsave area (user_fpregs_struct). */
export const REGISTERS_SIZE = GENERAL_REGISTERS_SIZE + FXSAVE_SIZE;

/** A thread held for a debugger. */
interface Target {
  readonly process: Process;
  /** In a ptrace stop the debugger answers (not running). */
  stopped: boolean;
  /** A debugger is connected: signals stop for it. */
  attached: boolean;
  /** The signal stop the thread is held in, if it is one. */
  signal: RawEvent | null;
}

/** What the debugger needs from the Worker. */
export interface DebugNative {
  /** Submits replies at once (outside an event batch). */
  submit(fill: (batch: ReplyBatch) => void): void;
  /** Sends a signal to a process the way the sandbox's kill does (waking parked calls). */
  signal(process: Process, signal: number): void;
  /** Resumes a thread held at signal stop `event`, delivering its signal the usual way. */
  deliver(event: RawEvent): void;
  notify(notice: Notice): void;
}

/** Debug state of one sandbox, by native tid. */
export class Debugger implements DebugObserver {
  readonly #targets = new Map<number, Target>();
  /** Where the tracer copies registers (a `read_registers` reply points at it). */
  readonly #buffer = new Uint8Array(REGISTERS_SIZE);
  /**
   * Registers to write, kept alive until the tracer has applied their replies: it has once any
   * later event of the thread (registers, a stop) arrives.
   */
  #written: Uint8Array[] = [];

  constructor(private readonly native: DebugNative) {}

  held(process: Process, tid: number, id: number): void {
    this.#targets.set(tid, { process, stopped: true, attached: false, signal: null });
    this.native.notify({
      type: "paused",
      id,
      pid: process.id,
      nativePid: tid,
      name: process.common.name,
      path: process.common.executable,
    });
  }

  trapped(thread: Thread, event: RawEvent): boolean {
    const target = this.#targets.get(thread.nativeTid);
    if (!target?.attached) return false;
    target.stopped = true;
    target.signal = { ...event, payload: event.payload.slice() };
    this.#written = [];
    this.native.notify({ type: "debug-stop", tid: thread.nativeTid, signal: event.aux });
    return true;
  }

  holds(thread: Thread): boolean {
    return this.#targets.get(thread.nativeTid)?.attached === true;
  }

  registers(tid: number): void {
    this.#written = [];
    this.native.notify({ type: "debug-registers", tid, bytes: this.#buffer.slice() });
  }

  /** Lets a paused process run on when no debugger holds it (the key or signal of the CLI). */
  resumePaused(tid: number): void {
    const target = this.#targets.get(tid);
    if (target && target.stopped && !target.attached) this.#resume(tid, target, false, 0);
  }

  /** A request relayed from the main thread's gdb server. */
  command(command: DebugCommand): void {
    const target = this.#targets.get(command.tid);
    if (!target || target.process.state.kind !== "runnable") return;
    const tid = command.tid;
    switch (command.op) {
      case "attach":
        target.attached = true;
        // A process left running gets stopped for the debugger that arrives.
        if (!target.stopped) this.native.signal(target.process, Signal.SIGTRAP);
        return;
      case "detach":
        target.attached = false;
        if (target.stopped) this.#resume(tid, target, false, 0);
        return;
      case "registers":
        if (!target.stopped) return;
        return this.native.submit((batch) =>
          batch.push(ReplyKind.readRegisters, tid, { args: addresses(this.#buffer) })
        );
      case "set-registers": {
        if (!target.stopped || command.bytes.length !== REGISTERS_SIZE) return;
        const bytes = command.bytes.slice();
        this.#written.push(bytes);
        return this.native.submit((batch) => batch.push(ReplyKind.writeRegisters, tid, { args: addresses(bytes) }));
      }
      case "resume":
        if (target.stopped) this.#resume(tid, target, command.step, command.signal);
        return;
      case "interrupt":
        if (!target.stopped) this.native.signal(target.process, Signal.SIGTRAP);
        return;
      case "kill":
        this.#targets.delete(tid);
        this.native.signal(target.process, Signal.SIGKILL);
        return;
    }
  }

  #resume(tid: number, target: Target, step: boolean, signal: number): void {
    const held = target.signal;
    target.stopped = false;
    target.signal = null;
    // The program's own signal, passed on: delivered as if no debugger had stopped it.
    if (held && signal === held.aux && signal !== Signal.SIGTRAP && !step) return this.native.deliver(held);
    this.native.submit((batch) =>
      batch.push(ReplyKind.continue, tid, {
        aux: signal,
        aux2: (step ? FLAG_SINGLE_STEP : 0) | (target.attached ? FLAG_DEBUGGED : 0),
      })
    );
  }
}

/** The addresses of a register block's two parts, as read_registers and write_registers take them. */
function addresses(block: Uint8Array): bigint[] {
  const start = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(block)));
  return [start, start + BigInt(GENERAL_REGISTERS_SIZE)];
}
