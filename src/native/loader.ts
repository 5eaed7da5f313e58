/**
 * Finds libumbra (and the preload shim) and dlopens it. The libraries are embedded (base64) in a
 * generated module; the first use writes each to a cache directory under its SHA-256 (temp file +
 * rename, so concurrent first uses are safe) and every use verifies the bytes by hash.
 * `UMBRA_LIBRARY=/path/libumbra.so` and `UMBRA_PRELOAD=/path/libumbra_preload.so` use locally
 * built libraries instead.
 * @module
 */

import { join } from "node:path";
import { ABI_VERSION, type Library, symbols } from "./bindings.ts";
import { MESSAGE_SIZE } from "./protocol.ts";

/** A problem finding, verifying or loading the native library. */
export class LibraryError extends Error {
  /** "LibraryError". */
  override name = "LibraryError";
}

/** The libraries built into umbra. */
export type LibraryName = "umbra" | "umbra_preload";

function environment(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no --allow-env: behave as if unset
  }
}

/** The directory extracted libraries live in. */
export function cacheDirectory(): string {
  const explicit = environment("UMBRA_CACHE_DIR");
  if (explicit) return explicit;
  const xdg = environment("XDG_CACHE_HOME");
  if (xdg) return join(xdg, "umbra");
  const home = environment("HOME");
  if (home) return join(home, ".cache", "umbra");
  return join(Deno.env.get("TMPDIR") ?? "/tmp", "umbra-cache");
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function embedded(name: LibraryName): Promise<{ sha256: string; base64: string }> {
  try {
    const { libraries } = await import("./embedded.js");
    return libraries[name];
  } catch (error) {
    throw new LibraryError(
      `the embedded native library is missing (${(error as Error).message.split("\n")[0]}); run: deno task build`,
    );
  }
}

/**
 * Returns the path of a verified copy of embedded library `name`, extracting it if needed.
 * A cached file whose bytes do not match its hash is refused.
 */
export async function extractLibrary(name: LibraryName = "umbra", directory = cacheDirectory()): Promise<string> {
  const { sha256, base64 } = await embedded(name);
  const path = join(directory, `lib${name}-${sha256}.so`);
  let cached: Uint8Array<ArrayBuffer> | undefined;
  try {
    cached = await Deno.readFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (cached) {
    if (await sha256Hex(cached) !== sha256) {
      throw new LibraryError(
        `cached library ${path} does not match its SHA-256; delete it to let umbra extract it again`,
      );
    }
    return path;
  }
  const bytes = Uint8Array.fromBase64(base64);
  if (await sha256Hex(bytes) !== sha256) {
    throw new LibraryError(`the embedded ${name} library does not match its SHA-256`);
  }
  await Deno.mkdir(directory, { recursive: true });
  const temporary = `${path}.${Deno.pid}.${crypto.randomUUID()}.tmp`;
  await Deno.writeFile(temporary, bytes, { mode: 0o755 });
  await Deno.rename(temporary, path); // atomic: a concurrent reader sees all or nothing
  return path;
}

/** The LD_PRELOAD shim of virtual-time sandboxes (`UMBRA_PRELOAD` overrides the embedded copy). */
export async function preloadLibrary(): Promise<string> {
  return environment("UMBRA_PRELOAD") ?? await extractLibrary("umbra_preload");
}

/** Loads libumbra (override, or the embedded copy) and checks its ABI. Linux x86_64 only. */
export async function loadLibrary(): Promise<Library> {
  const { os, arch } = Deno.build;
  if (os !== "linux" || arch !== "x86_64") {
    throw new LibraryError(
      `umbra runs on Linux x86_64 only (ptrace and seccomp as it uses them); this is ${os} ${arch}`,
    );
  }
  const path = environment("UMBRA_LIBRARY") ?? await extractLibrary("umbra");
  let library: Library;
  try {
    library = Deno.dlopen(path, symbols);
  } catch (error) {
    throw new LibraryError(`cannot load ${path}: ${(error as Error).message}`);
  }
  const abi = library.symbols.umbra_abi_version();
  const size = library.symbols.umbra_message_size();
  if (abi !== ABI_VERSION || size !== MESSAGE_SIZE) {
    library.close();
    throw new LibraryError(
      `${path} has ABI ${abi} (message ${size} B); umbra needs ABI ${ABI_VERSION} (${MESSAGE_SIZE} B)`,
    );
  }
  return library;
}
