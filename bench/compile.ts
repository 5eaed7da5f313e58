/**
 * Compiles the benchmark programs in bench/programs/ with `gcc -O2` into .cache/bench/ (rebuilt
 * when a program or a header it includes changes).
 * @module
 */

import { fileURLToPath } from "node:url";
import { compileC } from "../scripts/compile_c.ts";

/** The repository root (ends with a slash). */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Compiles every named program; returns binary paths by name. */
export async function compilePrograms(names: readonly string[]): Promise<Map<string, string>> {
  const paths = await Promise.all(names.map((name) =>
    compileC({
      source: `${ROOT}bench/programs/${name}.c`,
      cache: `${ROOT}.cache/bench`,
      key: name,
      flags: ["-O2", "-Wall", "-Wextra"],
    })
  ));
  return new Map(names.map((name, i) => [name, paths[i]]));
}
