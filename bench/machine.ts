/**
 * Facts about the machine and tools a benchmark ran on, for the report header.
 * @module
 */

import { UMBRA } from "./variants.ts";

/** Where and with what the benchmark ran. */
export interface MachineFacts {
  /** ISO date and time (UTC) the run started. */
  readonly date: string;
  /** `nproc`. */
  readonly nproc: string;
  /** `uname -r`. */
  readonly kernel: string;
  /** The CPU model from /proc/cpuinfo. */
  readonly cpu: string;
  readonly deno: string;
  readonly strace: string;
  readonly gcc: string;
  /** The umbra checkout benchmarked: its git commit, marked when the tree has uncommitted changes. */
  readonly umbra: string;
  /** /proc/loadavg's 1-minute load when the run started (other work on the machine skews results). */
  readonly loadAtStart: string;
}

/** The first line a command prints, or "unavailable" when it cannot run. */
export async function firstLine(program: string, args: string[] = []): Promise<string> {
  try {
    const output = await new Deno.Command(program, { args, stdout: "piped", stderr: "null" }).output();
    return new TextDecoder().decode(output.stdout).split("\n")[0].trim() || "unavailable";
  } catch {
    return "unavailable";
  }
}

/** The 1-minute load average. */
export async function loadAverage(): Promise<string> {
  return (await Deno.readTextFile("/proc/loadavg")).split(" ")[0];
}

/** The git commit of the checkout holding `launcher`, with "+ uncommitted changes" when its tree is dirty. */
export async function umbraRevision(launcher: string): Promise<string> {
  const dir = launcher.replace(/\/[^/]*$/, "") || "/";
  const commit = await firstLine("git", ["-C", dir, "log", "-1", "--format=%h %s"]);
  if (commit === "unavailable") return `${launcher} (not a git checkout)`;
  const dirty = await firstLine("git", ["-C", dir, "status", "--porcelain", "--untracked-files=no"]);
  return `${commit}${dirty === "unavailable" ? "" : " + uncommitted changes"}`;
}

/** Collects the facts (the date is taken now). */
export async function machineFacts(): Promise<MachineFacts> {
  const date = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const cpu = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1].trim() ?? "unknown";
  const [nproc, kernel, strace, gcc, umbra, loadAtStart] = await Promise.all([
    firstLine("nproc"),
    firstLine("uname", ["-r"]),
    firstLine("strace", ["-V"]),
    firstLine("gcc", ["--version"]),
    umbraRevision(UMBRA),
    loadAverage(),
  ]);
  return {
    date,
    nproc,
    kernel,
    cpu,
    deno: Deno.version.deno,
    strace: strace.replace(" -- version", ""),
    gcc,
    umbra,
    loadAtStart,
  };
}
