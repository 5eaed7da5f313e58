/**
 * Encodes a spawn request in the byte format shim/spawn.zig reads.
 * @module
 */

import { basename } from "node:path";
import type { SpawnCommand } from "../policy/messages.ts";

/** Spec flag: hold the program at its first exec stop (shim/spawn.zig `flag_hold_at_exec`). */
const HOLD_AT_EXEC = 1;
/** Spec flag: stdout is the prefix of `<prefix>.<pid>.stdout` (`flag_output_pid_stdout`). */
const OUTPUT_PID_STDOUT = 2;
/** Spec flag: stderr is the prefix of `<prefix>.<pid>.stderr` (`flag_output_pid_stderr`). */
const OUTPUT_PID_STDERR = 16;
/** Spec flag: a session of its own, the stdio paths a terminal that becomes its controlling one (`flag_terminal`). */
const TERMINAL = 32;
/** Spec flag: address-space layout randomisation off (`flag_no_aslr`). */
export const NO_ASLR = 4;
/** Spec flag: rdtsc and rdtscp trapped, answered from the virtual clock (`flag_trap_tsc`). */
export const TRAP_TSC = 8;
const HEADER_SIZE = 20;
/**
 * The largest spec libumbra takes (shim/shared.zig `spec_size_max`) and the most argv + env
 * strings: room for anything execve can take, whose ceiling is 6 MiB of strings and pointers
 * together. Below them execve itself decides, with the real stack rlimit.
 */
export const SPEC_SIZE_MAX = 6 * 1024 * 1024 + 64 * 1024;
const STRINGS_COUNT_MAX = 6 * 1024 * 1024 / 8;

/**
 * Spec bytes: u32 argc, u32 envc, u32 flags, u64 ignored signals (bit N-1: signal N), then
 * NUL-terminated path, cwd, stdin, stdout, stderr, argv, env. A stdout or stderr of null becomes
 * the `<outputDirectory>/<exe>` prefix that the child completes with its own pid (the kernel picks
 * it); `flags` adds NO_ASLR and TRAP_TSC. Null when argv and env are past what any execve takes
 * (E2BIG, as Linux would answer).
 */
export function encodeSpawnSpec(command: SpawnCommand, flags = 0): Uint8Array<ArrayBuffer> | null {
  if (command.args.length + command.env.length > STRINGS_COUNT_MAX) return null;
  const prefix = command.outputDirectory === null ? null : `${command.outputDirectory}/${basename(command.path)}`;
  const stdio = command.stdio.map((path) => {
    if (path !== null) return path;
    if (prefix === null) throw new TypeError("a stdio stream goes to the output directory, but there is none");
    return prefix;
  });
  const strings = [command.path, command.cwd, ...stdio, ...command.args, ...command.env];
  for (const string of strings) {
    if (string.includes("\0")) throw new TypeError(`spawn string contains a NUL byte: ${JSON.stringify(string)}`);
  }
  const encoded = new TextEncoder().encode(strings.map((s) => s + "\0").join(""));
  if (HEADER_SIZE + encoded.length > SPEC_SIZE_MAX) return null;
  const bytes = new Uint8Array(HEADER_SIZE + encoded.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, command.args.length, true);
  view.setUint32(4, command.env.length, true);
  view.setUint32(
    8,
    flags | (command.pause ? HOLD_AT_EXEC : 0) | (command.stdio[1] === null ? OUTPUT_PID_STDOUT : 0) |
      (command.stdio[2] === null ? OUTPUT_PID_STDERR : 0) | (command.terminal ? TERMINAL : 0),
    true,
  );
  view.setBigUint64(12, BigInt(command.ignored ?? "0"), true);
  bytes.set(encoded, HEADER_SIZE);
  return bytes;
}
