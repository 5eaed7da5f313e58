import { deepEqual, equal, match, ok } from "node:assert/strict";
import type { EventExitStatus, TimelineInput, UmbraEvent } from "../src/report/events.ts";
import { escapeHtml, formatTime, niceTickStep, renderTimeline } from "../src/report/timeline.ts";
import { type TraceDocument, type TraceEvent, traceEvents } from "../src/report/trace_events.ts";
import { assertClean, UMBRA } from "./_util.ts";

const S = 1_000_000_000;

/** The process rows in document order: pid, host, depth. */
function rows(html: string): { pid: number; host: string; depth: number }[] {
  const pattern = /<div class="row[^"]*" id="r\d+" data-pid="(\d+)" data-host="([^"]*)" data-depth="(\d+)"/g;
  return [...html.matchAll(pattern)].map((m) => ({ pid: Number(m[1]), host: m[2], depth: Number(m[3]) }));
}

/** Matches of `pattern` in the rows (the header's legend has a mark of each kind too). */
function count(html: string, pattern: RegExp): number {
  const rows = html.slice(html.indexOf('<div id="rows">'));
  return [...rows.matchAll(new RegExp(pattern.source, "g"))].length;
}

/** The label text of the row of `pid` (the first, on any host). */
function labelOf(html: string, pid: number): string {
  const row = html.match(new RegExp(`data-pid="${pid}"[^>]*><div class="lab"[^>]*>.*?<span class="name">([^<]*)<`));
  return row?.[1] ?? "";
}

function at(seconds: number): string {
  return String(Math.round(seconds * S));
}

/** A small run with one of everything. */
function sample(): TimelineInput {
  const events: UmbraEvent[] = [
    { kind: "start", time: at(0), host: "a", pid: 1000, parent: 1, name: "sh", argv: ["sh", "-c", "run it"] },
    { kind: "fork", time: at(1), host: "a", pid: 1003, parent: 1000, name: "sh" },
    { kind: "fork", time: at(2), host: "a", pid: 1001, parent: 1000, name: "sh" },
    { kind: "exec", time: at(2.5), host: "a", pid: 1001, path: "/bin/sleep", argv: ["sleep", "5"] },
    { kind: "fork", time: at(3), host: "a", pid: 1004, parent: 1001, name: "sleep" },
    { kind: "fork", time: at(4), host: "a", pid: 1002, parent: 1000, name: "sh" },
    { kind: "signal", time: at(5), host: "a", from: 1000, to: 1002, signal: "SIGTERM" },
    { kind: "exit", time: at(5), host: "a", pid: 1002, status: killed("SIGTERM", 15) },
    { kind: "signal", time: at(6), host: "a", from: null, to: 1003, signal: "SIGKILL" },
    { kind: "exit", time: at(6), host: "a", pid: 1003, status: killed("SIGKILL", 9) },
    { kind: "exit", time: at(7), host: "a", pid: 1004, status: { kind: "exited", code: 0 } },
    { kind: "exit", time: at(8), host: "a", pid: 1001, status: { kind: "exited", code: 3 } },
    { kind: "start", time: at(1), host: "b", pid: 1000, parent: 1, name: "srv", argv: ["srv"] },
    { kind: "exit", time: at(10), host: "a", pid: 1000, status: { kind: "running" } },
    { kind: "exit", time: at(10), host: "b", pid: 1000, status: { kind: "running" } },
  ];
  return { title: "sample run", stopTime: at(10), events };
}

function killed(signal: string, number: number): EventExitStatus {
  return { kind: "signaled", signal, number, coreDumped: false };
}

Deno.test("renderTimeline escapes the title, names, argv and paths", () => {
  const nasty = `<img src=x onerror="alert('&')">`;
  const html = renderTimeline({
    title: nasty,
    stopTime: at(2),
    events: [
      { kind: "start", time: at(0), host: `h"<`, pid: 1000, parent: 1, name: nasty, argv: [nasty, "</script>"] },
      { kind: "exec", time: at(1), host: `h"<`, pid: 1000, path: `/tmp/</div>&"'`, argv: [`</div>`, nasty] },
    ],
  });
  ok(!html.includes("<img"), "raw markup from the input");
  deepEqual(html.match(/<\/script>/g)?.length, 1, "only the page's own </script>");
  ok(!html.includes("</div>&"), "raw path");
  ok(html.includes("&lt;img src=x onerror=&quot;alert(&#39;&amp;&#39;)&quot;&gt;"));
  deepEqual(rows(html)[0].host, "h&quot;&lt;");
  deepEqual(escapeHtml(`a<b>&"c'\n`), "a&lt;b&gt;&amp;&quot;c&#39;&#10;");
});

Deno.test("renderTimeline draws one row with one lifeline per process, keeping equal pids on different hosts apart", () => {
  const html = renderTimeline(sample());
  const found = rows(html);
  deepEqual(found.length, 6);
  deepEqual(count(html, /class="lifeline/), 6);
  deepEqual(found.filter((l) => l.pid === 1000).map((l) => l.host), ["a", "b"]);
  match(html, /id="summary"[^>]*data-processes="6"/);
});

Deno.test("children are nested under their parent in pid order, each host under its own header", () => {
  const html = renderTimeline(sample());
  const order = rows(html).map((l) => `${l.host}:${l.pid}@${l.depth}`);
  deepEqual(order, ["a:1000@0", "a:1001@1", "a:1004@2", "a:1002@1", "a:1003@1", "b:1000@0"]);
  const hosts = [...html.matchAll(/<div class="row host"[^>]*><div class="lab">([^<]*)</g)].map((m) => m[1].trim());
  deepEqual(hosts, ["a", "b"]);
  // Parents can collapse their subtree; a child names its parent's row for the hover.
  deepEqual(count(html, /<b class="tog" data-kids="\d+">/), 2);
  match(html, /data-pid="1004" [^>]*data-parent="r2"/);
});

Deno.test("labels show pid and argv: the last exec's, the start's, or the parent's for a fork that did not exec", () => {
  const html = renderTimeline(sample());
  deepEqual(labelOf(html, 1000), "sh -c &#39;run it&#39;");
  deepEqual(labelOf(html, 1001), "sleep 5");
  deepEqual(labelOf(html, 1003), "sh -c &#39;run it&#39;", "a fork runs its parent's program");
  deepEqual(labelOf(html, 1004), "sleep 5");
  const long = renderTimeline({
    title: "long",
    stopTime: at(1),
    events: [{ kind: "start", time: "0", host: "h", pid: 1000, parent: 1, name: "p", argv: ["p", "x".repeat(500)] }],
  });
  deepEqual(labelOf(long, 1000), `p ${"x".repeat(98)}…`, "cut in the label");
  ok(long.includes(`data-tip="p ${"x".repeat(500)}&#10;`), "whole in the hover");
});

Deno.test("forks, execs, signals and every kind of exit leave their marks; signals name sender and time", () => {
  const html = renderTimeline(sample());
  deepEqual(count(html, /class="mark forks"/), 4);
  deepEqual(count(html, /class="mark exec"/), 1);
  deepEqual(count(html, /class="mark start"/), 2);
  deepEqual(count(html, /class="mark sig" data-from="r1"/), 1, "SIGTERM from 1000 (row 1) to 1002");
  deepEqual(count(html, /class="mark sig out"/), 1, "SIGKILL from outside");
  deepEqual(count(html, /class="mark exit ok"/), 1);
  deepEqual(count(html, /class="mark exit fail"/), 1);
  deepEqual(count(html, /class="mark exit killed"/), 2);
  deepEqual(count(html, /class="mark exit running"/), 2);
  ok(html.includes("SIGTERM on a&#10;from sh (pid 1000)&#10;to sh (pid 1002)&#10;at 5 s (5000000000 ns)"));
  ok(html.includes("from outside the sandbox"));
  ok(html.includes("killed by SIGKILL (9) at 6 s"));
  ok(html.includes("still running at stop (10 s)"));
  ok(!/<div class="(sig|fork)/.test(html), "no line across rows");
});

Deno.test("a thousand SIGCHLDs close together fold into one mark with a count; far apart they stay apart", () => {
  const events: UmbraEvent[] = [
    { kind: "start", time: "0", host: "h", pid: 1000, parent: 1, name: "sh", argv: ["sh"] },
  ];
  for (let i = 0; i < 1000; i++) {
    const pid = 1001 + i;
    events.push({ kind: "fork", time: String(i * 1000), host: "h", pid, parent: 1000, name: "sh" });
    events.push({ kind: "exit", time: String(i * 1000 + 500), host: "h", pid, status: { kind: "exited", code: 0 } });
    events.push({ kind: "signal", time: String(i * 1000 + 500), host: "h", from: pid, to: 1000, signal: "SIGCHLD" });
  }
  events.push({ kind: "signal", time: at(5), host: "h", from: 1001, to: 1000, signal: "SIGCHLD" });
  events.push({ kind: "exit", time: at(10), host: "h", pid: 1000, status: { kind: "exited", code: 0 } });
  const html = renderTimeline({ title: "many", stopTime: at(10), events });
  deepEqual(count(html, /class="mark sig chld"/), 2);
  deepEqual(count(html, /class="mark sig chld" data-n="×1000"/), 1);
  ok(html.includes("SIGCHLD ×1000 on h&#10;to sh (pid 1000)&#10;from sh (pid 1001), sh (pid 1002)"));
  ok(html.includes("and 992 more&#10;between 500 ns (500 ns) and 999.5 µs (999500 ns)"));
  deepEqual(count(html, /class="mark forks"/), 1, "the forks fold as well");
});

Deno.test("a signal a process sends itself is a ring on its own lifeline", () => {
  const html = renderTimeline({
    title: "self",
    stopTime: at(1),
    events: [
      { kind: "start", time: "0", host: "h", pid: 1000, parent: 1, name: "p", argv: ["p"] },
      { kind: "signal", time: at(0.5), host: "h", from: 1000, to: 1000, signal: "SIGUSR1" },
    ],
  });
  deepEqual(count(html, /class="mark sig self"/), 1);
});

Deno.test("events for a process never started still get a row", () => {
  const html = renderTimeline({
    title: "orphans",
    stopTime: at(1),
    events: [{ kind: "exit", time: at(0.5), host: "h", pid: 1234, status: { kind: "exited", code: 0 } }],
  });
  deepEqual(rows(html), [{ pid: 1234, host: "h", depth: 0 }]);
});

Deno.test("the page is self-contained: no external resources", () => {
  const html = renderTimeline(sample());
  ok(!/https?:\/\//.test(html), "a URL");
  ok(!/<link|<img|<iframe|@import|url\(|\ssrc=/i.test(html), "an external resource");
  ok(html.includes("<style>") && html.includes("<script>"));
});

Deno.test("formatTime speaks in readable units", () => {
  deepEqual(formatTime(0), "0");
  deepEqual(formatTime(999), "999 ns");
  deepEqual(formatTime(1500), "1.5 µs");
  deepEqual(formatTime(2_250_000), "2.25 ms");
  deepEqual(formatTime(1.5 * S), "1.5 s");
  deepEqual(formatTime(1_500_000_002), "1.500000002 s");
  deepEqual(formatTime(90 * S), "1 min 30 s");
  deepEqual(formatTime(120 * S), "2 min");
  deepEqual(formatTime(1_500_000_002, 1_000_000), "1.5 s");
  deepEqual(formatTime(100 * S, 20 * S), "1 min 40 s");
});

Deno.test("niceTickStep picks 1-2-5 steps, then whole seconds and minutes", () => {
  deepEqual(niceTickStep(0.3), 1);
  deepEqual(niceTickStep(3), 5);
  deepEqual(niceTickStep(1_100_000), 2_000_000);
  deepEqual(niceTickStep(25 * S), 30 * S);
  deepEqual(niceTickStep(61 * S), 120 * S);
  deepEqual(niceTickStep(7000 * S), 7200 * S);
});

// ---------------------------------------------------------------------------------------------
// The trace-event export.

const METADATA = new Set(["process_name", "thread_name", "process_sort_index", "thread_sort_index"]);

/**
 * Throws unless `document` has the shape the Trace Event Format requires of each event umbra
 * writes: name, ph, ts, pid, tid everywhere; dur on "X"; a scope on "i"; a name or sort index
 * on "M"; every flow start ("s") with one end ("f") of the same id, not earlier.
 */
function assertTraceShape(document: TraceDocument): void {
  ok(Array.isArray(document.traceEvents), "traceEvents is not an array");
  ok(document.displayTimeUnit === undefined || ["ms", "ns"].includes(document.displayTimeUnit));
  const flows = new Map<number, Partial<Record<"s" | "f", TraceEvent>>>();
  for (const event of document.traceEvents) {
    const where = JSON.stringify(event);
    ok(typeof event.name === "string" && event.name !== "", `no name: ${where}`);
    ok(["M", "X", "i", "s", "f"].includes(event.ph), `phase: ${where}`);
    ok(Number.isFinite(event.ts) && event.ts >= 0, `ts: ${where}`);
    ok(Number.isInteger(event.pid) && event.pid >= 0 && Number.isInteger(event.tid) && event.tid >= 0, where);
    if (event.ph === "X") ok(Number.isFinite(event.dur) && event.dur! >= 0, `dur: ${where}`);
    if (event.ph === "i") ok(["t", "p", "g"].includes(event.s!), `scope: ${where}`);
    if (event.ph === "M") {
      ok(METADATA.has(event.name), `metadata: ${where}`);
      const args = event.args ?? {};
      ok(typeof args.name === "string" || Number.isInteger(args.sort_index), `metadata args: ${where}`);
    }
    if (event.ph === "s" || event.ph === "f") {
      ok(Number.isInteger(event.id), `flow id: ${where}`);
      const pair = flows.get(event.id!) ?? {};
      ok(!pair[event.ph], `a second flow ${event.ph} for id ${event.id}`);
      flows.set(event.id!, { ...pair, [event.ph]: event });
    }
  }
  for (const [id, pair] of flows) ok(pair.s && pair.f && pair.f.ts >= pair.s.ts, `flow ${id} is not a pair`);
}

function ofPhase(document: TraceDocument, ph: TraceEvent["ph"], name?: string): TraceEvent[] {
  return document.traceEvents.filter((event) => event.ph === ph && (name === undefined || event.name === name));
}

Deno.test("the trace-event export: a process per host, a named thread per process, lifetimes in µs", () => {
  const document = traceEvents(sample());
  assertTraceShape(document);
  const JSON_TEXT = JSON.stringify(document);
  deepEqual(JSON.parse(JSON_TEXT), document, "survives JSON");
  deepEqual(ofPhase(document, "M", "process_name").map((e) => [e.pid, e.args?.name]), [[1, "a"], [2, "b"]]);
  const threads = ofPhase(document, "M", "thread_name").map((e) => `${e.pid}/${e.tid} ${e.args?.name}`);
  deepEqual(threads, [
    "1/1000 1000 sh -c 'run it'",
    "1/1001 1001 sleep 5",
    "1/1004 1004 sleep 5",
    "1/1002 1002 sh -c 'run it'",
    "1/1003 1003 sh -c 'run it'",
    "2/1000 1000 srv",
  ]);
  const sleeper = ofPhase(document, "X").find((e) => e.tid === 1001)!;
  deepEqual([sleeper.ts, sleeper.dur], [2e6, 6e6], "forked at 2 s, exited at 8 s");
  deepEqual(ofPhase(document, "s").length, 4, "a flow per fork");
  const signals = document.traceEvents.filter((e) => e.cat === "signal").map((e) => [e.tid, e.name, e.args?.from]);
  deepEqual(signals, [[1002, "SIGTERM", 1000], [1003, "SIGKILL", null]]);
  deepEqual(ofPhase(document, "i").filter((e) => e.cat === "exit").length, 4, "the two running at stop did not exit");
});

// ---------------------------------------------------------------------------------------------
// The browser test, on a real run.

const CHROMIUM = Deno.env.get("CHROMIUM") ?? "chromium";

async function chromium(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const profile = await Deno.makeTempDir({ prefix: "umbra-chromium-" });
  const flags = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    `--user-data-dir=${profile}`,
  ];
  try {
    const command = new Deno.Command(CHROMIUM, {
      args: [...flags, ...args],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(25_000),
    });
    const output = await (async () => await command.output())().catch((error) => {
      throw new Error(`cannot run ${CHROMIUM} (scripts/test_deps.sh installs it): ${error}`);
    });
    const stderr = new TextDecoder().decode(output.stderr);
    ok(output.success, `${CHROMIUM} failed (${output.code}): ${stderr}`);
    return { stdout: new TextDecoder().decode(output.stdout), stderr };
  } finally {
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  deepEqual([...bytes.slice(0, 8)], signature, "not a PNG");
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * A real run of 1,010 processes: a shell starts `sleep 100` and nine group shells, each of which
 * runs 100 `/bin/echo`s one after another with a `sleep 0.1` after every tenth (each child's
 * exit sends its shell a SIGCHLD), and a `sleep 0.05` between groups; at the end the shell
 * SIGTERMs the sleeper.
 */
const THOUSAND = `general:
  stop_time: 1 min
hosts:
  box:
    processes:
      - path: /bin/sh
        args:
          - -c
          - |
            sleep 100 & napper=$!
            for g in 1 2 3 4 5 6 7 8 9; do
              sh -c 'i=0; while [ $i -lt 100 ]; do /bin/echo "group $0 item $i" >/dev/null; i=$((i+1)); if [ $((i % 10)) -eq 0 ]; then sleep 0.1; fi; done' "$g" &
              sleep 0.05
            done
            wait %2 %3 %4 %5 %6 %7 %8 %9 %10
            kill -TERM $napper
            wait
`;

interface Report {
  processes: { pid: number; parent: number; argv: string[] | null; execs: { path: string }[] }[];
  events: UmbraEvent[];
}

/** The dumped DOM's process rows that the page's script left visible, as `pid label`. */
function visibleRows(dom: string): string[] {
  const pattern =
    /<div class="row[^"]*" id="r\d+" data-pid="(\d+)"([^>]*)><div class="lab"[^>]*>.*?<span class="name">([^<]*)</g;
  return [...dom.matchAll(pattern)].filter((m) => !/\shidden(="")?/.test(m[2])).map((m) => `${m[1]} ${m[3]}`);
}

function summaryOf(dom: string): Record<string, string> {
  const tag = dom.match(/<div id="summary"[^>]*>/)?.[0] ?? "";
  return Object.fromEntries([...tag.matchAll(/data-([\w-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

Deno.test("a real 1,000-process run: timeline.html stays readable in headless Chromium, trace.json is well formed", async (t) => {
  const directory = await Deno.makeTempDir({ prefix: "umbra-timeline-" });
  try {
    await Deno.writeTextFile(`${directory}/thousand.yaml`, THOUSAND);
    const output = await new Deno.Command(UMBRA, {
      args: ["run", "thousand.yaml", "--data-directory", "out"],
      cwd: directory,
      stdout: "piped",
      stderr: "piped",
    }).output();
    equal(output.code, 0, new TextDecoder().decode(output.stderr));
    const out = `${directory}/out`;
    const report: Report = JSON.parse(await Deno.readTextFile(`${out}/report.json`));
    const total = report.processes.length;
    ok(total >= 1000, `only ${total} processes`);
    const chlds = report.events.filter((e) => e.kind === "signal" && e.signal === "SIGCHLD").length;
    ok(chlds >= 900, `only ${chlds} SIGCHLDs`);
    const page = `${out}/timeline.html`;
    const html = await Deno.readTextFile(page);

    await t.step("the page is small and folds the SIGCHLDs", () => {
      const bytes = new TextEncoder().encode(html).length;
      ok(bytes < 1000 * total, `${bytes} bytes for ${total} processes`);
      const marks = count(html, /class="mark sig chld/);
      ok(marks > 0 && marks * 5 < chlds, `${marks} SIGCHLD marks for ${chlds} signals`);
      const first = report.events.find((e) => e.kind === "exec" && e.argv?.[1] === "group 1 item 0");
      deepEqual(labelOf(html, first?.kind === "exec" ? first.pid : 0), "/bin/echo &#39;group 1 item 0&#39;");
    });

    await t.step("Chromium renders every row without errors, and a screenshot", async () => {
      const png = `${directory}/timeline.png`;
      const url = `file://${page}`;
      const [shot, dom] = await Promise.all([
        chromium([`--screenshot=${png}`, "--window-size=1400,900", url]),
        chromium(["--dump-dom", "--virtual-time-budget=5000", "--window-size=1400,900", url]),
      ]);
      const bytes = await Deno.readFile(png);
      ok(bytes.length > 20_000, "a near-empty screenshot");
      deepEqual(pngSize(bytes), { width: 1400, height: 900 });
      const summary = summaryOf(dom.stdout);
      deepEqual([summary.rendered, summary.errors, summary.lifelines, summary.visible], [
        "yes",
        "0",
        `${total}`,
        `${total}`,
      ]);
      deepEqual(visibleRows(dom.stdout).length, total);
      ok(dom.stdout.split('<div class="tick"').length > 4, "the script drew no axis ticks");
      for (const { stderr } of [shot, dom]) ok(!stderr.includes("Uncaught"), stderr);
      const keep = Deno.env.get("UMBRA_TIMELINE_KEEP");
      if (keep) { for (const file of [page, png]) await Deno.copyFile(file, `${keep}/${file.split("/").pop()}`); }
    });

    await t.step("#filter= keeps the matching rows and, for context, their ancestors", async () => {
      const dom = await chromium(["--dump-dom", "--virtual-time-budget=5000", `file://${page}#filter=item%2042`]);
      const shown = visibleRows(dom.stdout);
      const matching = shown.filter((row) => row.includes("item 42"));
      deepEqual(matching.length, 9, shown.join("\n"));
      // The nine group shells and the top shell.
      deepEqual(shown.length, 19, shown.join("\n"));
      deepEqual(summaryOf(dom.stdout).visible, "19");
      const pid = await chromium(["--dump-dom", "--virtual-time-budget=5000", `file://${page}#filter=1001`]);
      deepEqual(visibleRows(pid.stdout).map((row) => row.split(" ")[0]), ["1000", "1001"]);
      // A number is a pid, or text in an argv: not the digits of every name (`box.dash.1002`).
      const digits = await chromium(["--dump-dom", "--virtual-time-budget=5000", `file://${page}#filter=100`]);
      const found = visibleRows(digits.stdout);
      deepEqual(found.length, 11, found.join("\n"));
      ok(found.every((row) => row.includes("100")), found.join("\n"));
    });

    await t.step("#collapse= hides the subtrees of the collapsed processes", async () => {
      const groups = report.processes.filter((p) =>
        p.parent !== 1 && p.argv === null && p.execs.length === 1 &&
        report.events.some((e) => e.kind === "exec" && e.pid === p.pid && e.argv?.[0] === "sh")
      );
      deepEqual(groups.length, 9);
      const children = new Map<number, number[]>();
      for (const p of report.processes) children.set(p.parent, [...children.get(p.parent) ?? [], p.pid]);
      let hidden = 0;
      const stack = groups.flatMap((g) => children.get(g.pid) ?? []);
      for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
        hidden++;
        stack.push(...children.get(pid) ?? []);
      }
      ok(hidden >= 900, `${hidden}`);
      const url = `file://${page}#collapse=${groups.map((g) => g.pid).join(",")}`;
      const dom = await chromium(["--dump-dom", "--virtual-time-budget=5000", url]);
      deepEqual(visibleRows(dom.stdout).length, total - hidden);
      deepEqual(count(dom.stdout, /class="row closed"/), 9);
    });

    await t.step("trace.json has the Trace Event Format's shape, a thread per process and µs timestamps", async () => {
      const document: TraceDocument = JSON.parse(await Deno.readTextFile(`${out}/trace.json`));
      assertTraceShape(document);
      deepEqual(ofPhase(document, "M", "thread_name").length, total);
      deepEqual(ofPhase(document, "X").length, total);
      const names = ofPhase(document, "M", "thread_name").map((e) => String(e.args?.name));
      ok(names.some((name) => / \/bin\/echo 'group 9 item 99'$/.test(name)), names.slice(0, 20).join("\n"));
      // `sleep 0.1` lives 0.1 s of virtual time (and a few µs of its syscalls): 100,000 µs.
      const naps = ofPhase(document, "X").filter((e) => e.args?.argv?.toString() === "sleep,0.1");
      ok(naps.length >= 90, `${naps.length}`);
      for (const nap of naps) ok(nap.dur! >= 100_000 && nap.dur! < 101_000, JSON.stringify(nap));
      const signals = report.events.filter((e) => e.kind === "signal").length;
      deepEqual(document.traceEvents.filter((e) => e.cat === "signal").length, signals);
    });

    await t.step("umbra report regenerates timeline.html and trace.json as the run wrote them", async () => {
      const before = await Promise.all(["timeline.html", "trace.json"].map((f) => Deno.readTextFile(`${out}/${f}`)));
      for (const file of ["timeline.html", "trace.json"]) await Deno.remove(`${out}/${file}`);
      const regenerated = await new Deno.Command(UMBRA, {
        args: ["report", "out"],
        cwd: directory,
        stdout: "null",
        stderr: "piped",
      }).output();
      equal(regenerated.code, 0, new TextDecoder().decode(regenerated.stderr));
      const after = await Promise.all(["timeline.html", "trace.json"].map((f) => Deno.readTextFile(`${out}/${f}`)));
      ok(after[0] === before[0], "timeline.html differs");
      ok(after[1] === before[1], "trace.json differs");
    });
  } finally {
    await Deno.remove(directory, { recursive: true });
    await assertClean();
  }
});
