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

/** The umbra launcher at the repository root. */
export const UMBRA = `${ROOT}umbra`;

/** The syscalls umbra traces (from src/syscalls/table.ts), by number, comma separated for strace. */
export function tracedSyscalls(): string {
  return [...SYSCALL_TABLE.entries()].sort(([a], [b]) => a - b).map(([, entry]) => entry.name).join(",");
}

/** The strace prefix: follow forks, seccomp-bpf filtered to umbra's syscall set, output discarded. */
export function straceArgs(): string[] {
  return ["strace", "-f", "--seccomp-bpf", "-e", `trace=${tracedSyscalls()}`, "-o", "/dev/null"];
}

/** The full argv that runs `argv` under `variant`. */
export function commandFor(variant: Variant, argv: readonly string[]): string[] {
  switch (variant) {
    case "native":
      return [...argv];
    case "strace":
      return [...straceArgs(), ...argv];
    case "umbra":
      return [UMBRA, "exec", "--", ...argv];
  }
}
