/**
 * Reading and writing tracee memory (process_vm_readv/writev through libumbra). Callable from
 * the policy thread directly: these need no ptrace stop and no tracer thread.
 * @module
 */

import type { Library } from "./bindings.ts";

const PAGE = 4096n;

/** Access to the memory of traced processes, by native pid. Failures return -errno. */
export class TraceeMemory {
  constructor(private readonly library: Library) {}

  /** Reads `length` bytes at `address`, or returns -errno (e.g. -EFAULT). */
  read(nativePid: number, address: bigint, length: number): Uint8Array<ArrayBuffer> | number {
    const buffer = new Uint8Array(length);
    if (length === 0) return buffer;
    const rc = Number(this.library.symbols.umbra_read_memory(nativePid, address, buffer, BigInt(length)));
    if (rc < 0) return rc;
    if (rc !== length) return -14; // EFAULT: part of the range is unmapped
    return buffer;
  }

  /**
   * Writes `bytes` at `address`; returns 0 or -errno. All or nothing, as the kernel's own copies
   * to user memory: a range that crosses into a page it cannot write is left as it was.
   */
  write(nativePid: number, address: bigint, bytes: Uint8Array): number {
    if (bytes.length === 0) return 0;
    // Only a range over a page boundary can be written in part; its old bytes go back then.
    const crosses = Number(address % PAGE) + bytes.length > Number(PAGE);
    const old = crosses ? this.read(nativePid, address, bytes.length) : null;
    if (typeof old === "number") return old; // unreadable: it would not be writable either
    const rc = Number(this.library.symbols.umbra_write_memory(nativePid, address, bytes, BigInt(bytes.length)));
    if (rc === bytes.length) return 0;
    if (rc > 0 && old) this.library.symbols.umbra_write_memory(nativePid, address, old, BigInt(rc));
    return rc < 0 ? rc : -14; // EFAULT
  }

  /**
   * The bytes of the NUL-terminated string at `address` (without the NUL), at most `max` bytes
   * with the NUL (PATH_MAX by default); -errno when unreadable, -ENAMETOOLONG when longer.
   */
  readCString(nativePid: number, address: bigint, max = 4096): Uint8Array | number {
    const parts: Uint8Array[] = [];
    let length = 0;
    let at = address;
    while (length < max) {
      // Stay within one page per read so that an unmapped next page does not fail a short string.
      const chunk = Math.min(4096 - Number(at % 4096n), max - length);
      const bytes = this.read(nativePid, at, chunk);
      if (typeof bytes === "number") return bytes;
      const end = bytes.indexOf(0);
      if (end >= 0) return concatBytes(...parts, bytes.subarray(0, end));
      parts.push(bytes);
      length += chunk;
      at += BigInt(chunk);
    }
    return -36; // ENAMETOOLONG
  }

  /** Writes a little-endian i32. */
  writeI32(nativePid: number, address: bigint, value: number): number {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setInt32(0, value, true);
    return this.write(nativePid, address, bytes);
  }
}

/** `parts` one after the other in one array. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
