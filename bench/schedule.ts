/**
 * What deterministic scheduling costs: every row again under `umbra exec --time=virtual`, with
 * the native schedule and with `--schedule=deterministic`, interleaved, by wall time (in virtual
 * time a program's own clock readings are virtual, so only wall time compares).
 * @module
 */

import { median, runOnce } from "./measure.ts";
import type { Row } from "./rows.ts";
import { UMBRA } from "./variants.ts";

/** The two schedules compared, in table order. */
export const SCHEDULES = ["native", "deterministic"] as const;

/** One row's wall times (median ms) under both schedules, or why a schedule has none. */
export interface ScheduleCost {
  readonly row: Row;
  readonly ms: Readonly<Record<(typeof SCHEDULES)[number], number>>;
  readonly failures: readonly string[];
}

/** The argv that runs `row` in virtual time under `schedule`. */
export function scheduleCommand(row: Row, schedule: (typeof SCHEDULES)[number]): string[] {
  const options = (row.umbraOptions ?? []).filter((option) => !option.startsWith("--time"));
  return [UMBRA, "exec", "--time=virtual", `--schedule=${schedule}`, ...options, "--", ...row.argv];
}

/** Runs `row` `row.runs` times under each schedule, interleaved; failed runs are recorded. */
export async function measureSchedules(row: Row): Promise<ScheduleCost> {
  const samples = { native: [] as number[], deterministic: [] as number[] };
  const failures: string[] = [];
  for (let run = 0; run < row.runs; run++) {
    for (const schedule of SCHEDULES) {
      const outcome = await runOnce(scheduleCommand(row, schedule));
      if (typeof outcome === "string") failures.push(`${schedule}: ${outcome}`);
      else samples[schedule].push(outcome.wallMs);
    }
  }
  return { row, ms: { native: median(samples.native), deterministic: median(samples.deterministic) }, failures };
}

function format(ms: number): string {
  if (Number.isNaN(ms)) return "—";
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

/** The costs as a markdown table: wall ms under each schedule and their ratio. */
export function scheduleTable(costs: readonly ScheduleCost[]): string {
  const header = [
    "#",
    "benchmark",
    "virtual, native schedule (ms)",
    "virtual, deterministic (ms)",
    "deterministic/native",
  ];
  const lines = costs.map(({ row, ms }) => [
    row.id,
    row.label,
    format(ms.native),
    format(ms.deterministic),
    Number.isNaN(ms.native) || Number.isNaN(ms.deterministic) ? "—" : `${(ms.deterministic / ms.native).toFixed(2)}×`,
  ]);
  return [header, header.map((_, i) => i < 2 ? "-" : "-:"), ...lines].map((cells) => `| ${cells.join(" | ")} |`)
    .join("\n");
}
