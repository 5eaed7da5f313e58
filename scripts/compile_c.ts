/**
 * Compiles a C program with gcc into a cache directory, keyed by a hash of its source and the local
 * headers it includes (`#include "x.h"`, next to it), so an edited program is rebuilt and an
 * unchanged one reused. Tests and benchmarks share it.
 * @module
 */

/** What to build: `source` with `flags`, cached in `cache` under `key` plus the hash. */
export interface CProgram {
  source: string;
  cache: string;
  key: string;
  flags: readonly string[];
}

/** Builds the program unless a binary for its current text is cached; returns the binary's path. */
export async function compileC({ source, cache, key, flags }: CProgram): Promise<string> {
  const directory = source.slice(0, source.lastIndexOf("/") + 1);
  const text = await Deno.readTextFile(source);
  const headers = [...text.matchAll(/^#include "([^"]+)"/gm)].map((match) => match[1]);
  const included = await Promise.all(headers.map((header) => Deno.readTextFile(`${directory}${header}`)));
  const bytes = new TextEncoder().encode([text, ...included, ...flags].join("\0"));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const hash = Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
  const output = `${cache}/${key}-${hash}`;
  try {
    await Deno.stat(output);
    return output;
  } catch { /* not built yet */ }
  await Deno.mkdir(cache, { recursive: true });
  // Concurrent test files may build the same program: each writes its own file, then renames.
  const temporary = `${output}.${Deno.pid}.${crypto.randomUUID()}.tmp`;
  const result = await new Deno.Command("gcc", { args: [...flags, "-o", temporary, source], stderr: "piped" })
    .output();
  if (!result.success) throw new Error(`gcc ${source}: ${new TextDecoder().decode(result.stderr)}`);
  await Deno.rename(temporary, output);
  return output;
}
