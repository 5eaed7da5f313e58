/**
 * The policy: turns each tracer event into model transitions and one reply. Runs in the Worker.
 * Data flows one way: event -> syscall table -> handler -> kernel model -> reply.
 * @module
 */

import { basename } from "node:path";
import { Errno } from "../abi/errno.ts";
import { type ExitStatus, exitStatusFromWait } from "../kernel/exit_status.ts";
import { Kernel, type KernelObserver } from "../kernel/kernel.ts";
import type { Process, Usage } from "../kernel/process.ts";
import type { Thread } from "../kernel/thread.ts";
import type { TraceeMemory } from "../native/memory.ts";
import { EventKind, FLAG_EXIT_STOP, type RawEvent, type ReplyBatch, ReplyKind } from "../native/protocol.ts";
import { CloneFlag, FORK_FLAGS, VFORK_FLAGS } from "../syscalls/clone.ts";
import type { NativeSignal, Outcome, SyscallContext } from "../syscalls/context.ts";
import { SYSCALL_TABLE } from "../syscalls/table.ts";
import type { Notice, SpawnCommand } from "./messages.ts";
import { carriesPid, setSiginfoPid, siginfoPid } from "./siginfo.ts";

/** A child created by fork/clone, waiting for both its creator's event and its own first stop. */
interface Birth {
  /** CLONE_CHILD_SETTID address, where the kernel wrote the native tid. */
  childTidAddress: bigint | null;
}

/** The policy state of one sandbox. */
export class Policy implements KernelObserver {
  readonly kernel: Kernel = new Kernel(this);
  /** Spawn requests sent to the tracer, by request id. */
  readonly #requests = new Map<number, SpawnCommand>();
  /** Top-level processes umbra started, to their request id. */
  readonly #topLevel = new Map<Process, number>();
  /** Spawned processes that have not completed their first exec, by native pid. */
  readonly #beforeExec = new Map<number, number>();
  /** Children whose creator's event arrived before their first stop, by native tid. */
  readonly #births = new Map<number, Birth>();
  /** Children whose first stop arrived before their creator's event. */
  readonly #early = new Set<number>();

  constructor(
    private readonly memory: TraceeMemory,
    private readonly signal: NativeSignal,
    private readonly notify: (notice: Notice) => void,
  ) {}

  /** Virtual pids reserved for spawn requests, by request id. */
  readonly #reserved = new Map<number, number>();

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

  /** A spawn request that never reached the tracer: it fails with `errno`. */
  refused(id: number, errno: number): void {
    this.#spawnFailed(id, errno);
    this.notify({ type: "exited", id, pid: 0, status: { kind: "exited", code: 126 } });
  }

  /** Live top-level processes with their request ids. */
  topLevel(): Iterable<[Process, number]> {
    return this.#topLevel.entries();
  }

  /** KernelObserver: a process became a zombie. */
  exited(process: Process, status: ExitStatus): void {
    const id = this.#topLevel.get(process);
    if (id === undefined) return;
    this.#topLevel.delete(process);
    this.notify({ type: "exited", id, pid: process.id, status });
  }

  /** Handles one event, appending at most one reply per stopped thread. */
  handle(event: RawEvent, replies: ReplyBatch): void {
    switch (event.kind) {
      case EventKind.syscall:
        return this.#syscall(event, replies);
      case EventKind.syscallExit:
        return this.#syscallExit(event, replies);
      case EventKind.fork:
      case EventKind.vfork:
      case EventKind.clone:
        return this.#creation(event, replies);
      case EventKind.attached:
        return this.#attached(event.tid, replies);
      case EventKind.exec:
        return this.#exec(event, replies);
      case EventKind.exiting:
        replies.push(ReplyKind.continue, event.tid);
        return;
      case EventKind.exited:
        return this.#exited(event);
      case EventKind.signal:
        return this.#signal(event, replies);
      case EventKind.groupStop:
        replies.push(ReplyKind.continue, event.tid);
        return;
      case EventKind.spawned:
        return this.#spawned(event);
      case EventKind.spawnFailed:
        return this.#spawnFailed(event.aux, Number(-event.value));
      case EventKind.protocolError:
        this.notify({ type: "warning", message: `controller: ${text(event.payload)}` });
        return;
      default:
        throw new Error(`unknown event kind ${event.kind}`);
    }
  }

  #syscall(event: RawEvent, replies: ReplyBatch): void {
    const thread = this.kernel.thread(event.tid);
    const entry = SYSCALL_TABLE.get(Number(event.value));
    if (!thread || !entry) {
      replies.push(ReplyKind.continue, event.tid);
      return;
    }
    const context: SyscallContext = {
      kernel: this.kernel,
      thread,
      process: thread.process,
      args: event.args,
      memory: this.memory,
      signal: this.signal,
    };
    this.#reply(thread, Number(event.value), entry.handler(context), replies);
  }

  #reply(thread: Thread, nr: number, outcome: Outcome, replies: ReplyBatch): void {
    const tid = thread.nativeTid;
    switch (outcome.kind) {
      case "return":
        replies.push(ReplyKind.emulate, tid, { value: outcome.value });
        return;
      case "native":
        thread.exitHook = outcome.exit ?? null;
        replies.push(ReplyKind.continue, tid, { aux2: outcome.exit ? FLAG_EXIT_STOP : 0 });
        return;
      case "rewrite":
        thread.exitHook = outcome.exit ?? null;
        replies.push(ReplyKind.rewrite, tid, {
          value: BigInt(outcome.nr ?? nr),
          args: outcome.args,
          aux2: outcome.exit ? FLAG_EXIT_STOP : 0,
        });
        return;
    }
  }

  #syscallExit(event: RawEvent, replies: ReplyBatch): void {
    const thread = this.kernel.thread(event.tid);
    const hook = thread?.exitHook;
    if (!thread || !hook) {
      replies.push(ReplyKind.continue, event.tid);
      return;
    }
    thread.exitHook = null;
    replies.push(ReplyKind.setReturn, event.tid, { value: hook(event.value) });
  }

  #creation(event: RawEvent, replies: ReplyBatch): void {
    const creator = this.kernel.thread(event.tid);
    const childTid = event.aux;
    replies.push(ReplyKind.continue, event.tid);
    if (!creator) return;
    const flags = event.kind === EventKind.clone
      ? event.args[0]
      : event.kind === EventKind.fork
      ? FORK_FLAGS
      : VFORK_FLAGS;
    if (flags & CloneFlag.CLONE_THREAD) this.kernel.createThread(creator, childTid);
    else this.kernel.forkProcess(creator, childTid, flags);
    const birth: Birth = {
      childTidAddress: event.kind === EventKind.clone && (flags & CloneFlag.CLONE_CHILD_SETTID) ? event.args[3] : null,
    };
    if (this.#early.delete(childTid)) this.#release(childTid, birth, replies);
    else this.#births.set(childTid, birth);
  }

  #attached(tid: number, replies: ReplyBatch): void {
    const birth = this.#births.get(tid);
    if (!birth) {
      this.#early.add(tid);
      return;
    }
    this.#births.delete(tid);
    this.#release(tid, birth, replies);
  }

  /** Lets a new child run, its first stop's SIGSTOP suppressed. */
  #release(tid: number, birth: Birth, replies: ReplyBatch): void {
    const child = this.kernel.thread(tid);
    if (child && birth.childTidAddress !== null) this.memory.writeI32(tid, birth.childTidAddress, child.id);
    replies.push(ReplyKind.continue, tid);
  }

  #exec(event: RawEvent, replies: ReplyBatch): void {
    const thread = this.kernel.thread(event.aux);
    const path = thread?.execPath ?? thread?.process.common.executable ?? "";
    const process = this.kernel.exec(event.tid, event.aux, path);
    const request = this.#beforeExec.get(event.tid);
    if (process && request !== undefined) {
      this.#beforeExec.delete(event.tid);
      this.notify({ type: "started", id: request, pid: process.id, nativePid: event.tid, name: process.common.name });
    }
    replies.push(ReplyKind.continue, event.tid);
  }

  #exited(event: RawEvent): void {
    const [userMicros, systemMicros, maxRssKib, minorFaults, majorFaults, contextSwitches] = event.args.map(Number);
    const usage: Usage = { userMicros, systemMicros, maxRssKib, minorFaults, majorFaults, contextSwitches };
    let status = exitStatusFromWait(Number(event.value));
    const request = this.#beforeExec.get(event.tid);
    if (request !== undefined && status.kind === "exited") {
      // The child exits with the errno of a failed set-up or execve (spawn.zig).
      this.#beforeExec.delete(event.tid);
      this.#spawnFailed(request, status.code);
      status = { kind: "exited", code: status.code === Errno.ENOENT ? 127 : 126 };
    }
    this.#early.delete(event.tid);
    this.#births.delete(event.tid);
    this.kernel.threadGone(event.tid, status, usage);
  }

  #signal(event: RawEvent, replies: ReplyBatch): void {
    const view = new DataView(event.payload.buffer, event.payload.byteOffset, event.payload.byteLength);
    if (carriesPid(view)) {
      const sender = this.kernel.processByNative(siginfoPid(view));
      // A sender outside the sandbox (umbra itself) shows as pid 0, like the kernel.
      setSiginfoPid(view, sender?.id ?? 0);
      replies.push(ReplyKind.deliverSiginfo, event.tid, { aux: event.aux }).set(event.payload);
      return;
    }
    replies.push(ReplyKind.continue, event.tid, { aux: event.aux });
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
