/**
 * The three ways every row runs a command: natively, under strace tracing the same syscall set
 * umbra's seccomp filter subscribes, and under `umbra exec`.
 * @module
 */

import { SYSCALL_TABLE } from "../src/syscalls/table.ts";
import { ROOT } from "./compile.ts";

/** A variant name, in table order. */
export type Variant = "native" | "strace" | "umbra";

/** All variants, in table order. */
export const VARIANTS: readonly Variant[] = ["native", "strace", "umbra"];

/** The umbra launcher: $UMBRA_BENCH_UMBRA when set (to bench another checkout), else ./umbra. */
export const UMBRA = Deno.env.get("UMBRA_BENCH_UMBRA") ?? `${ROOT}umbra`;

/** The CPU pinned rows run on (`taskset -c`); every process and thread of the variant shares it. */
export const PIN_CPU = "0";

/**
 * Table entries in syscall-number order, without those traced only in virtual time (the bench runs real time) and
 * those the filter refuses outright (never traced).
 */
function entriesByNumber() {
  return [...SYSCALL_TABLE.entries()].sort(([a], [b]) => a - b).map(([, entry]) => entry)
    .filter((entry) => !entry.virtualTime && entry.deny === undefined);
}

/**
 * The syscalls umbra's seccomp filter traces for every argument (from src/syscalls/table.ts), by
 * number, comma separated for strace. Entries traced only for some argument values are left out:
 * strace cannot filter on arguments, and tracing e.g. every read would give strace far more stops
 * than umbra takes.
 */
export function tracedSyscalls(): string {
  return entriesByNumber().filter((entry) => !entry.when).map((entry) => entry.name).join(",");
}

/** "1, 2, 36–37": sorted values with runs of three or more consecutive ones as ranges. */
function valuesText(values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    if (j - i >= 2) parts.push(`${sorted[i]}–${sorted[j]}`);
    else parts.push(...sorted.slice(i, j + 1).map(String));
    i = j + 1;
  }
  return parts.join(", ");
}

/** The entries umbra traces only for some argument values, e.g. "getrusage (arg 0 in -1)". */
export function conditionalSyscalls(): string[] {
  return entriesByNumber().flatMap((entry) =>
    entry.when ? [`${entry.name} (arg ${entry.when.arg} in ${valuesText(entry.when.values)})`] : []
  );
}

/** The strace prefix: follow forks, seccomp-bpf filtered to umbra's syscall set, output discarded. */
export function straceArgs(): string[] {
  return ["strace", "-f", "--seccomp-bpf", "-e", `trace=${tracedSyscalls()}`, "-o", "/dev/null"];
}

/** The full argv that runs `argv` under `variant`; `pin` wraps it all in `taskset -c PIN_CPU`. */
export function commandFor(
  variant: Variant,
  argv: readonly string[],
  pin = false,
  umbraOptions: readonly string[] = [],
): string[] {
  const prefix = pin ? ["taskset", "-c", PIN_CPU] : [];
  switch (variant) {
    case "native":
      return [...prefix, ...argv];
    case "strace":
      return [...prefix, ...straceArgs(), ...argv];
    case "umbra":
      return [...prefix, UMBRA, "exec", ...umbraOptions, "--", ...argv];
  }
}
