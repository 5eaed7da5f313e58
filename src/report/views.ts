/**
 * The views of a run that `umbra run` writes and `umbra report` regenerates from report.json:
 * timeline.html (src/report/timeline.ts) and trace.json (src/report/trace_events.ts).
 * @module
 */

import { join } from "node:path";
import type { TimelineInput } from "./events.ts";
import { renderTimeline } from "./timeline.ts";
import { renderTraceEvents } from "./trace_events.ts";

/** The views' file names in a data directory. */
export const VIEW_FILES = ["timeline.html", "trace.json"] as const;

/** Writes timeline.html and trace.json into `directory`; returns the paths written. */
export async function writeViews(directory: string, input: TimelineInput): Promise<string[]> {
  const [timeline, trace] = VIEW_FILES.map((name) => join(directory, name));
  await Deno.writeTextFile(timeline, renderTimeline(input));
  await Deno.writeTextFile(trace, renderTraceEvents(input));
  return [timeline, trace];
}
