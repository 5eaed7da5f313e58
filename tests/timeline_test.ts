import { deepEqual, match, ok } from "node:assert/strict";
import type { EventExitStatus, TimelineInput, UmbraEvent } from "../src/report/events.ts";
import { escapeHtml, formatTime, niceTickStep, renderTimeline } from "../src/report/timeline.ts";

const S = 1_000_000_000;

/** The lifelines in document order: pid, host, depth. */
function lifelines(html: string): { pid: number; host: string; depth: number }[] {
  const pattern = /<div class="lifeline[^"]*" data-pid="(\d+)" data-host="([^"]*)" data-depth="(\d+)"/g;
  return [...html.matchAll(pattern)].map((m) => ({ pid: Number(m[1]), host: m[2], depth: Number(m[3]) }));
}

function count(html: string, pattern: RegExp): number {
  return [...html.matchAll(new RegExp(pattern.source, "g"))].length;
}

function at(seconds: number): string {
  return String(Math.round(seconds * S));
}

/** A small run with one of everything. */
function sample(): TimelineInput {
  const events: UmbraEvent[] = [
    { kind: "start", time: at(0), host: "a", pid: 1000, parent: 1, name: "sh", argv: ["sh", "-c", "run"] },
    { kind: "fork", time: at(1), host: "a", pid: 1003, parent: 1000, name: "sh" },
    { kind: "fork", time: at(2), host: "a", pid: 1001, parent: 1000, name: "sh" },
    { kind: "exec", time: at(2.5), host: "a", pid: 1001, path: "/bin/sleep" },
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
      { kind: "exec", time: at(1), host: `h"<`, pid: 1000, path: `/tmp/</div>&"'` },
    ],
  });
  ok(!html.includes("<img"), "raw markup from the input");
  deepEqual(html.match(/<\/script>/g)?.length, 1, "only the page's own </script>");
  ok(!html.includes("</div>&"), "raw path");
  ok(html.includes("&lt;img src=x onerror=&quot;alert(&#39;&amp;&#39;)&quot;&gt;"));
  deepEqual(lifelines(html)[0].host, "h&quot;&lt;");
  deepEqual(escapeHtml(`a<b>&"c'\n`), "a&lt;b&gt;&amp;&quot;c&#39;&#10;");
});

Deno.test("renderTimeline draws exactly one lifeline per process, keeping equal pids on different hosts apart", () => {
  const html = renderTimeline(sample());
  const lines = lifelines(html);
  deepEqual(lines.length, 6);
  deepEqual(count(html, /class="lifeline/), 6);
  deepEqual(lines.filter((l) => l.pid === 1000).map((l) => l.host), ["a", "b"]);
  match(html, /id="summary"[^>]*data-processes="6"/);
});

Deno.test("children are nested under their parent in pid order, each host under its own header", () => {
  const html = renderTimeline(sample());
  const order = lifelines(html).map((l) => `${l.host}:${l.pid}@${l.depth}`);
  deepEqual(order, ["a:1000@0", "a:1001@1", "a:1004@2", "a:1002@1", "a:1003@1", "b:1000@0"]);
  const hosts = [...html.matchAll(/<div class="lab host"[^>]*>([^<]*)</g)].map((m) => m[1].trim());
  deepEqual(hosts, ["a", "b"]);
});

Deno.test("forks, execs, signals and every kind of exit leave their marks", () => {
  const html = renderTimeline(sample());
  deepEqual(count(html, /<div class="fork"/), 4);
  deepEqual(count(html, /class="mark exec" data-row/), 1);
  deepEqual(count(html, /class="mark start" data-row/), 2);
  deepEqual(count(html, /<div class="sig (down|up)"/), 1);
  deepEqual(count(html, /<div class="sig outside down"/), 1);
  deepEqual(count(html, /class="mark exit ok" data-row/), 1);
  deepEqual(count(html, /class="mark exit fail" data-row/), 1);
  deepEqual(count(html, /class="mark exit killed" data-row/), 2);
  deepEqual(count(html, /class="mark exit running" data-row/), 2);
  ok(html.includes("SIGTERM on a&#10;from sh (pid 1000)&#10;to sh (pid 1002)&#10;at 5 s (5000000000 ns)"));
  ok(html.includes("from outside the sandbox"));
  ok(html.includes("killed by SIGKILL (9) at 6 s"));
  ok(html.includes("still running at stop (10 s)"));
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

Deno.test("events for a process never started still get a lifeline", () => {
  const html = renderTimeline({
    title: "orphans",
    stopTime: at(1),
    events: [{ kind: "exit", time: at(0.5), host: "h", pid: 1234, status: { kind: "exited", code: 0 } }],
  });
  deepEqual(lifelines(html), [{ pid: 1234, host: "h", depth: 0 }]);
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
// The browser test.

/** An event before its time is set. */
type Untimed<E = UmbraEvent> = E extends UmbraEvent ? Omit<E, "time"> : never;

/** A deterministic run of `total` processes on three hosts over two minutes. */
function synthetic(total: number): TimelineInput {
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const stop = 120 * S;
  const events: { at: number; event: UmbraEvent }[] = [];
  const push = (time: number, event: Untimed) =>
    events.push({ at: time, event: { ...event, time: String(Math.round(time)) } as UmbraEvent });
  const sizes = [Math.ceil(total / 2), Math.ceil(total / 4), total - Math.ceil(total / 2) - Math.ceil(total / 4)];
  sizes.forEach((size, index) => {
    const host = ["server", "client-1", "client-2"][index];
    const alive: { pid: number; end: number }[] = [];
    const start = index * 2 * S;
    push(start, {
      kind: "start",
      host,
      pid: 1000,
      parent: 1,
      name: "sh",
      argv: ["sh", "-c", `serve --id=${index} <&>`],
    });
    push(stop, { kind: "exit", host, pid: 1000, status: { kind: "running" } });
    alive.push({ pid: 1000, end: stop });
    for (let i = 1; i < size; i++) {
      const pid = 1000 + i;
      const time = start + (i / size) * (stop - start) * 0.8 + random() * S;
      const candidates = alive.filter((p) => p.end > time + S);
      const parent = candidates[Math.floor(random() ** 2 * candidates.length)] ?? alive[0];
      const end = Math.min(stop + S, time + random() * 60 * S);
      alive.push({ pid, end });
      push(time, { kind: "fork", host, pid, parent: parent.pid, name: "sh" });
      if (random() < 0.7) push(time + 200_000, { kind: "exec", host, pid, path: `/usr/bin/worker-${i % 7}` });
      pushEnd(push, host, pid, parent.pid, end, stop, random());
    }
  });
  events.sort((a, b) => a.at - b.at);
  return { title: `synthetic run of ${total} processes`, stopTime: String(stop), events: events.map((e) => e.event) };
}

function pushEnd(
  push: (time: number, event: Untimed) => void,
  host: string,
  pid: number,
  parent: number,
  end: number,
  stop: number,
  dice: number,
): void {
  if (end > stop) return push(stop, { kind: "exit", host, pid, status: { kind: "running" } });
  if (dice < 0.15 || dice > 0.9) {
    const from = dice < 0.15 ? parent : null;
    push(end - 1000, { kind: "signal", host, from, to: pid, signal: "SIGTERM" });
    const status = { kind: "signaled" as const, signal: "SIGTERM", number: 15, coreDumped: false };
    return push(end, { kind: "exit", host, pid, status });
  }
  push(end, { kind: "exit", host, pid, status: { kind: "exited", code: dice < 0.25 ? 1 : 0 } });
}

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

Deno.test("a 200-process timeline renders in headless Chromium without errors", async () => {
  const directory = await Deno.makeTempDir({ prefix: "umbra-timeline-" });
  try {
    const page = `${directory}/timeline.html`;
    const png = `${directory}/timeline.png`;
    await Deno.writeTextFile(page, renderTimeline(synthetic(200)));
    const url = `file://${page}`;
    const [shot, dom] = await Promise.all([
      chromium([`--screenshot=${png}`, "--window-size=1400,900", url]),
      chromium(["--dump-dom", "--virtual-time-budget=2000", "--window-size=1400,900", url]),
    ]);
    const bytes = await Deno.readFile(png);
    ok(bytes.length > 20_000, "a near-empty screenshot");
    deepEqual(pngSize(bytes), { width: 1400, height: 900 });
    const summary = dom.stdout.match(/<div id="summary"[^>]*>/)?.[0] ?? "";
    ok(summary.includes('data-rendered="yes"'), summary);
    ok(summary.includes('data-errors="0"'), summary);
    ok(summary.includes('data-lifelines="200"'), summary);
    deepEqual(count(dom.stdout, /class="lifeline/), 200);
    ok(count(dom.stdout, /<div class="tick"/) > 3, "the script drew no axis ticks");
    for (const { stderr } of [shot, dom]) ok(!stderr.includes("Uncaught"), stderr);
    const keep = Deno.env.get("UMBRA_TIMELINE_KEEP");
    if (keep) { for (const file of [page, png]) await Deno.copyFile(file, `${keep}/${file.split("/").pop()}`); }
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});
