/**
 * The fixed-size records exchanged with the tracer thread, mirrored from `shim/protocol.zig`.
 * @module
 */

/** Size in bytes of one event or reply record. */
export const MESSAGE_SIZE = 208;

/** Byte offsets of the record's fields. */
export const Field = {
  kind: 0,
  tid: 4,
  aux: 8,
  aux2: 12,
  value: 16,
  time: 24,
  args: 32,
  payload: 80,
} as const;

/** Size in bytes of the payload (a siginfo_t, or error text). */
export const PAYLOAD_SIZE = 128;

/** Event kinds, tracer -> policy (see shim/protocol.zig for each one's fields). */
export const EventKind = {
  syscall: 1,
  syscallExit: 2,
  fork: 3,
  vfork: 4,
  clone: 5,
  exec: 6,
  exited: 8,
  signal: 9,
  groupStop: 10,
  registers: 11,
  spawned: 12,
  spawnFailed: 13,
  protocolError: 14,
  continued: 15,
  hostOpened: 16,
  interrupted: 17,
  synced: 18,
} as const;

/** Reply kinds, policy -> tracer. */
export const ReplyKind = {
  continue: 1,
  emulate: 2,
  rewrite: 3,
  setRegisters: 4,
  spawn: 6,
  readRegisters: 8,
  writeRegisters: 9,
  openHost: 10,
  interrupt: 11,
  sync: 12,
} as const;

/** aux2 of an exec event whose thread the tracer holds (spawned to pause for a debugger). */
export const HELD = 1;
/** aux2 bit of an exec event: seeded, the thread waits for its AT_RANDOM bytes (address in args[1]). */
export const RANDOM = 2;

/** aux2 of a syscall or signal event the tracer only reports (it resumed the thread already). */
export const OBSERVED = 1;

/** Reply flag: stop again at the exit of the current syscall. */
export const FLAG_EXIT_STOP = 1;
/** Rewrite flag: restore the original argument registers at the syscall-exit stop (implies it). */
export const FLAG_RESTORE_ARGS = 2;
/** Continue flag: single-step (PTRACE_SINGLESTEP) until the step's SIGTRAP. */
export const FLAG_SINGLE_STEP = 16;
/**
 * Continue flag: a debugger holds the thread's signals, so the tracer sends every signal stop of
 * it here. A continue at a signal or event stop without it lets the tracer deliver them again.
 */
export const FLAG_DEBUGGED = 32;

/** setRegisters mask bit for the return register (rax); bit 1 + i selects argument register i. */
export const REGISTER_RAX = 1;
/** setRegisters mask bit: restart the syscall (no signal needed). */
export const REGISTER_RESTART = 1 << 7;

/** A decoded event. `args` are raw 64-bit register values. */
export interface RawEvent {
  kind: number;
  tid: number;
  aux: number;
  aux2: number;
  value: bigint;
  /** The virtual clock when the tracer saw the event (0 in real time). */
  time: bigint;
  args: bigint[];
  /** View of the payload bytes; valid until the next batch. */
  payload: Uint8Array;
}

/** Reads event `index` of a batch. */
export function readEvent(view: DataView, bytes: Uint8Array, index: number): RawEvent {
  const base = index * MESSAGE_SIZE;
  const args: bigint[] = [];
  for (let i = 0; i < 6; i++) args.push(view.getBigUint64(base + Field.args + 8 * i, true));
  return {
    kind: view.getUint32(base + Field.kind, true),
    tid: view.getInt32(base + Field.tid, true),
    aux: view.getInt32(base + Field.aux, true),
    aux2: view.getInt32(base + Field.aux2, true),
    value: view.getBigInt64(base + Field.value, true),
    time: view.getBigUint64(base + Field.time, true),
    args,
    payload: bytes.subarray(base + Field.payload, base + Field.payload + PAYLOAD_SIZE),
  };
}

/** A growable batch of reply records in one buffer, handed to `umbra_submit`. */
export class ReplyBatch {
  #bytes: Uint8Array;
  #view: DataView;
  count = 0;

  constructor(capacity: number) {
    this.#bytes = new Uint8Array(capacity * MESSAGE_SIZE);
    this.#view = new DataView(this.#bytes.buffer);
  }

  /** The filled part of the buffer. */
  get bytes(): Uint8Array {
    return this.#bytes;
  }

  /** Appends a reply; returns its payload bytes for the caller to fill. */
  push(
    kind: number,
    tid: number,
    fields: { aux?: number; aux2?: number; value?: bigint; args?: readonly bigint[] } = {},
  ): Uint8Array {
    if ((this.count + 1) * MESSAGE_SIZE > this.#bytes.length) this.#grow();
    const base = this.count * MESSAGE_SIZE;
    this.#bytes.fill(0, base, base + MESSAGE_SIZE);
    const view = this.#view;
    view.setUint32(base + Field.kind, kind, true);
    view.setInt32(base + Field.tid, tid, true);
    view.setInt32(base + Field.aux, fields.aux ?? 0, true);
    view.setInt32(base + Field.aux2, fields.aux2 ?? 0, true);
    view.setBigInt64(base + Field.value, BigInt.asIntN(64, fields.value ?? 0n), true);
    fields.args?.forEach((arg, i) => view.setBigUint64(base + Field.args + 8 * i, BigInt.asUintN(64, arg), true));
    this.count++;
    return this.#bytes.subarray(base + Field.payload, base + Field.payload + PAYLOAD_SIZE);
  }

  #grow(): void {
    const bytes = new Uint8Array(this.#bytes.length * 2);
    bytes.set(this.#bytes);
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer);
  }
}
