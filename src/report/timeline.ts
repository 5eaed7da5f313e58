/**
 * The timeline of a run as one self-contained HTML document: a row per process with its lifeline
 * on a virtual-time axis, grouped by host and nested by parent, with marks for starts, forks,
 * execs, signals and exits. Built to stay readable at thousands of processes: no line crosses
 * rows (a row's hover lights its parent and a signal's sender instead), a parent's forks and the
 * signals of one kind a process receives close together fold into one mark with a count
 * (SIGCHLD above all), subtrees collapse, and a filter box keeps the rows whose pid, name or argv
 * match. The page needs no network; its inline script draws the time axis, zooms (buttons,
 * Ctrl+wheel), filters, collapses and shows details on hover. The address's fragment sets the
 * state on load: `#filter=echo&collapse=1000,1002` (or `collapse=all`).
 * @module
 */

import type { TimelineInput } from "./events.ts";
import {
  buildModel,
  describeEnd,
  endOf,
  type Model,
  type Proc,
  programArgv,
  quoteArgv,
  type Sig,
  who,
} from "./lifelines.ts";

/** Height of one row (a process or a host's header), in CSS pixels. */
const ROW = 20;
/** Width of the label column, in CSS pixels. */
const LABELS = 320;
/** Indentation per nesting level, and the deepest level that still indents. */
const INDENT = 10;
const MAX_INDENT_DEPTH = 16;
/** Label text beyond this many characters is cut (the hover shows all of it). */
const LABEL_MAX = 100;
/**
 * Marks of one kind on one row closer than 1/FOLD_BINS of the axis fold into one: a shell's
 * thousand SIGCHLDs become a few marks with counts, and the page stays small.
 */
const FOLD_BINS = 400;
/** A folded mark's hover names this many of its events, then counts the rest. */
const FOLD_NAMED = 8;

/**
 * Renders a run's timeline as one HTML document (inline CSS and script, no external resources).
 * Every process gets one element with class `row` (`data-pid`, `data-host`, `data-depth`) holding
 * exactly one `lifeline`; the element `#summary` gets `data-rows` (processes), `data-visible`
 * (rows shown after filter and collapse), `data-errors` and `data-rendered="yes"` once the
 * page's script has run.
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
    '<div id="scroller"><div class="head"><div class="corner">pid · argv</div>',
    '<div id="axis" class="plotw"></div></div>',
    '<div id="rows"><div id="grid" class="plotw"></div>',
    renderRows(model),
    "</div></div>",
    '<div id="tip" hidden></div>',
    `<div id="summary" hidden data-processes="${model.procs.length}" data-lifelines="" data-visible=""`,
    ' data-errors="0" data-rendered="no"></div>',
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
// Text: labels and hover details.

function at(time: number, text: string): string {
  return `${formatTime(time)} (${text} ns)`;
}

/** The argv a row shows, whole (the label cuts it). */
function labelText(proc: Proc): string {
  return quoteArgv(programArgv(proc)).replaceAll("\n", "↵");
}

function describeStatus(proc: Proc, model: Model): string {
  const exit = proc.exit;
  const running = !exit || exit.status.kind === "running";
  return running
    ? `${describeEnd(proc)} (${formatTime(model.stop)})`
    : `${describeEnd(proc)} at ${at(exit.time, exit.text)}`;
}

/** A row's hover: its argv first (what the filter searches), then the rest. */
function procDetails(proc: Proc, model: Model): string {
  const lines = [labelText(proc), `${who(proc)} on ${proc.host}`];
  if (proc.parent) lines.push(`parent: ${who(proc.parent)}`);
  else if (proc.origin !== "unknown") lines.push(`parent: pid ${proc.parentPid}`);
  const how = { start: "started", fork: "forked", unknown: "first seen" }[proc.origin];
  lines.push(`${how} at ${at(proc.start, proc.startText)}`);
  for (const exec of proc.execs) lines.push(`exec ${exec.path} at ${at(exec.time, exec.text)}`);
  lines.push(describeStatus(proc, model));
  if (proc.children.length > 0) lines.push(`children: ${proc.children.length}`);
  return lines.join("\n");
}

function sender(sig: Sig): string {
  if (sig.fromPid === null) return "outside the sandbox";
  return sig.from ? who(sig.from) : `pid ${sig.fromPid} (not a traced process)`;
}

function signalDetails(group: Sig[]): string {
  const first = group[0];
  const last = group[group.length - 1];
  if (group.length === 1) {
    return [
      `${first.signal} on ${first.to.host}`,
      `from ${sender(first)}`,
      `to ${who(first.to)}`,
      `at ${at(first.time, first.text)}`,
    ]
      .join("\n");
  }
  return [
    `${first.signal} ×${group.length} on ${first.to.host}`,
    `to ${who(first.to)}`,
    `from ${named(group.map(sender))}`,
    `between ${at(first.time, first.text)} and ${at(last.time, last.text)}`,
  ].join("\n");
}

function forkDetails(parent: Proc, group: Proc[]): string {
  const first = group[0];
  const last = group[group.length - 1];
  const children = named(group.map((child) => `${child.pid}`));
  if (group.length === 1) return `fork: ${who(parent)} → pid ${first.pid}\nat ${at(first.start, first.startText)}`;
  return `fork ×${group.length}: ${who(parent)} → pids ${children}\n` +
    `between ${at(first.start, first.startText)} and ${at(last.start, last.startText)}`;
}

/** The first FOLD_NAMED of a list, then how many more. */
function named(items: string[]): string {
  const shown = items.slice(0, FOLD_NAMED).join(", ");
  return items.length > FOLD_NAMED ? `${shown} and ${items.length - FOLD_NAMED} more` : shown;
}

// ---------------------------------------------------------------------------------------------
// HTML.

function renderHeader(title: string, model: Model): string {
  const stats = `${model.procs.length} processes on ${model.hosts.length} host${model.hosts.length === 1 ? "" : "s"}` +
    ` · stop at ${formatTime(model.stop)} · ${model.signals.length} signals`;
  const legend = [
    ["start", "start"],
    ["forks", "fork"],
    ["exec", "exec"],
    ["sig", "signal"],
    ["sig chld", "SIGCHLD"],
    ["exit ok", "exit 0"],
    ["exit fail", "exit ≠ 0"],
    ["exit killed", "killed"],
    ["exit running", "running at stop"],
  ].map(([cls, text]) => `<span class="key"><span class="swatch"><i class="mark ${cls}"></i></span>${text}</span>`);
  return [
    `<header><h1>${escapeHtml(title)}</h1><span class="stats">${escapeHtml(stats)}</span>`,
    `<span class="legend">${legend.join("")}</span>`,
    '<input id="filter" type="search" placeholder="filter: pid, name or argv" autocomplete="off">',
    '<span class="zoom"><button id="collapse-all" title="collapse every subtree">collapse</button>',
    '<button id="expand-all" title="expand every subtree">expand</button> ',
    '<button id="zoom-out" title="zoom out">−</button><button id="zoom-fit">fit</button>',
    '<button id="zoom-in" title="zoom in">+</button><span class="hint">Ctrl+wheel zooms</span></span></header>',
  ].join("");
}

function renderRows(model: Model): string {
  const parts: string[] = [];
  const signals = signalsByTarget(model);
  for (const host of model.hosts) {
    const count = `${host.procs.length} process${host.procs.length === 1 ? "" : "es"}`;
    parts.push(
      `<div class="row host" id="r${host.row}" data-host="${escapeHtml(host.name)}"><div class="lab">` +
        `${escapeHtml(host.name)} <span class="pid">${count}</span></div><div class="track plotw"></div></div>`,
    );
    for (const proc of host.procs) parts.push(renderRow(proc, model, signals.get(proc) ?? []));
  }
  return parts.join("\n");
}

function signalsByTarget(model: Model): Map<Proc, Sig[]> {
  const byTarget = new Map<Proc, Sig[]>();
  for (const sig of model.signals) {
    if (!byTarget.has(sig.to)) byTarget.set(sig.to, []);
    byTarget.get(sig.to)!.push(sig);
  }
  return byTarget;
}

function renderRow(proc: Proc, model: Model, signals: Sig[]): string {
  const indent = 18 + Math.min(proc.depth, MAX_INDENT_DEPTH) * INDENT;
  const text = labelText(proc);
  const shown = text.length > LABEL_MAX ? `${text.slice(0, LABEL_MAX)}…` : text;
  const toggle = proc.children.length > 0 ? `<b class="tog" data-kids="${proc.children.length}"></b>` : "";
  const attributes = [
    `class="row" id="r${proc.row}" data-pid="${proc.pid}" data-host="${escapeHtml(proc.host)}"`,
    `data-depth="${proc.depth}"`,
    ...(proc.parent ? [`data-parent="r${proc.parent.row}"`] : []),
    `data-name="${escapeHtml(proc.name)}" data-tip="${escapeHtml(procDetails(proc, model))}"`,
  ];
  return `<div ${attributes.join(" ")}><div class="lab" style="padding-left:${indent}px">${toggle}` +
    `<span class="pid">${proc.pid}</span> <span class="name">${escapeHtml(shown)}</span></div>` +
    `<div class="track plotw">${renderLifeline(proc, model)}${renderMarks(proc, model, signals)}</div></div>`;
}

/** A percentage of the axis, short: 5 decimals keep a mark within 2 px at the deepest zoom. */
function x(time: number, model: Model): string {
  return `${Number((time / model.end * 100).toFixed(5))}%`;
}

function statusClass(proc: Proc): string {
  const status = proc.exit?.status;
  if (!status || status.kind === "running") return "running";
  if (status.kind === "signaled") return "killed";
  return status.code === 0 ? "ok" : "fail";
}

function renderLifeline(proc: Proc, model: Model): string {
  const width = Number(((endOf(proc, model) - proc.start) / model.end * 100).toFixed(5));
  return `<div class="lifeline st-${statusClass(proc)}" style="left:${x(proc.start, model)};width:${width}%"></div>`;
}

/**
 * Groups time-sorted items whose times lie within 1/FOLD_BINS of the axis of the group's first.
 * Linear; the groups keep the items' order.
 */
function fold<T>(items: readonly T[], time: (item: T) => number, span: number): T[][] {
  const gap = span / FOLD_BINS;
  const groups: T[][] = [];
  for (const item of items) {
    const group = groups.at(-1);
    if (group && time(item) - time(group[0]) <= gap) group.push(item);
    else groups.push([item]);
  }
  return groups;
}

/** Start, exec and exit marks (their hover is the row's), folded forks and signals (their own). */
function renderMarks(proc: Proc, model: Model, signals: Sig[]): string {
  const marks: string[] = [];
  const mark = (cls: string, time: number, extra = "") =>
    marks.push(`<i class="mark ${cls}"${extra} style="left:${x(time, model)}"></i>`);
  if (proc.origin === "start") mark("start", proc.start);
  for (const exec of proc.execs) mark("exec", exec.time);
  const children = [...proc.children].sort((a, b) => a.start - b.start);
  for (const group of fold(children, (child) => child.start, model.end)) {
    // No count drawn: the children's rows show them.
    mark("forks", group[0].start, ` data-tip="${escapeHtml(forkDetails(proc, group))}"`);
  }
  const byKind = new Map<string, Sig[]>();
  for (const sig of signals) {
    const kind = `${sig.signal}${sig.from === sig.to ? " self" : ""}`;
    if (!byKind.has(kind)) byKind.set(kind, []);
    byKind.get(kind)!.push(sig);
  }
  for (const [kind, list] of byKind) {
    for (const group of fold(list, (sig) => sig.time, model.end)) {
      mark(signalClass(kind, group), group[0].time, signalExtra(group));
    }
  }
  mark(`exit ${statusClass(proc)}`, endOf(proc, model));
  return marks.join("");
}

function folded(count: number, tip: string): string {
  return `${count > 1 ? ` data-n="×${count}"` : ""} data-tip="${escapeHtml(tip)}"`;
}

function signalClass(kind: string, group: Sig[]): string {
  const [signal, self] = kind.split(" ");
  const outside = group.every((sig) => sig.fromPid === null);
  return `sig${signal === "SIGCHLD" ? " chld" : ""}${self ? " self" : ""}${outside ? " out" : ""}`;
}

/** The sender's row, for the hover to light, when one traced process sent them all. */
function signalExtra(group: Sig[]): string {
  const from = group[0].from;
  const one = from !== null && from !== group[0].to && group.every((sig) => sig.from === from);
  return `${one ? ` data-from="r${from.row}"` : ""}${folded(group.length, signalDetails(group))}`;
}

// ---------------------------------------------------------------------------------------------
// Style and script.

const CSS = `
:root { --row: ${ROW}px; --labels: ${LABELS}px; --line: #5b7fa6; --sig: #8e44ad; --chld: #b9a3cc; --ok: #2e9d4f;
  --fail: #e07b00; --killed: #d62d20; --running: #7a7a7a; --exec: #e0a800; --fork: #7d98b8; --band: #eef2f7;
  --grid: #e6e6e6; }
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
.swatch .mark { top: 7px !important; left: 7px; }
#filter { font: inherit; width: 220px; padding: 2px 6px; }
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
#rows { position: relative; width: max-content; }
#grid { position: absolute; top: 0; bottom: 0; left: var(--labels); }
#grid .gl { position: absolute; top: 0; bottom: 0; border-left: 1px solid var(--grid); }
.row { display: flex; height: var(--row); }
.row[hidden] { display: none; }
.row:nth-child(odd) .lab { background: #fbfbfb; }
.lab { position: sticky; left: 0; z-index: 4; width: var(--labels); flex: none; height: var(--row);
  line-height: var(--row); padding-right: 6px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
  cursor: default; background: #fff; border-right: 1px solid #bbb; }
.row.host .lab { background: var(--band); font-weight: 600; padding-left: 6px; border-top: 1px solid #d5dde8; }
.row.host .track { background: var(--band); border-top: 1px solid #d5dde8; }
.row.hl .lab { background: #fff3c4; }
.row.hl-peer .lab { background: #e8f0fb; }
.row.context .lab { color: #999; }
.pid { color: #888; font-variant-numeric: tabular-nums; font-weight: normal; }
.tog { display: inline-block; width: 14px; margin-left: -14px; color: #557; cursor: pointer; font-weight: normal; }
.tog::before { content: "▾"; }
.row.closed .tog::before { content: "▸"; }
.row.closed .tog { width: auto; margin-right: 4px; }
.row.closed .tog::after { content: "+" attr(data-kids); font-size: 10px; }
.track { height: var(--row); }
.lifeline { position: absolute; top: 7px; height: 6px; min-width: 2px; border-radius: 3px; background: var(--line); }
.lifeline:hover, .row.hl .lifeline { background: #2b5a8c; box-shadow: 0 0 0 2px #fff3c4; }
.lifeline.st-killed { background: linear-gradient(90deg, var(--line) 80%, #c0605a); }
.mark { position: absolute; z-index: 3; display: block; top: 10px; transform: translate(-50%, -50%); }
.mark[data-n]::after { content: attr(data-n); position: absolute; left: 8px; top: -3px; font-size: 9px;
  line-height: 9px; color: #555; white-space: nowrap; }
.mark.start { width: 3px; height: 14px; background: #1d3f66; }
.mark.forks { top: 15px; width: 3px; height: 9px; background: var(--fork); }
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
.mark.sig { top: 4px; width: 0; height: 0; border: 5px solid transparent; border-top: 8px solid var(--sig);
  border-bottom-width: 0; }
.mark.sig.out { border-top-color: #c9a3de; }
.mark.sig.chld { top: 4px; width: 2px; height: 7px; border: 0; background: var(--chld); }
.mark.sig.self { top: 10px; width: 10px; height: 10px; border: 2px solid var(--sig); border-radius: 50%; }
.mark:hover { outline: 2px solid #e0b400; }
#tip { position: fixed; z-index: 10; max-width: 560px; padding: 6px 8px; white-space: pre-wrap; word-break: break-all;
  pointer-events: none; background: #222; color: #fff; border-radius: 4px; box-shadow: 0 2px 8px rgba(0,0,0,.3);
  font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
`;

/**
 * The page's script: axis ticks for the visible range, zoom, filter, collapse, hover details;
 * records errors in #summary.
 */
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
    var end = Number(root.getAttribute("data-end"));
    var labels = Number(root.getAttribute("data-labels"));
    var rows = Array.prototype.slice.call(document.querySelectorAll("#rows > .row"));
    var zoom = setupZoom(scroller, root, end, labels);
    setupRows(rows);
    setupHover(scroller);
    zoom();
  }

  function setupZoom(scroller, root, end, labels) {
    var axis = document.getElementById("axis");
    var grid = document.getElementById("grid");
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
    return apply;
  }

  // Filter and collapse. Rows are in depth-first order, so a subtree is the run of rows after
  // its root that are deeper than it. While a filter is set it alone decides: the rows that match
  // and, greyed, their ancestors; otherwise collapsed subtrees hide.
  function setupRows(rows) {
    var input = document.getElementById("filter");
    var byId = {};
    var procs = rows.filter(function (row) { return !row.classList.contains("host"); });
    procs.forEach(function (row) {
      byId[row.id] = row;
      var tip = row.getAttribute("data-tip") || "";
      // The name without its trailing pid: a number finds that pid, not every name holding its digits.
      var name = (row.getAttribute("data-name") || "").replace(/\\.\\d+$/, "");
      row.searchText = (tip.split("\\n")[0] + " " + name).toLowerCase();
    });
    function matches(row, query) {
      if (/^\\d+$/.test(query) && row.getAttribute("data-pid") === query) return true;
      return row.searchText.indexOf(query) >= 0;
    }
    function refresh() {
      var query = input.value.trim().toLowerCase();
      var shown = {};
      if (query) {
        procs.forEach(function (row) {
          if (!matches(row, query)) return;
          shown[row.id] = "match";
          for (var up = byId[row.getAttribute("data-parent")]; up && !shown[up.id]; up = byId[up.getAttribute("data-parent")]) {
            shown[up.id] = "context";
          }
        });
      }
      var hideDeeperThan = Infinity;
      var visible = 0;
      rows.forEach(function (row) {
        if (row.classList.contains("host")) { hideDeeperThan = Infinity; return; }
        var depth = Number(row.getAttribute("data-depth"));
        if (depth <= hideDeeperThan) hideDeeperThan = Infinity;
        var hide = query ? !shown[row.id] : depth > hideDeeperThan;
        if (!query && !hide && row.classList.contains("closed")) hideDeeperThan = depth;
        row.hidden = hide;
        row.classList.toggle("context", shown[row.id] === "context");
        if (!hide) visible++;
      });
      summary.setAttribute("data-visible", String(visible));
    }
    function saveState() {
      var params = new URLSearchParams();
      if (input.value) params.set("filter", input.value);
      var closed = procs.filter(function (row) { return row.classList.contains("closed"); });
      if (closed.length) params.set("collapse", closed.map(function (row) { return row.getAttribute("data-pid"); }).join(","));
      history.replaceState(null, "", params.toString() ? "#" + params.toString() : location.pathname + location.search);
    }
    function loadState() {
      var params = new URLSearchParams(location.hash.slice(1));
      input.value = params.get("filter") || "";
      var collapse = (params.get("collapse") || "").split(",");
      procs.forEach(function (row) {
        var close = row.querySelector(".tog") && (collapse[0] === "all" || collapse.indexOf(row.getAttribute("data-pid")) >= 0);
        row.classList.toggle("closed", Boolean(close));
      });
      refresh();
    }
    function setAll(closed) {
      procs.forEach(function (row) { if (row.querySelector(".tog")) row.classList.toggle("closed", closed); });
      refresh();
      saveState();
    }
    input.addEventListener("input", function () { refresh(); saveState(); });
    document.getElementById("rows").addEventListener("click", function (e) {
      if (!e.target.classList.contains("tog")) return;
      e.target.closest(".row").classList.toggle("closed");
      refresh();
      saveState();
    });
    document.getElementById("collapse-all").addEventListener("click", function () { setAll(true); });
    document.getElementById("expand-all").addEventListener("click", function () { setAll(false); });
    window.addEventListener("hashchange", loadState);
    loadState();
  }

  // Hover: the details of the mark or row under the pointer; lights the row, its parent and a
  // signal's sender.
  function setupHover(scroller) {
    var tip = document.getElementById("tip");
    var lit = [];
    function light(el, cls) { if (el) { el.classList.add(cls); lit.push([el, cls]); } }
    function highlight(target) {
      lit.forEach(function (pair) { pair[0].classList.remove(pair[1]); });
      lit = [];
      if (!target) return;
      var row = target.closest(".row");
      if (!row) return;
      light(row, "hl");
      light(document.getElementById(row.getAttribute("data-parent")), "hl-peer");
      light(document.getElementById(target.getAttribute("data-from")), "hl-peer");
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
      highlight(target);
      place(e);
    });
    scroller.addEventListener("mousemove", function (e) { if (!tip.hidden) place(e); });
    scroller.addEventListener("mouseleave", function () { tip.hidden = true; highlight(null); });
  }
})();`;
}
