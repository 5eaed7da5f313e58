/**
 * Boots policy Workers, ahead of need when asked: a Worker's boot (a Node-compatible isolate,
 * then the policy's modules) takes ~60 ms, which the CLI overlaps with loading its own modules.
 * A booted Worker waits for its settings (its first message) before it does anything.
 * @module
 */

import { Worker } from "node:worker_threads";

const WORKER_URL = new URL("./worker.ts", import.meta.url);

/** A Worker started ahead of need, not yet taken, and whether its boot failed meanwhile. */
let spare: { worker: Worker; failed: boolean } | null = null;

/**
 * Starts a policy Worker booting now, for the next sandbox to take. It does not keep Deno alive
 * until taken; a second call before that does nothing.
 */
export function bootPolicyWorker(): void {
  if (spare !== null) return;
  const booting = { worker: new Worker(WORKER_URL), failed: false };
  booting.worker.unref();
  // Nobody listens yet: an error now would go unheard (the taker then boots one it can hear).
  booting.worker.once("error", () => booting.failed = true);
  spare = booting;
}

/** The Worker booted ahead, or a new one: booting, waiting for its settings, keeping Deno alive. */
export function takePolicyWorker(): Worker {
  const taken = spare;
  spare = null;
  if (taken?.failed) taken.worker.terminate().catch(() => {});
  const worker = taken && !taken.failed ? taken.worker : new Worker(WORKER_URL);
  worker.ref();
  return worker;
}
