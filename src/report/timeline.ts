/**
 * The timeline of a run as one self-contained HTML document: a lifeline per process on a virtual-time
 * axis, grouped by host and nested by parent, with marks for forks, execs, signals and exits. The page
 * needs no network; its inline script draws the time axis, zooms (buttons, Ctrl+wheel) and shows
 * details on hover.
 * @module
 */

import type { EventExitStatus, TimelineInput, UmbraEvent } from "./events.ts";

/** Height of one row (a process or a host's header), in CSS pixels. */
const ROW = 20;
/** Width of the label column, in CSS pixels. */
const LABELS = 280;
/** Indentation per nesting level, and the deepest level that still indents. */
const INDENT = 12;
const MAX_INDENT_DEPTH = 14;

/** One process as the timeline draws it. */
interface Proc {
  host: string;
  pid: number;
  parentPid: number;
  name: string;
  argv: string[] | null;
  origin: "start" | "fork" | "unknown";
  start: number;
  startText: string;
  parent: Proc | null;
  children: Proc[];
  execs: { time: number; text: string; path: string }[];
  exit: { time: number; text: string; status: EventExitStatus } | null;
  row: number;
  depth: number;
}

/** A signal between two processes (or from outside: `from` null). */
interface Sig {
  time: number;
  text: string;
  signal: string;
  fromPid: number | null;
  from: Proc | null;
  to: Proc;
}

/** Everything the page shows, with rows assigned (`procs` in row order). */
interface Model {
  end: number;
  stop: number;
  hosts: { name: string; row: number; procs: Proc[] }[];
  procs: Proc[];
  signals: Sig[];
  rows: number;
}

/**
 * Renders a run's timeline as one HTML document (inline CSS and script, no external resources).
 * Every process gets exactly one element with class `lifeline` and `data-pid`/`data-host`; the
 * element `#summary` gets `data-lifelines`, `data-errors` and `data-rendered="yes"` once the page's
 * script has run.
 */
export function renderTimeline(input: TimelineInput): string {
  const model = buildModel(input);
  return [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(input.title)}</title>`,
    `<style>${CSS}</style></head>`,
    `<body><div id="timeline" data-end="${model.end}" data-labels="${LABELS}">`,
    renderHeader(input.title, model),
    '<div id="scroller"><div class="head"><div class="corner">process <span class="pid">pid</span></div>',
    '<div id="axis" class="plotw"></div></div>',
    `<div class="body"><div class="labels">${renderLabels(model)}</div>`,
    `<div id="plot" class="plotw" style="height:${model.rows * ROW}px">`,
    '<div id="grid"></div>',
    renderPlot(model),
    "</div></div></div>",
    '<div id="tip" hidden></div>',
    `<div id="summary" hidden data-processes="${model.procs.length}" data-lifelines="" data-errors="0"`,
    ' data-rendered="no"></div>',
    `</div><script>${clientScript()}</script></body></html>`,
  ].join("\n");
}

/** Escapes text for HTML content and attribute values (`&`, `<`, `>`, `"`, `'`; newlines as `&#10;`). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'\n]/g, (c) => ESCAPES[c]);
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "\n": "&#10;",
};

/**
 * Formats a virtual time (ns) in readable units: `999 ns`, `1.5 µs`, `2.25 ms`, `1.5 s`, `2 min 3.5 s`.
 * `resolution` (ns) limits the decimals shown, for axis ticks; the default shows the exact value.
 * Self-contained (no outside references): the page's script embeds its source.
 */
export function formatTime(ns: number, resolution = 1): string {
  const fixed = (value: number, unit: number) => {
    const decimals = Math.max(0, Math.min(9, Math.ceil(Math.log10(unit / resolution) - 1e-9)));
    const text = (value / unit).toFixed(decimals);
    return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
  };
  if (ns === 0) return "0";
  const sign = ns < 0 ? "-" : "";
  const abs = Math.abs(ns);
  if (abs >= 60e9) {
    const minutes = Math.floor(abs / 60e9);
    const rest = abs - minutes * 60e9;
    const seconds = fixed(rest, 1e9);
    return sign + minutes + " min" + (seconds === "0" ? "" : " " + seconds + " s");
  }
  const [unit, name] = abs >= 1e9 ? [1e9, "s"] : abs >= 1e6 ? [1e6, "ms"] : abs >= 1e3 ? [1e3, "µs"] : [1, "ns"];
  return sign + fixed(abs, unit as number) + " " + name;
}

/**
 * The smallest readable tick step (ns) of at least `minimum` ns: 1-2-5 steps up to 20 s, then
 * 30 s, 1, 2, 5, 10, 15, 30 and 60 min, then 1-2-5 hours. Self-contained: the page's script embeds it.
 */
export function niceTickStep(minimum: number): number {
  const steps = [];
  for (let power = 1; power <= 1e9; power *= 10) steps.push(power, 2 * power, 5 * power);
  steps.push(10e9, 20e9, 30e9, 60e9, 120e9, 300e9, 600e9, 900e9, 1800e9);
  for (let hours = 3600e9; steps.length < 200; hours *= 10) steps.push(hours, 2 * hours, 5 * hours);
  return steps.find((step) => step >= minimum) ?? steps[steps.length - 1];
}

// ---------------------------------------------------------------------------------------------
// The model: processes, their nesting and their rows.

function buildModel(input: TimelineInput): Model {
  const stop = toNs(input.stopTime);
  const events = input.events.map((event, index) => ({ event, index, time: toNs(event.time) }))
    .sort((a, b) => a.time - b.time || a.index - b.index);
  const procs: Proc[] = [];
  const signals: Sig[] = [];
  const current = new Map<string, Proc>();
  for (const { event, time } of events) applyEvent(event, time, current, procs, signals);
  const end = events.reduce((max, e) => Math.max(max, e.time), Math.max(1, stop));
  const { hosts, rows } = assignRows(procs);
  return { end, stop, hosts, procs: hosts.flatMap((host) => host.procs), signals, rows };
}

function toNs(text: string): number {
  const value = Number(text);
  return Number.isFinite(value) && value > 0 ? value : 0;
}

function applyEvent(event: UmbraEvent, time: number, current: Map<string, Proc>, procs: Proc[], sigs: Sig[]): void {
  const find = (pid: number) => current.get(`${event.host}/${pid}`) ?? null;
  const need = (pid: number) => find(pid) ?? create(current, procs, unknownProc(event.host, pid, time, event.time));
  switch (event.kind) {
    case "start":
    case "fork": {
      const proc = newProc(event, time, find(event.parent));
      create(current, procs, proc);
      break;
    }
    case "exec":
      need(event.pid).execs.push({ time, text: event.time, path: event.path });
      break;
    case "exit":
      need(event.pid).exit = { time, text: event.time, status: event.status };
      break;
    case "signal": {
      const from = event.from === null ? null : find(event.from);
      sigs.push({ time, text: event.time, signal: event.signal, fromPid: event.from, from, to: need(event.to) });
      break;
    }
  }
}

function create(current: Map<string, Proc>, procs: Proc[], proc: Proc): Proc {
  current.set(`${proc.host}/${proc.pid}`, proc);
  procs.push(proc);
  proc.parent?.children.push(proc);
  return proc;
}

function newProc(event: UmbraEvent & { kind: "start" | "fork" }, time: number, parent: Proc | null): Proc {
  return {
    host: event.host,
    pid: event.pid,
    parentPid: event.parent,
    name: event.name,
    argv: event.kind === "start" ? event.argv : null,
    origin: event.kind,
    start: time,
    startText: event.time,
    parent,
    children: [],
    execs: [],
    exit: null,
    row: 0,
    depth: 0,
  };
}

function unknownProc(host: string, pid: number, time: number, text: string): Proc {
  const proc = newProc({ kind: "fork", time: text, host, pid, parent: 0, name: `pid ${pid}` }, time, null);
  proc.origin = "unknown";
  return proc;
}

/** Hosts in order of appearance, each a header row then its process trees depth first, siblings by pid. */
function assignRows(procs: Proc[]): { hosts: Model["hosts"]; rows: number } {
  const hosts: Model["hosts"] = [];
  const byHost = new Map<string, Proc[]>();
  for (const proc of procs) {
    if (!byHost.has(proc.host)) byHost.set(proc.host, []);
    byHost.get(proc.host)!.push(proc);
  }
  let row = 0;
  for (const [name, members] of byHost) {
    const group = { name, row: row++, procs: [] as Proc[] };
    const visit = (proc: Proc, depth: number) => {
      proc.row = row++;
      proc.depth = depth;
      group.procs.push(proc);
      for (const child of sortByPid(proc.children)) visit(child, depth + 1);
    };
    for (const root of sortByPid(members.filter((p) => !p.parent))) visit(root, 0);
    hosts.push(group);
  }
  return { hosts, rows: row };
}

function sortByPid(procs: Proc[]): Proc[] {
  return [...procs].sort((a, b) => a.pid - b.pid || a.start - b.start);
}

// ---------------------------------------------------------------------------------------------
// Text: labels and hover details.

function label(proc: Proc): string {
  const last = proc.execs.at(-1);
  const program = last ? basename(last.path) : null;
  return program && program !== proc.name ? `${proc.name} → ${program}` : proc.name;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1) || path;
}

function who(proc: Proc): string {
  return `${proc.name} (pid ${proc.pid})`;
}

function at(time: number, text: string): string {
  return `${formatTime(time)} (${text} ns)`;
}

function quoteArgv(argv: string[]): string {
  return argv.map((arg) => /^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg)).join(" ");
}

function describeStatus(proc: Proc, stop: number): string {
  const exit = proc.exit;
  if (!exit || exit.status.kind === "running") return `still running at stop (${formatTime(stop)})`;
  const status = exit.status;
  const how = status.kind === "exited"
    ? `exited with code ${status.code}`
    : `killed by ${status.signal} (${status.number})${status.coreDumped ? ", core dumped" : ""}`;
  return `${how} at ${at(exit.time, exit.text)}`;
}

function procDetails(proc: Proc, stop: number): string {
  const lines = [`${who(proc)} on ${proc.host}`];
  if (proc.parent) lines.push(`parent: ${who(proc.parent)}`);
  else if (proc.origin !== "unknown") lines.push(`parent: pid ${proc.parentPid}`);
  if (proc.argv) lines.push(`argv: ${quoteArgv(proc.argv)}`);
  const how = { start: "started", fork: "forked", unknown: "first seen" }[proc.origin];
  lines.push(`${how} at ${at(proc.start, proc.startText)}`);
  for (const exec of proc.execs) lines.push(`exec ${exec.path} at ${at(exec.time, exec.text)}`);
  lines.push(describeStatus(proc, stop));
  return lines.join("\n");
}

function signalDetails(sig: Sig): string {
  const from = sig.fromPid === null
    ? "outside the sandbox"
    : sig.from
    ? who(sig.from)
    : `pid ${sig.fromPid} (not a traced process)`;
  return [`${sig.signal} on ${sig.to.host}`, `from ${from}`, `to ${who(sig.to)}`, `at ${at(sig.time, sig.text)}`]
    .join("\n");
}

// ---------------------------------------------------------------------------------------------
// HTML.

function renderHeader(title: string, model: Model): string {
  const stats = `${model.procs.length} processes on ${model.hosts.length} host${model.hosts.length === 1 ? "" : "s"}` +
    ` · stop at ${formatTime(model.stop)} · ${model.signals.length} signals`;
  const legend = [
    ["start", "start"],
    ["fork-sample", "fork"],
    ["exec", "exec"],
    ["sig-sample", "signal"],
    ["exit ok", "exit 0"],
    ["exit fail", "exit ≠ 0"],
    ["exit killed", "killed"],
    ["exit running", "running at stop"],
  ].map(([cls, text]) => `<span class="key"><span class="swatch"><i class="mark ${cls}"></i></span>${text}</span>`);
  return [
    `<header><h1>${escapeHtml(title)}</h1><span class="stats">${escapeHtml(stats)}</span>`,
    `<span class="legend">${legend.join("")}</span>`,
    '<span class="zoom"><button id="zoom-out" title="zoom out">−</button><button id="zoom-fit">fit</button>',
    '<button id="zoom-in" title="zoom in">+</button><span class="hint">Ctrl+wheel zooms</span></span></header>',
  ].join("");
}

function renderLabels(model: Model): string {
  const parts: string[] = [];
  for (const host of model.hosts) {
    parts.push(
      `<div class="lab host" id="row-${host.row}">${escapeHtml(host.name)} <span class="pid">${host.procs.length}` +
        ` process${host.procs.length === 1 ? "" : "es"}</span></div>`,
    );
    for (const proc of host.procs) {
      const indent = 6 + Math.min(proc.depth, MAX_INDENT_DEPTH) * INDENT;
      parts.push(
        `<div class="lab" id="row-${proc.row}" style="padding-left:${indent}px" data-tip="${
          escapeHtml(procDetails(proc, model.stop))
        }"><span class="name">${escapeHtml(label(proc))}</span> <span class="pid">${proc.pid}</span></div>`,
      );
    }
  }
  return parts.join("");
}

function renderPlot(model: Model): string {
  const bands = model.hosts.map((host) => `<div class="band" style="top:${host.row * ROW}px"></div>`);
  const lifelines = model.procs.map((proc) => renderLifeline(proc, model));
  const forks = model.procs.filter((p) => p.parent).map((proc) => renderFork(proc, model));
  const signals = model.signals.map((sig) => renderSignal(sig, model));
  const marks = model.procs.flatMap((proc) => renderMarks(proc, model));
  return [...bands, ...lifelines, ...forks, ...signals, ...marks].join("\n");
}

function x(time: number, model: Model): string {
  return `${(time / model.end * 100).toFixed(6)}%`;
}

function center(row: number): number {
  return row * ROW + ROW / 2;
}

function endOf(proc: Proc, model: Model): number {
  const exit = proc.exit;
  if (exit && exit.status.kind !== "running") return exit.time;
  return Math.max(proc.start, model.stop, exit?.time ?? 0);
}

function statusClass(proc: Proc): string {
  const status = proc.exit?.status;
  if (!status || status.kind === "running") return "running";
  if (status.kind === "signaled") return "killed";
  return status.code === 0 ? "ok" : "fail";
}

function renderLifeline(proc: Proc, model: Model): string {
  const width = ((endOf(proc, model) - proc.start) / model.end * 100).toFixed(6);
  return `<div class="lifeline st-${statusClass(proc)}" data-pid="${proc.pid}" data-host="${escapeHtml(proc.host)}"` +
    ` data-depth="${proc.depth}" data-row="${proc.row}" data-tip="${escapeHtml(procDetails(proc, model.stop))}"` +
    ` style="left:${x(proc.start, model)};width:${width}%;top:${center(proc.row) - 3}px"></div>`;
}

function renderFork(proc: Proc, model: Model): string {
  const parent = proc.parent!;
  const top = center(parent.row);
  const tip = `fork: ${who(parent)} → ${who(proc)}\nat ${at(proc.start, proc.startText)}`;
  return `<div class="fork" data-row="${proc.row}" data-tip="${escapeHtml(tip)}" style="left:${x(proc.start, model)};` +
    `top:${top}px;height:${center(proc.row) - top}px"></div>`;
}

function renderSignal(sig: Sig, model: Model): string {
  const tip = escapeHtml(signalDetails(sig));
  const left = x(sig.time, model);
  const to = center(sig.to.row);
  if (sig.from === sig.to) {
    return `<i class="mark sig self" data-row="${sig.to.row}" data-tip="${tip}" style="left:${left};top:${to}px"></i>`;
  }
  const from = sig.from ? center(sig.from.row) : 0;
  const kind = `${sig.from ? "" : " outside"} ${from < to ? "down" : "up"}`;
  return `<div class="sig${kind}" data-row="${sig.to.row}" data-tip="${tip}" style="left:${left};` +
    `top:${Math.min(from, to)}px;height:${Math.abs(to - from)}px"></div>`;
}

function renderMarks(proc: Proc, model: Model): string[] {
  const mark = (cls: string, time: number, tip: string) =>
    `<i class="mark ${cls}" data-row="${proc.row}" data-tip="${escapeHtml(tip)}" style="left:${x(time, model)};top:${
      center(proc.row)
    }px"></i>`;
  const marks: string[] = [];
  if (proc.origin === "start") {
    marks.push(
      mark(
        "start",
        proc.start,
        `start: ${who(proc)}\nargv: ${quoteArgv(proc.argv ?? [])}\nat ${at(proc.start, proc.startText)}`,
      ),
    );
  }
  for (const exec of proc.execs) {
    marks.push(mark("exec", exec.time, `exec: ${who(proc)}\npath: ${exec.path}\nat ${at(exec.time, exec.text)}`));
  }
  const status = statusClass(proc);
  const time = status === "running" ? endOf(proc, model) : proc.exit!.time;
  marks.push(mark(`exit ${status}`, time, `${who(proc)}\n${describeStatus(proc, model.stop)}`));
  return marks;
}

// ---------------------------------------------------------------------------------------------
// Style and script.

const CSS = `
:root { --row: ${ROW}px; --labels: ${LABELS}px; --line: #5b7fa6; --sig: #8e44ad; --ok: #2e9d4f; --fail: #e07b00;
  --killed: #d62d20; --running: #7a7a7a; --exec: #e0a800; --fork: #8aa4c0; --band: #eef2f7; --grid: #e6e6e6; }
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { font: 12px/1.3 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #222; }
#timeline { display: flex; flex-direction: column; height: 100vh; --plot-w: calc(100vw - var(--labels) - 64px); }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 16px; padding: 6px 10px;
  border-bottom: 1px solid #ccc; background: #fafafa; }
h1 { font-size: 15px; margin: 0; max-width: 40vw; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.stats, .hint { color: #666; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 12px; }
.key { display: inline-flex; align-items: center; gap: 4px; }
.swatch { position: relative; display: inline-block; width: 14px; height: 14px; }
.swatch .mark { top: 7px; left: 7px; }
.zoom button { font: inherit; min-width: 28px; margin-right: 2px; cursor: pointer; }
.zoom .hint { margin-left: 6px; }
#scroller { flex: 1; overflow: auto; position: relative; }
.head { position: sticky; top: 0; z-index: 5; display: flex; width: max-content; height: 26px; background: #fff;
  border-bottom: 1px solid #bbb; }
.corner { position: sticky; left: 0; z-index: 6; width: var(--labels); flex: none; padding: 6px 8px; background: #fff;
  border-right: 1px solid #bbb; font-weight: 600; }
.plotw { width: var(--plot-w); flex: none; position: relative; margin-right: 48px; }
#axis .tick { position: absolute; top: 0; height: 100%; border-left: 1px solid #999; }
#axis .tick span { position: absolute; left: 3px; top: 6px; white-space: nowrap; color: #444; }
.body { display: flex; width: max-content; }
.labels { position: sticky; left: 0; z-index: 4; width: var(--labels); flex: none; background: #fff;
  border-right: 1px solid #bbb; }
.lab { height: var(--row); line-height: var(--row); padding-right: 6px; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; cursor: default; }
.lab:nth-child(even) { background: #fbfbfb; }
.lab.host { background: var(--band); font-weight: 600; padding-left: 6px; border-top: 1px solid #d5dde8; }
.lab.hl { background: #fff3c4; }
.pid { color: #888; font-variant-numeric: tabular-nums; font-weight: normal; }
#plot { background: repeating-linear-gradient(#fff 0 var(--row), #fbfbfb var(--row) calc(2 * var(--row))); }
#grid .gl { position: absolute; top: 0; bottom: 0; border-left: 1px solid var(--grid); }
.band { position: absolute; left: 0; right: 0; height: var(--row); background: var(--band);
  border-top: 1px solid #d5dde8; }
.lifeline { position: absolute; height: 6px; min-width: 2px; border-radius: 3px; background: var(--line); }
.lifeline:hover, .lifeline.hl { background: #2b5a8c; box-shadow: 0 0 0 2px #fff3c4; }
.lifeline.st-killed { background: linear-gradient(90deg, var(--line) 80%, #c0605a); }
.fork { position: absolute; width: 7px; margin-left: -3px; }
.fork::before { content: ""; position: absolute; left: 3px; top: 0; bottom: 0; border-left: 1px solid var(--fork); }
.fork::after { content: ""; position: absolute; left: 1px; top: -2px; width: 5px; height: 5px; border-radius: 50%;
  background: var(--fork); }
.sig { position: absolute; width: 9px; margin-left: -4px; z-index: 2; }
.sig::before { content: ""; position: absolute; left: 4px; top: 0; bottom: 0; border-left: 1.5px solid var(--sig); }
.sig.outside { background: linear-gradient(var(--sig), var(--sig)) no-repeat 4px 100% / 1.5px calc(1.2 * var(--row)); }
.sig.outside::before { border-left: 1px dashed var(--sig); opacity: .3; }
.sig::after { content: ""; position: absolute; left: 0; border: 4.5px solid transparent; }
.sig.down::after { bottom: -4px; border-top: 7px solid var(--sig); border-bottom-width: 0; }
.sig.up::after { top: -4px; border-bottom: 7px solid var(--sig); border-top-width: 0; }
.sig:hover::before { border-left-width: 3px; left: 3px; }
.mark { position: absolute; z-index: 3; display: block; transform: translate(-50%, -50%); }
.mark.start { width: 3px; height: 14px; background: #1d3f66; }
.mark.fork-sample { width: 1px; height: 14px; background: var(--fork); }
.mark.exec { width: 9px; height: 9px; background: var(--exec); border: 1px solid #8a6800;
  transform: translate(-50%, -50%) rotate(45deg); }
.mark.exit { width: 10px; height: 10px; }
.mark.exit.ok { border-radius: 50%; background: var(--ok); border: 1px solid #1c6b33; }
.mark.exit.fail { background: var(--fail); border: 1px solid #8a4b00; }
.mark.exit.killed { width: 12px; height: 12px; }
.mark.exit.killed::before, .mark.exit.killed::after { content: ""; position: absolute; left: 4.5px; top: -1px;
  width: 3px; height: 14px; background: var(--killed); transform: rotate(45deg); }
.mark.exit.killed::after { transform: rotate(-45deg); }
.mark.exit.running { width: 0; height: 0; border: 6px solid transparent; border-left: 9px solid var(--running);
  border-right-width: 0; transform: translate(-2px, -50%); }
.mark.sig.self { width: 10px; height: 10px; margin: 0; border-radius: 50%; border: 2px solid var(--sig); }
.mark.sig-sample { width: 3px; height: 14px; background: var(--sig); }
.mark:hover { outline: 2px solid #fff3c4; }
#tip { position: fixed; z-index: 10; max-width: 560px; padding: 6px 8px; white-space: pre-wrap; word-break: break-all;
  pointer-events: none; background: #222; color: #fff; border-radius: 4px; box-shadow: 0 2px 8px rgba(0,0,0,.3);
  font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
`;

/** The page's script: axis ticks for the visible range, zoom, hover details; records errors in #summary. */
function clientScript(): string {
  return `"use strict";
${formatTime.toString()}
${niceTickStep.toString()}
(function () {
  var summary = document.getElementById("summary");
  var errors = 0;
  window.addEventListener("error", function () { errors++; summary.setAttribute("data-errors", String(errors)); });
  try { main(); } catch (e) { errors++; summary.setAttribute("data-error-message", String(e && e.stack || e)); }
  summary.setAttribute("data-errors", String(errors));
  summary.setAttribute("data-lifelines", String(document.querySelectorAll(".lifeline").length));
  summary.setAttribute("data-rendered", "yes");

  function main() {
    var root = document.getElementById("timeline");
    var scroller = document.getElementById("scroller");
    var axis = document.getElementById("axis");
    var grid = document.getElementById("grid");
    var tip = document.getElementById("tip");
    var end = Number(root.getAttribute("data-end"));
    var labels = Number(root.getAttribute("data-labels"));
    var zoom = 1;
    var pending = false;
    function base() { return Math.max(200, scroller.clientWidth - labels - 48); }
    function width() { return base() * zoom; }
    function maxZoom() { return Math.max(1, Math.min(2e7 / base(), end * 50 / base())); }
    function apply() { root.style.setProperty("--plot-w", width() + "px"); drawTicks(); }
    function drawTicks() {
      pending = false;
      var w = width();
      var step = niceTickStep(end / w * 110);
      var from = Math.max(0, scroller.scrollLeft / w * end);
      var to = Math.min(end, (scroller.scrollLeft + scroller.clientWidth) / w * end);
      var ticks = [], lines = [];
      for (var t = Math.floor(from / step) * step; t <= to && ticks.length < 400; t += step) {
        var left = (t / end * 100) + "%";
        ticks.push('<div class="tick" style="left:' + left + '"><span>' + formatTime(t, step) + "</span></div>");
        lines.push('<div class="gl" style="left:' + left + '"></div>');
      }
      axis.innerHTML = ticks.join("");
      grid.innerHTML = lines.join("");
    }
    function zoomBy(factor, clientX) {
      var rect = scroller.getBoundingClientRect();
      var offset = (clientX === undefined ? rect.left + labels + (rect.width - labels) / 2 : clientX) - rect.left - labels;
      var fraction = (scroller.scrollLeft + offset) / width();
      zoom = Math.min(maxZoom(), Math.max(1, zoom * factor));
      apply();
      scroller.scrollLeft = fraction * width() - offset;
      drawTicks();
    }
    scroller.addEventListener("wheel", function (e) {
      if (!e.ctrlKey && !e.metaKey) return;
      e.preventDefault();
      zoomBy(Math.exp(-e.deltaY * 0.002), e.clientX);
    }, { passive: false });
    scroller.addEventListener("scroll", function () {
      if (!pending) { pending = true; requestAnimationFrame(drawTicks); }
    });
    window.addEventListener("resize", apply);
    document.getElementById("zoom-in").addEventListener("click", function () { zoomBy(2); });
    document.getElementById("zoom-out").addEventListener("click", function () { zoomBy(0.5); });
    document.getElementById("zoom-fit").addEventListener("click", function () { zoom = 1; apply(); });
    var lit = [];
    function highlight(target) {
      lit.forEach(function (el) { el.classList.remove("hl"); });
      lit = [];
      var row = target && target.getAttribute("data-row");
      if (!row) return;
      var lab = document.getElementById("row-" + row);
      var line = document.querySelector('.lifeline[data-row="' + row + '"]');
      [lab, line].forEach(function (el) { if (el) { el.classList.add("hl"); lit.push(el); } });
    }
    function place(e) {
      var x = e.clientX + 14, y = e.clientY + 14;
      if (x + tip.offsetWidth > window.innerWidth - 4) x = Math.max(4, e.clientX - tip.offsetWidth - 10);
      if (y + tip.offsetHeight > window.innerHeight - 4) y = Math.max(4, e.clientY - tip.offsetHeight - 10);
      tip.style.left = x + "px";
      tip.style.top = y + "px";
    }
    scroller.addEventListener("mouseover", function (e) {
      var target = e.target.closest("[data-tip]");
      if (!target) { tip.hidden = true; highlight(null); return; }
      tip.textContent = target.getAttribute("data-tip");
      tip.hidden = false;
      highlight(target.classList.contains("lab") ? document.querySelector('.lifeline[data-row="' +
        target.id.slice(4) + '"]') : target);
      place(e);
    });
    scroller.addEventListener("mousemove", function (e) { if (!tip.hidden) place(e); });
    scroller.addEventListener("mouseleave", function () { tip.hidden = true; highlight(null); });
    apply();
  }
})();`;
}
