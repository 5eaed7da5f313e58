/**
 * strace logging's memory reads: the structs and strings src/report/strace.ts decodes (see its `memoryCaptures`),
 * copied from the tracee while its thread is stopped at the moment they mean something: what a call reads at its
 * entry (before the handler runs, so umbra's own rewrites, e.g. of /proc paths, do not show), what it wrote at its
 * end. Used only when strace logging is on; an unreadable pointer is left out (it prints as its address).
 * @module
 */

import { concatBytes, type TraceeMemory } from "../native/memory.ts";
import { captureApplies, memoryCaptures, STRING_MAX, STRINGS_MAX_COUNT } from "../report/strace.ts";

/** Memory for a SyscallRecord: lowercase hex by argument index. */
export type CapturedMemory = Record<number, string>;

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Copies the structs syscall `nr` reads (its entry captures) from thread `nativeTid`. `observed` is memory the
 * tracer already copied for one argument (an observed syscall: the thread runs on, so it is used instead of a
 * read). Returns undefined when there is nothing to copy.
 */
export function captureEntry(
  memory: TraceeMemory,
  nativeTid: number,
  nr: number,
  args: readonly bigint[],
  observed?: { arg: number; bytes: Uint8Array | null },
): CapturedMemory | undefined {
  let captured: CapturedMemory | undefined;
  for (const capture of memoryCaptures(nr)) {
    if (capture.at !== "entry" || args[capture.arg] === 0n) continue;
    if (capture.kind === "strings") {
      const bytes = readStrings(memory, nativeTid, args[capture.arg], capture.size);
      if (bytes !== null) (captured ??= {})[capture.arg] = toHex(bytes);
      continue;
    }
    const bytes = observed?.arg === capture.arg
      ? observed.bytes
      : capture.kind === "string"
      ? memory.readCString(nativeTid, args[capture.arg], capture.size)
      : memory.read(nativeTid, args[capture.arg], capture.size);
    if (bytes === null || typeof bytes === "number") continue;
    if (capture.kind === "string") (captured ??= {})[capture.arg] = toHex(bytes);
    else if (bytes.length >= capture.size) (captured ??= {})[capture.arg] = toHex(bytes.subarray(0, capture.size));
  }
  return captured;
}

/**
 * A NULL-terminated array of string pointers at `address` (argv, envp), as a `strings` capture: a u32 count of its
 * pointers (at most STRINGS_MAX_COUNT), then the first `keep` strings, each NUL-terminated and cut at STRING_MAX
 * bytes. Null when the array itself cannot be read.
 */
function readStrings(memory: TraceeMemory, nativeTid: number, address: bigint, keep: number): Uint8Array | null {
  const pointers: bigint[] = [];
  let at = address;
  while (pointers.length < STRINGS_MAX_COUNT) {
    // One page at a time: the array may end just before an unmapped page.
    const chunk = Math.min(4096 - Number(at % 4096n), 8 * (STRINGS_MAX_COUNT - pointers.length)) & ~7;
    const bytes = chunk >= 8 ? memory.read(nativeTid, at, chunk) : memory.read(nativeTid, at, 8);
    if (typeof bytes === "number") return pointers.length === 0 ? null : pack(memory, nativeTid, pointers, keep);
    const words = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let offset = 0; offset + 8 <= bytes.length; offset += 8) {
      const pointer = words.getBigUint64(offset, true);
      if (pointer === 0n) return pack(memory, nativeTid, pointers, keep);
      pointers.push(pointer);
    }
    at += BigInt(bytes.length);
  }
  return pack(memory, nativeTid, pointers, keep);
}

function pack(memory: TraceeMemory, nativeTid: number, pointers: readonly bigint[], keep: number): Uint8Array {
  const parts: Uint8Array[] = [];
  const count = new Uint8Array(4);
  new DataView(count.buffer).setUint32(0, pointers.length, true);
  parts.push(count);
  for (const pointer of pointers.slice(0, keep)) {
    let text = memory.readCString(nativeTid, pointer, STRING_MAX + 1);
    // ENAMETOOLONG: longer than kept, so its head is kept.
    if (text === -36) text = memory.read(nativeTid, pointer, STRING_MAX);
    if (typeof text === "number") break; // an unreadable string ends what is shown
    parts.push(text, new Uint8Array(1));
  }
  return concatBytes(...parts);
}

/**
 * `entry` plus the structs syscall `nr` wrote, read from thread `nativeTid` now that it ended with `result` (its
 * exit and interrupted captures that apply to that result). Returns undefined when there is nothing at all.
 */
export function captureEnd(
  memory: TraceeMemory,
  nativeTid: number,
  nr: number,
  args: readonly bigint[],
  result: bigint,
  entry: CapturedMemory | undefined,
): CapturedMemory | undefined {
  let captured = entry;
  for (const capture of memoryCaptures(nr)) {
    if (capture.at === "entry" || args[capture.arg] === 0n || !captureApplies(capture.at, BigInt.asIntN(64, result))) {
      continue;
    }
    // readlink's buffer: what the result counts (a longer one than `size` is left out).
    const length = capture.kind === "result" ? BigInt.asIntN(64, result) : BigInt(capture.size);
    if (length > BigInt(capture.size)) continue;
    const bytes = memory.read(nativeTid, args[capture.arg], Number(length));
    if (typeof bytes === "number") continue;
    captured = { ...captured, [capture.arg]: toHex(bytes) };
  }
  return captured;
}

/**
 * The memory an observed syscall's pointer argument points at, read by the policy itself (null: a NULL or
 * unreadable pointer), for when strace logging has the filter trace observed rows fully (to see their results).
 */
export function readObserved(
  memory: TraceeMemory,
  nativeTid: number,
  args: readonly bigint[],
  observe: { arg: number; length: number },
): Uint8Array | null {
  if (args[observe.arg] === 0n) return null;
  const bytes = memory.read(nativeTid, args[observe.arg], observe.length);
  return typeof bytes === "number" ? null : bytes;
}
