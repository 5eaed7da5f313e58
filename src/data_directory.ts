/**
 * Data directories: where a run's outputs go. umbra marks every data directory it makes with
 * {@linkcode MARKER}, and on a later run clears only a directory whose marker it can verify, and
 * in it only the entries a run writes; everything else is left alone or the run is refused
 * before anything is written.
 *
 * The marker holds a fixed first line and the directory's device and inode numbers. A directory
 * that merely holds umbra's file names (a user's `processed-config.yaml`) has no marker; a copy
 * of a data directory (`cp -r`, a backup, an unpacked archive) or a marker copied into another
 * directory names another inode. Neither is ever cleared: outputs that were copied somewhere
 * belong to the user.
 * @module
 */

import { join } from "node:path";

/** A data directory umbra cannot use or must not clear (the CLI's bad-usage exit). */
export class DataDirectoryError extends Error {
  /** "DataDirectoryError". */
  override name = "DataDirectoryError";
}

/** The file that marks a directory as one umbra made. */
export const MARKER = ".umbra-data-directory";

const MAGIC = "umbra data directory";

/** What a run writes into its data directory besides the marker, and of which kind: only these are ever removed. */
const OUTPUTS: ReadonlyMap<string, "file" | "directory"> = new Map([
  ["processed-config.yaml", "file"],
  ["report.json", "file"],
  ["timeline.html", "file"],
  ["trace.json", "file"],
  ["hosts", "directory"],
]);

/** The OS's reason without Deno's "(os error N): op 'path'" suffix. */
function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/ \(os error \d+\).*$/s, "").split("\n")[0];
}

/** `path`'s own entry (a symbolic link is not followed), or null when nothing is there; refuses the unusable. */
function inspect(path: string): Deno.FileInfo | null {
  if (path === "") throw new DataDirectoryError("the data directory path is empty");
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw new DataDirectoryError(`cannot use data directory ${path}: ${reason(error)}`);
  }
  // Refused rather than followed: what it points at may be anyone's.
  if (info.isSymlink) throw new DataDirectoryError(`data directory ${path} is a symbolic link; give a directory`);
  if (!info.isDirectory) throw new DataDirectoryError(`data directory ${path} exists and is not a directory`);
  return info;
}

function markerText(directory: Deno.FileInfo): string {
  return `${MAGIC}\ndevice ${directory.dev} inode ${directory.ino}\n`;
}

/** Whether `path` holds a marker umbra wrote for this very directory. */
function marked(path: string, directory: Deno.FileInfo): boolean {
  const marker = join(path, MARKER);
  try {
    return Deno.lstatSync(marker).isFile && Deno.readTextFileSync(marker) === markerText(directory);
  } catch {
    return false;
  }
}

/** Writes the marker of the directory at `path` (which must not have one yet). */
function mark(path: string): void {
  try {
    Deno.writeTextFileSync(join(path, MARKER), markerText(Deno.lstatSync(path)), { createNew: true });
  } catch (error) {
    throw new DataDirectoryError(`cannot write into data directory ${path}: ${reason(error)}`);
  }
}

function kind(info: Deno.FileInfo): string {
  return info.isSymlink ? "symbolic link" : info.isDirectory ? "directory" : info.isFile ? "file" : "special file";
}

/**
 * Makes `path` ready to take a sandbox's output without removing anything: refuses an empty
 * path, a symbolic link, anything that is not a directory, and a `hosts` entry that is not a
 * directory; creates a missing directory (with its parents) and marks it as umbra's.
 */
export function openDataDirectory(path: string): void {
  const info = inspect(path);
  if (info === null) {
    try {
      Deno.mkdirSync(path, { recursive: true });
    } catch (error) {
      throw new DataDirectoryError(`cannot create data directory ${path}: ${reason(error)}`);
    }
    mark(path);
    return;
  }
  let hosts: Deno.FileInfo | null = null;
  try {
    hosts = Deno.lstatSync(join(path, "hosts"));
  } catch { /* none yet */ }
  if (hosts !== null && !hosts.isDirectory) {
    throw new DataDirectoryError(`data directory ${path}: hosts is a ${kind(hosts)}, not the directory umbra writes`);
  }
}

/**
 * Prepares `path` for a run (`umbra run`): creates and marks a missing directory, marks an empty
 * one, and in a directory umbra made removes the outputs of the earlier run (keeping any other
 * file). Refuses a non-empty directory umbra cannot prove it made, and one whose output names
 * are not what umbra writes (a symbolic link `hosts`, a directory `report.json`), before
 * anything is written or removed.
 */
export function prepareDataDirectory(path: string): void {
  const info = inspect(path);
  if (info === null) return openDataDirectory(path);
  let names: string[];
  try {
    names = [...Deno.readDirSync(path)].map((entry) => entry.name);
  } catch (error) {
    throw new DataDirectoryError(`cannot use data directory ${path}: ${reason(error)}`);
  }
  if (names.length === 0) return mark(path); // nothing in it to lose
  if (!marked(path, info)) {
    throw new DataDirectoryError(
      `data directory ${path} is not empty and umbra did not make it (no valid ${MARKER}); ` +
        "move its files or choose another --data-directory",
    );
  }
  // Every entry is checked before any is removed: a refusal leaves the directory as it was.
  const outputs: string[] = [];
  for (const name of names) {
    const expected = OUTPUTS.get(name);
    if (expected === undefined) continue; // the marker, or the user's own file
    const entry = Deno.lstatSync(join(path, name));
    if (expected === "file" ? !entry.isFile : !entry.isDirectory) {
      throw new DataDirectoryError(
        `data directory ${path}: ${name} is a ${kind(entry)}, not what umbra writes there; remove it yourself`,
      );
    }
    outputs.push(name);
  }
  try {
    // A recursive remove unlinks symbolic links inside hosts/ without following them.
    for (const name of outputs) Deno.removeSync(join(path, name), { recursive: true });
  } catch (error) {
    throw new DataDirectoryError(`cannot clear data directory ${path}: ${reason(error)}`);
  }
}
