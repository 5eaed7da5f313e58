/**
 * The benchmark rows: what each one runs, how it is measured and the target umbra should meet.
 * @module
 */

import { PIN_CPU } from "./variants.ts";

/** `wall`: median wall time in ms. `self`: median of the program's own ns/op, shown in µs. */
export type Metric = "wall" | "self";

/** A performance target for umbra on one row. */
export interface Target {
  /** What umbra is compared with: a ratio to native or strace, or its own absolute value. */
  readonly against: "native" | "strace" | "absolute";
  /** The bound umbra's ratio (or absolute value, in the row's unit) must not exceed. */
  readonly limit: number;
  /** Compare umbra's time less its own start-up (row 6's umbra median): "within N× native plus start-up". */
  readonly lessStartup?: boolean;
}

/** One table row. */
export interface Row {
  /** "1", "2", ...; a "p" suffix marks the pinned repeat of a row. */
  readonly id: string;
  readonly label: string;
  /** The command each variant runs. */
  readonly argv: readonly string[];
  readonly metric: Metric;
  /** Runs per variant; the median is reported. */
  readonly runs: number;
  readonly target?: Target;
  /** Also report the program's self-timed loop (to separate start-up from steady state). */
  readonly showSelfTimed?: boolean;
  /** Run every variant pinned to one CPU (`taskset -c`), tracer and tracee alike. */
  readonly pin?: boolean;
  /** Options for `umbra exec` (e.g. `--time=virtual`). */
  readonly umbraOptions?: readonly string[];
}

/** The C programs in bench/programs/ the rows use. */
export const PROGRAMS = [
  "getpid",
  "compute",
  "fork_exit",
  "fork_exec",
  "signal",
  "clock",
  "open_close",
  "timer_signal",
  "children",
] as const;

/** The C file row 11 compiles. */
const SMALL_C_FILE = new URL("./programs/fork_exec.c", import.meta.url).pathname;

/** The makefile of row 13: two compiles at once. */
const TWO_JOBS = new URL("./programs/two_jobs.mk", import.meta.url).pathname;

/** Default iterations of the compute loop (row 2). */
export const COMPUTE_ITERATIONS = 1_000_000_000;

/** The unit a row's values are shown in. */
export function unitOf(row: Row): string {
  return row.metric === "self" ? "µs/call" : "ms";
}

/** The target as text, e.g. "umbra ≤ 0.8× strace". */
export function targetText(target: Target | undefined, unit: string): string {
  if (!target) return "report only";
  const bound = target.against === "absolute" ? `${target.limit} ${unit}` : `${target.limit}× ${target.against}`;
  const startup = target.lessStartup ? " + start-up" : "";
  return `umbra ≤ ${bound}${startup}`;
}

/** "1e9", "5e8", or the plain number when that is shorter to read. */
function iterationsText(n: number): string {
  const exponent = Math.floor(Math.log10(n));
  const mantissa = n / 10 ** exponent;
  return Number.isInteger(mantissa) && exponent >= 6 ? `${mantissa === 1 ? "" : `${mantissa}×`}1e${exponent}` : `${n}`;
}

/** Iterations of the pinned repeats: fewer, since a stop costs far more when everything shares one CPU. */
const PINNED_ITERATIONS: Readonly<Record<string, number>> = { "1": 20_000, "7": 2_000 };
const PINNED_RUNS = 3;

/** Builds the rows from the compiled program paths and the (possibly reduced) compute iteration count. */
export function buildRows(bin: ReadonlyMap<string, string>, computeIterations: number): Row[] {
  const path = (name: string) => bin.get(name)!;
  const rows = baseRows(path, computeIterations);
  // Tracer/tracee ping-pong costs depend a lot on whether the two share a CPU; repeat the
  // per-call rows with everything on one CPU so that effect is visible rather than hidden in noise.
  const pinned = rows.filter((row) => row.id in PINNED_ITERATIONS).map((row): Row => {
    const iterations = PINNED_ITERATIONS[row.id];
    return {
      ...row,
      id: `${row.id}p`,
      label: row.label.replace(/×\d+/, `×${iterations}`).replace(
        /, per (call|signal)$/,
        `, per $1, pinned to CPU ${PIN_CPU}`,
      ),
      argv: [row.argv[0], `${iterations}`],
      runs: PINNED_RUNS,
      pin: true,
    };
  });
  return [...rows, ...pinned].sort((a, b) => a.id.localeCompare(b.id, "en", { numeric: true }));
}

function baseRows(path: (name: string) => string, computeIterations: number): Row[] {
  return [
    {
      id: "1",
      label: "syscall(SYS_getpid) ×100000, per call",
      argv: [path("getpid"), "100000"],
      metric: "self",
      runs: 3,
      target: { against: "strace", limit: 1 },
    },
    {
      id: "2",
      label: `compute loop ×${iterationsText(computeIterations)}, wall`,
      argv: [path("compute"), `${computeIterations}`],
      metric: "wall",
      runs: 5,
      target: { against: "native", limit: 1.02 },
      showSelfTimed: true,
    },
    {
      id: "3",
      label: "fork + _exit + waitpid ×500, wall",
      argv: [path("fork_exit"), "500"],
      metric: "wall",
      runs: 5,
      target: { against: "native", limit: 2 },
    },
    {
      id: "4",
      label: "fork + execve(/bin/true) + waitpid ×200, wall",
      argv: [path("fork_exec"), "200"],
      metric: "wall",
      runs: 5,
    },
    {
      id: "5",
      label: "bash -c 'for i in $(seq 200); do /bin/true; done', wall",
      argv: ["bash", "-c", "for i in $(seq 200); do /bin/true; done"],
      metric: "wall",
      runs: 5,
      target: { against: "native", limit: 1.5, lessStartup: true },
    },
    {
      id: "6",
      label: "/bin/true start-up, wall",
      argv: ["/bin/true"],
      metric: "wall",
      runs: 9,
      target: { against: "absolute", limit: 60 },
    },
    {
      id: "7",
      label: "kill(self, SIGUSR1) + handler ×10000, per signal",
      argv: [path("signal"), "10000"],
      metric: "self",
      runs: 5,
    },
    {
      id: "12",
      label: "timer_settime(1 µs) + sigsuspend ×2000, per signal",
      argv: [path("timer_signal"), "2000"],
      metric: "self",
      runs: 5,
    },
    {
      id: "8",
      label: "clock_gettime ×2e7, wall; umbra --time=virtual (shim, in-process)",
      argv: [path("clock"), "20000000"],
      metric: "wall",
      runs: 3,
      target: { against: "native", limit: 2 },
      umbraOptions: ["--time=virtual"],
    },
    {
      id: "9",
      label: "open + close ×20000, per pair",
      argv: [path("open_close"), "20000"],
      metric: "self",
      runs: 3,
      target: { against: "strace", limit: 1 },
    },
    {
      id: "10",
      label: "python3 -c pass, wall",
      argv: ["python3", "-c", "pass"],
      metric: "wall",
      runs: 5,
      target: { against: "native", limit: 1.5, lessStartup: true },
    },
    {
      id: "11",
      label: "gcc -O2 -c (a 60-line C file), wall",
      argv: ["gcc", "-O2", "-c", SMALL_C_FILE, "-o", "/dev/null"],
      metric: "wall",
      runs: 5,
      target: { against: "native", limit: 1.5, lessStartup: true },
    },
    {
      id: "13",
      label: "make -j2 (two gcc -O2 -c jobs at once), wall",
      argv: ["make", "-s", "-j2", "-f", TWO_JOBS],
      metric: "wall",
      runs: 5,
      target: { against: "native", limit: 1.5, lessStartup: true },
    },
    // Scale: a fork's cost should not grow with the processes alive beside it (compare 14, 15).
    {
      id: "14",
      label: "fork + _exit + waitpid ×500 beside 10 live children, per fork",
      argv: [path("children"), "500", "10"],
      metric: "self",
      runs: 3,
    },
    {
      id: "15",
      label: "fork + _exit + waitpid ×500 beside 1,000 live children, per fork",
      argv: [path("children"), "500", "1000"],
      metric: "self",
      runs: 3,
    },
    {
      id: "16",
      label: "1,000 concurrent children (all blocked in read, all end at once, reaped), wall",
      argv: [path("children"), "0", "1000"],
      metric: "wall",
      runs: 3,
    },
  ];
}
