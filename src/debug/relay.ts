/**
 * The sandbox's side of processes paused for debugging: one gdb server per paused process, whose
 * requests become commands to the policy Worker and whose answers come back as notices.
 * @module
 */

import { join } from "node:path";
import type { ExitStatus } from "../kernel/exit_status.ts";
import type { Command, DebugOp, Notice } from "../policy/messages.ts";
import { GdbServer } from "./gdb_server.ts";

/** A process stopped before its first instruction, waiting for a debugger or a resume. */
export interface PausedProcess {
  /** Virtual pid. */
  pid: number;
  /** Native pid (what `ps` on the host shows). */
  nativePid: number;
  /** `<host>.<exe>.<pid>`. */
  name: string;
  /** The executable, for gdb's symbols. */
  path: string;
  /** The Unix socket gdb connects to: `target remote <socket>`. */
  socket: string;
  /** Lets the process run on without a debugger (nothing happens while one is connected). */
  resume(): void;
}

/** Servers by spawn request id, and the register reads they wait for. */
export class DebugRelay {
  readonly #servers = new Map<number, GdbServer>();
  readonly #byTid = new Map<number, GdbServer>();
  readonly #waiters = new Map<number, ((bytes: Uint8Array | null) => void)[]>();
  #directory: string | null = null;

  constructor(private readonly post: (command: Command) => void) {}

  /** A `paused` notice: serves gdb for the process and says where. */
  paused(notice: Extract<Notice, { type: "paused" }>): PausedProcess {
    this.#directory ??= Deno.makeTempDirSync({ prefix: "umbra-debug-" });
    const socket = join(this.#directory, `gdb.${notice.pid}.sock`);
    const tid = notice.nativePid;
    const debug = (op: DebugOp) => this.post({ type: "debug", tid, ...op });
    const server = GdbServer.listen(socket, {
      tid,
      attach: () => debug({ op: "attach" }),
      detach: () => debug({ op: "detach" }),
      registers: () =>
        new Promise((resolve) => {
          const waiting = this.#waiters.get(tid) ?? [];
          waiting.push(resolve);
          this.#waiters.set(tid, waiting);
          debug({ op: "registers" });
        }),
      setRegisters: (bytes) => debug({ op: "set-registers", bytes }),
      resume: (step, signal) => debug({ op: "resume", step, signal }),
      interrupt: () => debug({ op: "interrupt" }),
      kill: () => debug({ op: "kill" }),
    });
    this.#servers.set(notice.id, server);
    this.#byTid.set(tid, server);
    return {
      pid: notice.pid,
      nativePid: tid,
      name: notice.name,
      path: notice.path,
      socket,
      resume: () => this.post({ type: "resume-paused", tid }),
    };
  }

  /** A `debug-stop` notice. */
  stopped(tid: number, signal: number): void {
    this.#byTid.get(tid)?.stopped(signal);
  }

  /** A `debug-registers` notice. */
  registers(tid: number, bytes: Uint8Array): void {
    this.#waiters.get(tid)?.shift()?.(bytes);
  }

  /** The process of spawn request `id` ended. */
  exited(id: number, status: ExitStatus): void {
    const server = this.#servers.get(id);
    if (!server) return;
    this.#servers.delete(id);
    for (const [tid, other] of this.#byTid) {
      if (other !== server) continue;
      this.#byTid.delete(tid);
      for (const waiting of this.#waiters.get(tid) ?? []) waiting(null);
      this.#waiters.delete(tid);
    }
    server.exited(status);
  }

  /** Closes every server and removes the socket directory. */
  close(): void {
    for (const server of this.#servers.values()) server.close();
    this.#servers.clear();
    this.#byTid.clear();
    if (this.#directory) Deno.removeSync(this.#directory, { recursive: true });
    this.#directory = null;
  }
}
