/**
 * A gdb remote stub for one sandboxed thread, served on a Unix socket from the main thread.
 * umbra is the thread's only possible ptrace tracer, so gdb connects to umbra instead
 * (`target remote <socket>`): memory goes through /proc/<tid>/mem, and registers, resuming,
 * single-stepping and interrupting are relayed to the tracer (src/policy/debug.ts). The program
 * runs under umbra the whole time: virtual ids and time stay in force between breakpoints.
 *
 * Served: ? g G p P m M c C s S k D vKill qSupported qXfer:auxv:read qXfer:exec-file:read
 * qC qAttached qfThreadInfo qsThreadInfo H T qSymbol and Ctrl-C. Registers: the general-purpose
 * ones (plus orig_rax, fs_base, gs_base), x87 and SSE (fp_registers.ts); AVX's upper halves are not.
 * Breakpoints are gdb's own memory writes (no Z packets). Only this thread stops.
 * @module
 */

import type { ExitStatus } from "../kernel/exit_status.ts";
import { escapeBinary, frame, fromHex, PacketReader, toHex } from "./rsp.ts";
import {
  FIRST_FP_REGISTER,
  fpRegisterSize,
  FXSAVE_SIZE,
  LAST_FP_REGISTER,
  readFpRegister,
  readFpRegisters,
  writeFpRegister,
} from "./fp_registers.ts";
import { gdbSignal, linuxSignal } from "./signals.ts";

/** What the stub drives. */
export interface DebugTarget {
  /** Native tid of the debugged thread (also its process's native pid). */
  readonly tid: number;
  attach(): void;
  detach(): void;
  /** Its user_regs_struct (216 bytes) followed by its fxsave area (512), or null when the thread is gone. */
  registers(): Promise<Uint8Array | null>;
  setRegisters(bytes: Uint8Array): void;
  resume(step: boolean, signal: number): void;
  interrupt(): void;
  kill(): void;
}

/** user_regs_struct slots (8 bytes each) in gdb's amd64 register order. */
const WIDE = [10, 5, 11, 12, 13, 14, 4, 19, 9, 8, 7, 6, 3, 2, 1, 0, 16];
/** eflags, cs, ss, ds, es, fs, gs: 4 bytes each in gdb's packet. */
const NARROW = [18, 17, 20, 23, 24, 25, 26];
/** gdb register numbers past the g packet that the stub has: orig_rax, fs_base, gs_base. */
const EXTRA = new Map([[57, 15], [58, 21], [59, 22]]);
/** Size of user_regs_struct, which the fxsave area follows in a register block. */
const GENERAL_SIZE = 27 * 8;
const SIGTRAP = 5;
/** Largest packet gdb may send. */
const PACKET_SIZE = 0x4000;

/** One debugging connection at a time on one socket. */
export class GdbServer {
  readonly #listener: Deno.Listener;
  readonly #target: DebugTarget;
  #connection: Deno.Conn | null = null;
  #stopped = true;
  #signal = SIGTRAP;
  #ended: string | null = null;
  /** Replies owed for a resume or a `?` once the thread stops. */
  #waitingForStop = false;
  #queue: Promise<void> = Promise.resolve();
  /** Writes in flight, chained so that acknowledgements and replies keep their order. */
  #writing: Promise<unknown> = Promise.resolve();
  #memory: Deno.FsFile | null = null;

  private constructor(listener: Deno.Listener, target: DebugTarget, readonly path: string) {
    this.#listener = listener;
    this.#target = target;
    void this.#accept();
  }

  /** Serves `target` on a new Unix socket at `path`. */
  static listen(path: string, target: DebugTarget): GdbServer {
    return new GdbServer(Deno.listen({ transport: "unix", path }), target, path);
  }

  /** The thread stopped for the debugger (SIGTRAP from a breakpoint, a step, an interrupt). */
  stopped(signal: number): void {
    this.#stopped = true;
    this.#signal = signal;
    if (this.#waitingForStop) {
      this.#waitingForStop = false;
      this.#send(this.#stopReply());
    }
  }

  /** The process ended: gdb hears how, and the stub closes. */
  exited(status: ExitStatus): void {
    const code = (value: number) => value.toString(16).padStart(2, "0");
    this.#ended = status.kind === "signaled"
      ? `X${code(gdbSignal(status.number))}`
      : `W${code(status.kind === "exited" ? status.code : 0)}`;
    this.#stopped = true;
    if (!this.#connection) return this.close();
    // gdb hangs up once it has read the exit; closing first would cut it off mid-reply.
    this.#send(this.#ended);
    try {
      this.#listener.close();
    } catch { /* closed already */ }
  }

  /** Stops listening and drops any connection (gdb sees the remote end go). */
  close(): void {
    try {
      this.#listener.close();
    } catch { /* closed already */ }
    try {
      this.#connection?.close();
    } catch { /* closed already */ }
    this.#connection = null;
    this.#memory?.close();
    this.#memory = null;
    try {
      Deno.removeSync(this.path);
    } catch { /* gone already */ }
  }

  async #accept(): Promise<void> {
    try {
      for await (const connection of this.#listener) {
        if (this.#connection) {
          connection.close(); // one debugger at a time
          continue;
        }
        this.#connection = connection;
        this.#target.attach();
        await this.#serve(connection);
        try {
          connection.close();
        } catch { /* closed already (detach) */ }
        if (this.#connection !== connection) continue;
        this.#connection = null;
        if (this.#ended !== null) return this.close();
        this.#target.detach();
        this.#stopped = false;
      }
    } catch {
      // The listener closed.
    }
  }

  async #serve(connection: Deno.Conn): Promise<void> {
    const reader = new PacketReader();
    const chunk = new Uint8Array(PACKET_SIZE);
    while (true) {
      let count: number | null;
      try {
        count = await connection.read(chunk);
      } catch {
        return;
      }
      if (count === null) return;
      for (const incoming of reader.push(chunk.subarray(0, count))) {
        if (incoming.kind === "corrupt") this.#write(new TextEncoder().encode("-"));
        else if (incoming.kind === "interrupt") {
          if (!this.#stopped) this.#target.interrupt();
        } else {
          this.#write(new TextEncoder().encode("+"));
          const payload = incoming.payload;
          this.#queue = this.#queue.then(() => this.#answer(payload)).catch(() => {});
        }
      }
      await this.#queue;
    }
  }

  async #answer(payload: string): Promise<void> {
    const reply = await this.#reply(payload);
    if (reply !== null) this.#send(reply);
  }

  /** The reply to one packet; null when it comes later (a resume answers at the next stop). */
  async #reply(packet: string): Promise<string | null> {
    if (this.#ended !== null) return this.#ended;
    const command = packet[0];
    const body = packet.slice(1);
    switch (command) {
      case "?":
        if (this.#stopped) return this.#stopReply();
        this.#waitingForStop = true;
        this.#target.interrupt();
        return null;
      case "g":
        return this.#readRegisters();
      case "G":
        return await this.#writeRegisters(body);
      case "p":
        return await this.#readRegister(parseInt(body, 16));
      case "P":
        return await this.#writeRegister(body);
      case "m":
        return this.#readMemory(body);
      case "M":
        return this.#writeMemory(body);
      case "c":
      case "s":
      case "C":
      case "S":
        return this.#resume(command, body);
      case "k":
        this.#target.kill();
        return null;
      case "D":
        this.#target.detach();
        this.#stopped = false;
        this.#send("OK");
        this.#connection?.close();
        this.#connection = null;
        return null;
      case "H":
      case "T":
        return "OK";
      case "v":
        if (packet.startsWith("vKill")) {
          this.#target.kill();
          return "OK";
        }
        return "";
      case "q":
        return this.#query(packet);
      default:
        return "";
    }
  }

  #query(packet: string): string {
    const tid = this.#target.tid.toString(16);
    if (packet.startsWith("qSupported")) {
      return `PacketSize=${PACKET_SIZE.toString(16)};qXfer:auxv:read+;qXfer:exec-file:read+`;
    }
    if (packet === "qC") return `QC${tid}`;
    if (packet.startsWith("qAttached")) return "1"; // quitting gdb detaches: the program runs on
    if (packet === "qfThreadInfo") return `m${tid}`;
    if (packet === "qsThreadInfo") return "l";
    if (packet.startsWith("qSymbol")) return "OK";
    const auxv = /^qXfer:auxv:read::([0-9a-f]+),([0-9a-f]+)$/.exec(packet);
    if (auxv) return this.#transfer(this.#procBytes("auxv"), auxv[1], auxv[2]);
    const exe = /^qXfer:exec-file:read:[0-9a-f]*:([0-9a-f]+),([0-9a-f]+)$/.exec(packet);
    if (exe) return this.#transfer(new TextEncoder().encode(this.#exe()), exe[1], exe[2]);
    return "";
  }

  #transfer(data: Uint8Array | null, offsetHex: string, lengthHex: string): string {
    if (data === null) return "E01";
    const offset = parseInt(offsetHex, 16);
    const part = data.subarray(offset, offset + parseInt(lengthHex, 16));
    return (offset + part.length >= data.length ? "l" : "m") + escapeBinary(part);
  }

  #procBytes(name: string): Uint8Array | null {
    try {
      return Deno.readFileSync(`/proc/${this.#target.tid}/${name}`);
    } catch {
      return null;
    }
  }

  #exe(): string {
    try {
      return Deno.readLinkSync(`/proc/${this.#target.tid}/exe`);
    } catch {
      return "";
    }
  }

  #stopReply(): string {
    return `T${gdbSignal(this.#signal).toString(16).padStart(2, "0")}thread:${this.#target.tid.toString(16)};`;
  }

  #resume(command: string, body: string): string | null {
    const step = command === "s" || command === "S";
    const signal = command === "C" || command === "S" ? linuxSignal(parseInt(body.split(";")[0], 16)) : 0;
    this.#stopped = false;
    this.#waitingForStop = true;
    this.#target.resume(step, signal);
    return null;
  }

  /** The stopped thread's registers: user_regs_struct (as a view) and the fxsave area after it. */
  async #registers(): Promise<{ bytes: Uint8Array; view: DataView; fx: Uint8Array } | null> {
    if (!this.#stopped) return null;
    const bytes = await this.#target.registers();
    if (!bytes) return null;
    const view = new DataView(bytes.buffer, bytes.byteOffset, GENERAL_SIZE);
    return { bytes, view, fx: bytes.subarray(GENERAL_SIZE, GENERAL_SIZE + FXSAVE_SIZE) };
  }

  async #readRegisters(): Promise<string> {
    const registers = await this.#registers();
    if (!registers) return "E01";
    const { view, fx } = registers;
    const out = new Uint8Array(WIDE.length * 8 + NARROW.length * 4);
    const outView = new DataView(out.buffer);
    WIDE.forEach((slot, i) => outView.setBigUint64(8 * i, view.getBigUint64(8 * slot, true), true));
    NARROW.forEach((slot, i) => outView.setUint32(WIDE.length * 8 + 4 * i, view.getUint32(8 * slot, true), true));
    return toHex(out) + readFpRegisters(fx).map(toHex).join("");
  }

  async #writeRegisters(hex: string): Promise<string> {
    const registers = await this.#registers();
    const bytes = fromHex(hex);
    if (!registers || !bytes) return "E01";
    const { view, fx } = registers;
    const given = new DataView(bytes.buffer);
    WIDE.forEach((slot, i) => {
      if (8 * i + 8 <= bytes.length) view.setBigUint64(8 * slot, given.getBigUint64(8 * i, true), true);
    });
    NARROW.forEach((slot, i) => {
      const at = WIDE.length * 8 + 4 * i;
      if (at + 4 <= bytes.length) view.setBigUint64(8 * slot, BigInt(given.getUint32(at, true)), true);
    });
    let at = WIDE.length * 8 + NARROW.length * 4;
    for (let regnum = FIRST_FP_REGISTER; regnum <= LAST_FP_REGISTER; regnum++) {
      const size = fpRegisterSize(regnum);
      if (at + size > bytes.length) break;
      writeFpRegister(fx, regnum, bytes.subarray(at, at + size));
      at += size;
    }
    this.#target.setRegisters(registers.bytes);
    return "OK";
  }

  /** Where general gdb register `regnum` lives: [user_regs slot, width in the protocol], or null. */
  #slot(regnum: number): [number, number] | null {
    if (regnum < WIDE.length) return [WIDE[regnum], 8];
    if (regnum < WIDE.length + NARROW.length) return [NARROW[regnum - WIDE.length], 4];
    const extra = EXTRA.get(regnum);
    return extra === undefined ? null : [extra, 8];
  }

  async #readRegister(regnum: number): Promise<string> {
    const isFp = regnum >= FIRST_FP_REGISTER && regnum <= LAST_FP_REGISTER;
    const slot = this.#slot(regnum);
    if (!slot && !isFp) return "E01";
    const registers = await this.#registers();
    if (!registers) return "E01";
    if (isFp) return toHex(readFpRegister(registers.fx, regnum));
    const value = new Uint8Array(8);
    new DataView(value.buffer).setBigUint64(0, registers.view.getBigUint64(8 * slot![0], true), true);
    return toHex(value.subarray(0, slot![1]));
  }

  async #writeRegister(body: string): Promise<string> {
    const [number, hex] = body.split("=");
    const regnum = parseInt(number, 16);
    const isFp = regnum >= FIRST_FP_REGISTER && regnum <= LAST_FP_REGISTER;
    const slot = this.#slot(regnum);
    const bytes = fromHex(hex ?? "");
    const size = isFp ? fpRegisterSize(regnum) : slot?.[1];
    if (size === undefined || !bytes || bytes.length !== size) return "E01";
    const registers = await this.#registers();
    if (!registers) return "E01";
    if (isFp) writeFpRegister(registers.fx, regnum, bytes);
    else {
      const padded = new Uint8Array(8);
      padded.set(bytes);
      registers.view.setBigUint64(8 * slot![0], new DataView(padded.buffer).getBigUint64(0, true), true);
    }
    this.#target.setRegisters(registers.bytes);
    return "OK";
  }

  #file(): Deno.FsFile | null {
    if (this.#memory) return this.#memory;
    try {
      this.#memory = Deno.openSync(`/proc/${this.#target.tid}/mem`, { read: true, write: true });
    } catch {
      return null;
    }
    return this.#memory;
  }

  #readMemory(body: string): string {
    const [address, length] = body.split(",").map((part) => parseInt(part, 16));
    const file = this.#file();
    if (!file || !(length > 0)) return "E01";
    const buffer = new Uint8Array(Math.min(length, PACKET_SIZE / 2));
    let count: number | null = null;
    try {
      file.seekSync(address, Deno.SeekMode.Start);
      count = file.readSync(buffer);
    } catch {
      count = null;
    }
    return count ? toHex(buffer.subarray(0, count)) : "E14";
  }

  #writeMemory(body: string): string {
    const [where, hex] = body.split(":");
    const address = parseInt(where.split(",")[0], 16);
    const bytes = fromHex(hex ?? "");
    const file = this.#file();
    if (!file || !bytes) return "E01";
    try {
      file.seekSync(address, Deno.SeekMode.Start);
      return file.writeSync(bytes) === bytes.length ? "OK" : "E14";
    } catch {
      return "E14";
    }
  }

  #send(payload: string): void {
    this.#write(frame(payload));
  }

  #write(bytes: Uint8Array): void {
    const connection = this.#connection;
    if (!connection) return;
    this.#writing = this.#writing.then(async () => {
      let done = 0;
      while (done < bytes.length) done += await connection.write(bytes.subarray(done));
    }).catch(() => {});
  }
}
