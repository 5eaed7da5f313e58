/**
 * `deno task bench`: runs every benchmark row natively, under strace (same traced syscall set)
 * and under umbra, prints the table, the targets umbra misses and notes, and writes the same
 * table to docs/benchmarks.md; then every row again in virtual time with the native and the
 * deterministic schedule (what deterministic scheduling costs). Takes about 2–3 minutes on a
 * 2-core VM; not part of CI.
 * @module
 */

import { compilePrograms } from "./compile.ts";
import { loadAverage, machineFacts } from "./machine.ts";
import { DOC_PATH, writeMarkdown } from "./markdown.ts";
import { countStops, measureRow } from "./measure.ts";
import { sizeComputeLoop, warmUp } from "./prepare.ts";
import { misses, notes, type RowSummary, summarise, textTable } from "./report.ts";
import { buildRows, PROGRAMS } from "./rows.ts";
import { measureSchedules, type ScheduleCost, scheduleTable } from "./schedule.ts";
import { tracedSyscalls } from "./variants.ts";

function progress(started: number, text: string): void {
  console.error(`[${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${text}`);
}

async function main(): Promise<void> {
  const started = performance.now();
  const facts = await machineFacts();
  progress(started, `compiling bench/programs (load average ${facts.loadAtStart})`);
  const bin = await compilePrograms(PROGRAMS);
  progress(started, `strace traces: ${tracedSyscalls()}`);
  progress(started, "warming up native, strace and umbra");
  const { variants, warnings } = await warmUp();
  const compute = await sizeComputeLoop(bin.get("compute")!);
  if (compute.note) warnings.push(compute.note);

  const measured = [];
  for (const row of buildRows(bin, compute.iterations)) {
    progress(started, `row ${row.id}: ${row.label} (${row.runs} runs × ${variants.join(", ")})`);
    const runs = await measureRow(row.argv, row.runs, variants, row.pin, row.umbraOptions);
    measured.push({ row, runs, stops: await countStops(row.argv, row.pin, row.umbraOptions) });
  }
  // Targets "plus start-up" take off row 6's umbra time, whichever row comes first.
  const startup = measured.find(({ row }) => row.id === "6");
  const startupMs = startup ? summarise(startup.row, startup.runs, startup.stops).values.umbra : NaN;
  const summaries: RowSummary[] = measured.map(({ row, runs, stops }) => summarise(row, runs, stops, startupMs));
  const schedules: ScheduleCost[] = [];
  for (const row of buildRows(bin, compute.iterations).filter((row) => !row.pin)) {
    progress(started, `row ${row.id} in virtual time: native vs deterministic schedule (${row.runs} runs each)`);
    const cost = await measureSchedules(row);
    schedules.push(cost);
    warnings.push(...cost.failures.map((failure) => `row ${row.id} in virtual time failed: ${failure}`));
  }
  const seconds = (performance.now() - started) / 1000;
  const missed = misses(summaries);
  const loadAtEnd = await loadAverage();
  const allNotes = [
    ...warnings,
    ...notes(summaries),
    `load average (1 min) at start ${facts.loadAtStart}, at end ${loadAtEnd}`,
  ];

  console.log(`\numbra benchmarks, ${facts.date}, nproc ${facts.nproc}, kernel ${facts.kernel}\n`);
  console.log(textTable(summaries));
  console.log(`\nDeterministic scheduling (virtual time, wall ms):\n${scheduleTable(schedules)}`);
  console.log(`\nTargets umbra misses:${missed.length ? "" : " none"}`);
  for (const line of missed) console.log(`  - ${line}`);
  console.log(`\nNotes:${allNotes.length ? "" : " none"}`);
  for (const line of allNotes) console.log(`  - ${line}`);

  await writeMarkdown({
    facts,
    summaries,
    schedules,
    misses: missed,
    notes: allNotes,
    seconds,
    computeNote: compute.note,
  });
  console.log(`\nwrote ${DOC_PATH} (${seconds.toFixed(0)} s in total)`);
}

if (import.meta.main) await main();
