/**
 * Boots policy Workers, ahead of need when asked: a Worker's boot (a Node-compatible isolate,
 * then the policy's modules) takes ~60 ms, which the CLI overlaps with loading its own modules.
 * A booted Worker waits for its settings (its first message) before it does anything.
 * @module
 */

import { Worker } from "node:worker_threads";

const WORKER_URL = new URL("./worker.ts", import.meta.url);

/** A Worker started ahead of need, not yet taken. */
let spare: Worker | null = null;

/**
 * Starts a policy Worker booting now, for the next sandbox to take. It does not keep Deno alive
 * until taken; a second call before that does nothing.
 */
export function bootPolicyWorker(): void {
  if (spare !== null) return;
  spare = new Worker(WORKER_URL);
  spare.unref();
}

/** The Worker booted ahead, or a new one: booting, waiting for its settings, keeping Deno alive. */
export function takePolicyWorker(): Worker {
  const worker = spare ?? new Worker(WORKER_URL);
  spare = null;
  worker.ref();
  return worker;
}
