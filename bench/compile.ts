/**
 * Compiles the benchmark programs in bench/programs/ with `gcc -O2` into .cache/bench/, keyed by a
 * hash of the sources so an edited program is rebuilt and an unchanged one is reused.
 * @module
 */

import { fileURLToPath } from "node:url";

/** The repository root (ends with a slash). */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SOURCES = `${ROOT}bench/programs`;
const CACHE = `${ROOT}.cache/bench`;
/** Header every program includes; part of each program's hash. */
const COMMON = "common.h";

/** Compiles bench/programs/<name>.c (unless cached) and returns the binary path. */
export async function compileProgram(name: string): Promise<string> {
  const source = `${SOURCES}/${name}.c`;
  const text = await Deno.readTextFile(source) + await Deno.readTextFile(`${SOURCES}/${COMMON}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  const hash = Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
  const output = `${CACHE}/${name}-${hash}`;
  try {
    await Deno.stat(output);
    return output;
  } catch { /* not built yet */ }
  await Deno.mkdir(CACHE, { recursive: true });
  const temporary = `${output}.${Deno.pid}.tmp`;
  const args = ["-O2", "-Wall", "-Wextra", "-o", temporary, source];
  const result = await new Deno.Command("gcc", { args, stderr: "piped" }).output();
  if (!result.success) throw new Error(`gcc ${name}: ${new TextDecoder().decode(result.stderr)}`);
  await Deno.rename(temporary, output);
  return output;
}

/** Compiles every named program; returns binary paths by name. */
export async function compilePrograms(names: readonly string[]): Promise<Map<string, string>> {
  const paths = await Promise.all(names.map(compileProgram));
  return new Map(names.map((name, i) => [name, paths[i]]));
}
