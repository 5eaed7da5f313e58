/**
 * Runs commands and times them: wall time from Deno (performance.now() around
 * Deno.Command#output()), plus the "ns_per_op=... total_ns=..." line the C programs print.
 * @module
 */

import { ROOT } from "./compile.ts";
import { commandFor, type Variant, VARIANTS } from "./variants.ts";

/** One successful run. */
export interface Sample {
  /** Wall time measured from Deno, in milliseconds. */
  readonly wallMs: number;
  /** The program's self-reported ns per operation, when it printed one. */
  readonly selfNsPerOp?: number;
  /** The program's self-reported loop time in ns, when it printed one. */
  readonly selfTotalNs?: number;
}

/** All runs of one variant of one row. */
export interface VariantRuns {
  readonly samples: Sample[];
  /** One line per failed run (exit status and the tail of stderr). */
  readonly failures: string[];
}

/** Runs of every variant of one row. */
export type RowRuns = Map<Variant, VariantRuns>;

const decoder = new TextDecoder();

/** Runs argv once with piped output; returns the sample, or an error description when it failed. */
export async function runOnce(argv: readonly string[]): Promise<Sample | string> {
  const [program, ...args] = argv;
  const command = new Deno.Command(program, { args, cwd: ROOT, stdin: "null", stdout: "piped", stderr: "piped" });
  const start = performance.now();
  const output = await command.output();
  const wallMs = performance.now() - start;
  if (!output.success) {
    const stderr = decoder.decode(output.stderr).trim().split("\n").slice(-2).join(" | ");
    const how = output.signal ? `signal ${output.signal}` : `exit ${output.code}`;
    return `${how}${stderr ? `: ${stderr}` : ""}`;
  }
  const stdout = decoder.decode(output.stdout);
  const perOp = /ns_per_op=([\d.]+)/.exec(stdout);
  const total = /total_ns=(\d+)/.exec(stdout);
  return {
    wallMs,
    selfNsPerOp: perOp ? Number(perOp[1]) : undefined,
    selfTotalNs: total ? Number(total[1]) : undefined,
  };
}

/** What umbra's `--stats` line says of one run: its stops, and the policy's time for them. */
export interface StopCount {
  readonly stops: number;
  readonly policyMs: number;
}

/** Runs `row`'s argv once under `umbra exec --stats` and reads its stats line; a string says why not. */
export async function countStops(
  argv: readonly string[],
  pin = false,
  umbraOptions: readonly string[] = [],
): Promise<StopCount | string> {
  const [program, ...args] = commandFor("umbra", argv, pin, ["--stats", ...umbraOptions]);
  const command = new Deno.Command(program, { args, cwd: ROOT, stdin: "null", stdout: "null", stderr: "piped" });
  const output = await command.output();
  const stderr = decoder.decode(output.stderr);
  const line = /umbra: stats: (\d+) stops.*policy ([\d.]+) ms/.exec(stderr);
  if (!output.success || !line) return `no stats line (exit ${output.code}): ${stderr.trim().split("\n").at(-1)}`;
  return { stops: Number(line[1]), policyMs: Number(line[2]) };
}

/**
 * Runs argv `runs` times under each variant, interleaved (native, strace, umbra, native, ...)
 * so slow drift of the machine hits every variant alike. Failed runs are recorded, not retried.
 */
export async function measureRow(
  argv: readonly string[],
  runs: number,
  variants: readonly Variant[] = VARIANTS,
  pin = false,
  umbraOptions: readonly string[] = [],
): Promise<RowRuns> {
  const result: RowRuns = new Map(variants.map((variant) => [variant, { samples: [], failures: [] }]));
  for (let run = 0; run < runs; run++) {
    for (const variant of variants) {
      const outcome = await runOnce(commandFor(variant, argv, pin, umbraOptions));
      const slot = result.get(variant)!;
      if (typeof outcome === "string") slot.failures.push(outcome);
      else slot.samples.push(outcome);
    }
  }
  return result;
}

/** The median of `values` (mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
