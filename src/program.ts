/**
 * Finding the program to start, with the errors a shell gives (127: not found, 126: not runnable).
 * @module
 */

import { isAbsolute, join, resolve } from "node:path";

/** A program that cannot be started; `exitCode` is what a shell would exit with. */
export class ProgramError extends Error {
  /** "ProgramError". */
  override name = "ProgramError";

  /** `message` says what is wrong; `exitCode` is 126 (not runnable) or 127 (not found). */
  constructor(message: string, readonly exitCode: 126 | 127) {
    super(message);
  }
}

function statOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.statSync(path);
  } catch {
    return null;
  }
}

/** Resolves `program` like execvp: a path with a slash as is, otherwise through `searchPath`. */
export function resolveProgram(program: string, searchPath = "/usr/local/bin:/usr/bin:/bin"): string {
  if (program === "") throw new ProgramError("cannot run '': No such file or directory", 127);
  const candidates = program.includes("/")
    ? [isAbsolute(program) ? program : resolve(program)]
    : searchPath.split(":").map((dir) => join(dir || ".", program));
  let found: { path: string; info: Deno.FileInfo } | null = null;
  for (const path of candidates) {
    const info = statOrNull(path);
    if (!info) continue;
    if (info.isFile && ((info.mode ?? 0) & 0o111) !== 0) return resolve(path);
    found ??= { path, info };
  }
  if (!found) throw new ProgramError(`cannot run '${program}': No such file or directory`, 127);
  const why = found.info.isDirectory ? "Is a directory" : "Permission denied";
  throw new ProgramError(`cannot run '${program}': ${why}`, 126);
}
