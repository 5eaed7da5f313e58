/**
 * Encodes a spawn request in the byte format shim/spawn.zig reads.
 * @module
 */

import type { SpawnCommand } from "../policy/messages.ts";

/** Spec flag: hold the program at its first exec stop (shim/spawn.zig `flag_hold_at_exec`). */
const HOLD_AT_EXEC = 1;
const HEADER_SIZE = 12;

/**
 * Spec bytes: u32 argc, u32 envc, u32 flags, then NUL-terminated path, cwd, stdin, stdout,
 * stderr, argv, env.
 */
export function encodeSpawnSpec(command: SpawnCommand): Uint8Array<ArrayBuffer> {
  const strings = [command.path, command.cwd, ...command.stdio, ...command.args, ...command.env];
  for (const string of strings) {
    if (string.includes("\0")) throw new TypeError(`spawn string contains a NUL byte: ${JSON.stringify(string)}`);
  }
  const encoded = new TextEncoder().encode(strings.map((s) => s + "\0").join(""));
  const bytes = new Uint8Array(HEADER_SIZE + encoded.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, command.args.length, true);
  view.setUint32(4, command.env.length, true);
  view.setUint32(8, command.pause ? HOLD_AT_EXEC : 0, true);
  bytes.set(encoded, HEADER_SIZE);
  return bytes;
}
