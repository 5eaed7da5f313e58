/**
 * The emulated process world: hosts (each its own pid namespace), their process tables, and
 * every process state transition (create, fork, thread creation, exec, exit, reap).
 * No FFI here: the policy feeds native facts in and reads virtual answers out.
 * @module
 */

import { basename } from "node:path";
import { Signal } from "../abi/signals.ts";
import type { ExitStatus } from "./exit_status.ts";
import { INIT_PID, Process, type ProcessId, type Usage } from "./process.ts";
import { Thread } from "./thread.ts";

/** The first pid of every host, as in Shadow. */
export const FIRST_PID = 1000;

/** One host's pid namespace. */
export interface Host {
  readonly name: string;
  /** Next id to hand out to a thread or process; ids are never reused within a run. */
  nextId: number;
  readonly processes: Map<ProcessId, Process>;
}

/** What the kernel tells its observer (the policy) as it happens. */
export interface KernelObserver {
  /** A process became a zombie. */
  exited(process: Process, status: ExitStatus): void;
}

const CLONE_PARENT = 0x00008000n;
const CSIGNAL = 0xffn;

/** The process tables and their transitions. */
export class Kernel {
  readonly #hosts = new Map<string, Host>();
  readonly #threadsByNative = new Map<number, Thread>();

  constructor(private readonly observer: KernelObserver) {}

  /** The host named `name`, created on first use. */
  host(name: string): Host {
    let host = this.#hosts.get(name);
    if (!host) {
      host = { name, nextId: FIRST_PID, processes: new Map() };
      this.#hosts.set(name, host);
    }
    return host;
  }

  /** Every live or zombie process of every host. */
  *processes(): Iterable<Process> {
    for (const host of this.#hosts.values()) yield* host.processes.values();
  }

  /** The process `pid` of `host`, live or zombie. */
  process(host: string, pid: ProcessId): Process | undefined {
    return this.#hosts.get(host)?.processes.get(pid);
  }

  /** The live thread whose native tid is `nativeTid`. */
  thread(nativeTid: number): Thread | undefined {
    return this.#threadsByNative.get(nativeTid);
  }

  /** Count of live (not zombie) processes. */
  get liveProcessCount(): number {
    let count = 0;
    for (const process of this.processes()) if (process.state.kind === "runnable") count++;
    return count;
  }

  #allocateId(host: Host): number {
    return host.nextId++;
  }

  /** Takes the next id of `host` for a process umbra is about to start. */
  reserveId(hostName: string): number {
    return this.#allocateId(this.host(hostName));
  }

  /** A top-level process umbra started with id `id` (from reserveId): parent, group and session are init's. */
  createProcess(hostName: string, id: number, executable: string, nativePid: number): Process {
    const host = this.host(hostName);
    const process = new Process({
      id,
      host: host.name,
      parent: INIT_PID,
      group: INIT_PID,
      session: INIT_PID,
      exitSignal: null,
      name: `${host.name}.${basename(executable)}.${id}`,
      nativePid,
      executable,
      hasExeced: false,
    }, { kind: "runnable", threads: new Map() });
    this.#addThread(process, id, nativePid);
    host.processes.set(id, process);
    return process;
  }

  /**
   * A process created by fork, vfork or clone without CLONE_THREAD. `flags` are clone's flags
   * (fork: SIGCHLD). Group and session are inherited; the parent is the caller, or the caller's
   * parent under CLONE_PARENT.
   */
  forkProcess(creator: Thread, nativePid: number, flags: bigint): Process {
    const parent = creator.process;
    const host = this.host(parent.common.host);
    const id = this.#allocateId(host);
    const exitSignal = Number(flags & CSIGNAL);
    const process = new Process({
      id,
      host: host.name,
      parent: (flags & CLONE_PARENT) !== 0n ? parent.common.parent : parent.id,
      group: parent.common.group,
      session: parent.common.session,
      exitSignal: exitSignal === 0 ? null : exitSignal,
      name: `${host.name}.${basename(parent.common.executable)}.${id}`,
      nativePid,
      executable: parent.common.executable,
      hasExeced: false,
    }, { kind: "runnable", threads: new Map() });
    this.#addThread(process, id, nativePid);
    host.processes.set(id, process);
    return process;
  }

  /** A thread created by clone with CLONE_THREAD in `creator`'s process. */
  createThread(creator: Thread, nativeTid: number): Thread {
    const process = creator.process;
    return this.#addThread(process, this.#allocateId(this.host(process.common.host)), nativeTid);
  }

  #addThread(process: Process, id: number, nativeTid: number): Thread {
    if (process.state.kind !== "runnable") throw new Error(`thread added to zombie ${process.id}`);
    if (this.#threadsByNative.has(nativeTid)) throw new Error(`native tid ${nativeTid} already known`);
    const thread = new Thread(id, nativeTid, process);
    process.state.threads.set(id, thread);
    this.#threadsByNative.set(nativeTid, thread);
    return thread;
  }

  /**
   * A successful execve by the thread now at `nativeTid` (formerly `formerNativeTid`): every other
   * thread is gone and the exec'ing thread takes the process id as its tid.
   */
  exec(nativeTid: number, formerNativeTid: number, executable: string): Process | undefined {
    const thread = this.#threadsByNative.get(formerNativeTid);
    if (!thread) return undefined;
    const process = thread.process;
    for (const other of process.threads.values()) {
      if (other !== thread) this.#threadsByNative.delete(other.nativeTid);
    }
    this.#threadsByNative.delete(formerNativeTid);
    thread.id = process.id;
    thread.nativeTid = nativeTid;
    thread.exitHook = null;
    process.state = { kind: "runnable", threads: new Map([[process.id, thread]]) };
    this.#threadsByNative.set(nativeTid, thread);
    process.common.executable = executable;
    process.common.exitSignal = Signal.SIGCHLD;
    process.common.hasExeced = true;
    return process;
  }

  /**
   * A native thread is gone (reaped). When it was the process's leader, the whole process
   * ended: it becomes a zombie. Returns the process that became a zombie, if any.
   */
  threadGone(nativeTid: number, status: ExitStatus, usage: Usage): Process | undefined {
    const thread = this.#threadsByNative.get(nativeTid);
    if (!thread) return undefined;
    this.#threadsByNative.delete(nativeTid);
    const process = thread.process;
    process.threads.delete(thread.id);
    if (nativeTid !== process.common.nativePid) return undefined;
    for (const other of process.threads.values()) this.#threadsByNative.delete(other.nativeTid);
    this.#becomeZombie(process, status, usage);
    return process;
  }

  /** Runnable -> Zombie: the one place a process dies. */
  #becomeZombie(process: Process, exitStatus: ExitStatus, usage: Usage): void {
    if (process.state.kind !== "runnable") throw new Error(`process ${process.id} died twice`);
    process.state = { kind: "zombie", exitStatus, usage };
    const host = this.host(process.common.host);
    // Orphans go to init, which reaps zombies at once.
    for (const child of host.processes.values()) {
      if (child.common.parent !== process.id) continue;
      child.common.parent = INIT_PID;
      if (child.state.kind === "zombie") this.reap(child);
    }
    this.observer.exited(process, exitStatus);
    if (process.common.parent === INIT_PID) this.reap(process);
  }

  /** Removes a zombie from its host's table: its pid is gone. */
  reap(process: Process): void {
    if (process.state.kind !== "zombie") throw new Error(`reaping live process ${process.id}`);
    this.host(process.common.host).processes.delete(process.id);
  }

  /** The process whose native pid is `nativePid`, on any host. */
  processByNative(nativePid: number): Process | undefined {
    const thread = this.#threadsByNative.get(nativePid);
    if (thread) return thread.process;
    for (const process of this.processes()) if (process.common.nativePid === nativePid) return process;
    return undefined;
  }
}
