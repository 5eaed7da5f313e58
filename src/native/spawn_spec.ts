/**
 * Encodes a spawn request in the byte format shim/spawn.zig reads.
 * @module
 */

import type { SpawnCommand } from "../policy/messages.ts";

/** Spec bytes: u32 argc, u32 envc, then NUL-terminated path, cwd, stdin, stdout, stderr, argv, env. */
export function encodeSpawnSpec(command: SpawnCommand): Uint8Array<ArrayBuffer> {
  const strings = [command.path, command.cwd, ...command.stdio, ...command.args, ...command.env];
  for (const string of strings) {
    if (string.includes("\0")) throw new TypeError(`spawn string contains a NUL byte: ${JSON.stringify(string)}`);
  }
  const encoded = new TextEncoder().encode(strings.map((s) => s + "\0").join(""));
  const bytes = new Uint8Array(8 + encoded.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, command.args.length, true);
  view.setUint32(4, command.env.length, true);
  bytes.set(encoded, 8);
  return bytes;
}
