/**
 * Turns measured runs into the result table (plain text and markdown), the list of missed
 * targets, and notes on anything odd (failed runs, noisy rows, a clock that is not real time).
 * @module
 */

import { median, type RowRuns, type Sample, type StopCount } from "./measure.ts";
import { type Row, targetText, unitOf } from "./rows.ts";
import { type Variant, VARIANTS } from "./variants.ts";

/** One measured row, reduced to medians. */
export interface RowSummary {
  readonly row: Row;
  readonly runs: RowRuns;
  /** Median per variant in the row's unit; NaN when the variant did not run or every run failed. */
  readonly values: Readonly<Record<Variant, number>>;
  /** umbra / native, umbra / strace, strace / native. */
  readonly ratios: { readonly straceNative: number; readonly umbraNative: number; readonly umbraStrace: number };
  /** What the target bounds: umbra's value or ratio, start-up taken off where the target says so. */
  readonly targetValue: number;
  readonly status: "met" | "missed" | "report" | "unknown";
  /** One more umbra run's `--stats`: its stops and the policy's time; a string says why there are none. */
  readonly stops: StopCount | string;
}

function valueOf(row: Row, sample: Sample): number {
  if (row.metric === "wall") return sample.wallMs;
  return sample.selfNsPerOp === undefined ? NaN : sample.selfNsPerOp / 1000;
}

/**
 * Reduces a row's runs to medians, ratios and the target status; `startupMs` (umbra's own
 * start-up) is taken off umbra's time for a `lessStartup` target.
 */
export function summarise(row: Row, runs: RowRuns, stops: StopCount | string, startupMs = NaN): RowSummary {
  const value = (variant: Variant) => median((runs.get(variant)?.samples ?? []).map((s) => valueOf(row, s)));
  const values = { native: value("native"), strace: value("strace"), umbra: value("umbra") };
  const ratios = {
    straceNative: values.strace / values.native,
    umbraNative: values.umbra / values.native,
    umbraStrace: values.umbra / values.strace,
  };
  let status: RowSummary["status"] = "report";
  let targetValue = NaN;
  if (row.target) {
    const { against, limit } = row.target;
    const umbra = row.target.lessStartup ? values.umbra - startupMs : values.umbra;
    const actual = against === "absolute"
      ? umbra
      : against === "native"
      ? umbra / values.native
      : umbra / values.strace;
    status = Number.isNaN(actual) ? "unknown" : actual <= limit ? "met" : "missed";
    targetValue = actual;
  }
  return { row, runs, values, ratios, targetValue, status, stops };
}

/** A value with about three significant digits. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return "—";
  const magnitude = Math.abs(value);
  const digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  return value.toFixed(digits);
}

function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : "—";
}

function statusText(summary: RowSummary): string {
  switch (summary.status) {
    case "met":
      return "ok";
    case "missed":
      return "MISS";
    case "unknown":
      return "no data";
    case "report":
      return "—";
  }
}

const HEADER = [
  "#",
  "benchmark",
  "unit",
  "native",
  "strace",
  "umbra",
  "strace/native",
  "umbra/native",
  "umbra/strace",
  "umbra stops",
  "policy µs/stop",
  "target",
  "status",
];
const NUMERIC = new Set([0, 3, 4, 5, 6, 7, 8, 9, 10]);

/** Stops a row needs before its policy time per stop is shown. */
const POLICY_MIN_STOPS = 100;

function cells(summary: RowSummary): string[] {
  const { row, values, ratios } = summary;
  return [
    `${row.id}`,
    row.label,
    unitOf(row),
    ...VARIANTS.map((variant) => formatNumber(values[variant])),
    formatRatio(ratios.straceNative),
    formatRatio(ratios.umbraNative),
    formatRatio(ratios.umbraStrace),
    typeof summary.stops === "string" ? "—" : `${summary.stops.stops}`,
    // Over a few stops the policy's time is mostly its own warming up (JIT), not a cost per stop.
    typeof summary.stops === "string" || summary.stops.stops < POLICY_MIN_STOPS
      ? "—"
      : (summary.stops.policyMs * 1000 / summary.stops.stops).toFixed(1),
    targetText(row.target, unitOf(row)),
    statusText(summary),
  ];
}

/** The table as aligned plain text for the terminal. */
export function textTable(summaries: readonly RowSummary[]): string {
  const rows = [HEADER, ...summaries.map(cells)];
  const widths = HEADER.map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row: string[]) =>
    row.map((cell, column) => NUMERIC.has(column) ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))
      .join("  ").trimEnd();
  return [line(rows[0]), widths.map((width) => "-".repeat(width)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

/** The table as GitHub markdown. */
export function markdownTable(summaries: readonly RowSummary[]): string {
  const escape = (cell: string) => cell.replaceAll("|", "\\|");
  const line = (row: string[]) => `| ${row.map(escape).join(" | ")} |`;
  const rule = `|${HEADER.map((_, column) => NUMERIC.has(column) ? "---:" : "---").join("|")}|`;
  return [line(HEADER), rule, ...summaries.map((summary) => line(cells(summary)))].join("\n");
}

/**
 * One sentence per row whose target umbra misses, then one per row
 * where umbra is slower than strace tracing the same calls (every row's standing target).
 */
export function misses(summaries: readonly RowSummary[]): string[] {
  const slower = summaries.filter(({ row, ratios }) => ratios.umbraStrace > 1 && row.target?.against !== "strace");
  return [
    ...ownMisses(summaries),
    ...slower.map(({ row, ratios }) =>
      `row ${row.id} (${row.label}): umbra is ${formatRatio(ratios.umbraStrace)} strace; every row: umbra ≤ 1× strace`
    ),
  ];
}

function ownMisses(summaries: readonly RowSummary[]): string[] {
  return summaries.filter((summary) => summary.status === "missed").map((summary) => {
    const { row, targetValue } = summary;
    const target = row.target!;
    const unit = unitOf(row);
    const startup = target.lessStartup ? ", start-up taken off" : "";
    const actual = target.against === "absolute"
      ? `${formatNumber(targetValue)} ${unit}${startup}`
      : `${formatRatio(targetValue)} ${target.against}${startup}`;
    return `row ${row.id} (${row.label}): umbra is ${actual}; target ${targetText(target, unit)}`;
  });
}

/** Facts worth a look: failed runs, noisy variants, self-timed loops, a clock that ran ahead of wall time. */
export function notes(summaries: readonly RowSummary[]): string[] {
  const result: string[] = [];
  for (const { row, runs } of summaries) {
    for (const [variant, { samples, failures }] of runs) {
      if (failures.length) {
        const total = samples.length + failures.length;
        result.push(
          `row ${row.id} ${variant}: ${failures.length} of ${total} runs failed (excluded from the median); ` +
            `first: ${failures[0]}`,
        );
      }
      const values = samples.map((sample) => valueOf(row, sample));
      const [low, high] = [Math.min(...values), Math.max(...values)];
      if (values.length >= 3 && high > 1.25 * low && (row.metric === "self" || high > 20)) {
        result.push(
          `row ${row.id} ${variant}: noisy, ${formatNumber(low)}–${formatNumber(high)} ${unitOf(row)} ` +
            `over ${values.length} runs`,
        );
      }
      if (samples.some((s) => s.selfTotalNs !== undefined && !plausibleLoopTime(s.selfTotalNs / 1e6, s.wallMs))) {
        result.push(
          `row ${row.id} ${variant}: the program's CLOCK_MONOTONIC loop time does not fit Deno's wall time; ` +
            `the clock is not real time there, so self-reported numbers are not comparable`,
        );
      }
    }
    if (row.showSelfTimed) result.push(selfTimedNote(row, runs));
  }
  for (const { row, stops } of summaries) {
    if (typeof stops === "string") result.push(`row ${row.id}: no stop count: ${stops}`);
  }
  return result;
}

/** Start-up time (ms) a loop's self-timed span may leave out of the wall time before it looks odd. */
const STARTUP_ALLOWANCE_MS = 250;

/**
 * Whether a self-timed loop fits the wall time around its process: not longer than it (a clock
 * running ahead) and, once start-up is allowed for, not under half of it (a virtual clock that
 * barely moves, as with `umbra exec --time=virtual`).
 */
function plausibleLoopTime(loopMs: number, wallMs: number): boolean {
  return loopMs <= wallMs + 1 && loopMs >= 0.5 * (wallMs - STARTUP_ALLOWANCE_MS);
}

function selfTimedNote(row: Row, runs: RowRuns): string {
  const loopMs = (variant: Variant) =>
    median((runs.get(variant)?.samples ?? []).flatMap((s) => s.selfTotalNs === undefined ? [] : [s.selfTotalNs / 1e6]));
  const native = loopMs("native");
  const parts = VARIANTS.map((variant) => `${variant} ${formatNumber(loopMs(variant))} ms`);
  return `row ${row.id}: the loop alone (self-timed, median): ${parts.join(", ")}; ` +
    `umbra/native ${formatRatio(loopMs("umbra") / native)}, strace/native ${formatRatio(loopMs("strace") / native)}. ` +
    `The rest of the wall-time gap is process start-up.`;
}
