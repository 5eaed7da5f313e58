/**
 * Before measuring: check which variants can run, warm them up once (the first umbra run may
 * build the native library and fill Deno's cache), and size the compute loop.
 * @module
 */

import { runOnce } from "./measure.ts";
import { COMPUTE_ITERATIONS } from "./rows.ts";
import { commandFor, type Variant, VARIANTS } from "./variants.ts";

/** Longest native compute loop (ms) before the iteration count is reduced. */
const COMPUTE_LIMIT_MS = 3000;
/** Native duration (ms) a reduced compute loop aims for. */
const COMPUTE_AIM_MS = 2000;

/**
 * Runs /bin/true once under every variant (results discarded) and returns the variants that
 * work; throws when umbra or native cannot run, drops strace with a warning when it is missing.
 */
export async function warmUp(): Promise<{ variants: Variant[]; warnings: string[] }> {
  const variants: Variant[] = [];
  const warnings: string[] = [];
  for (const variant of VARIANTS) {
    const outcome = await runOnce(commandFor(variant, ["/bin/true"])).catch((error: Error) => error.message);
    if (typeof outcome !== "string") {
      variants.push(variant);
    } else if (variant === "strace") {
      warnings.push(`strace cannot run (${outcome}); its columns are empty`);
    } else {
      throw new Error(`${variant} /bin/true failed during warm-up: ${outcome}`);
    }
  }
  return { variants, warnings };
}

/**
 * Runs the compute program natively once with the default count; when that takes longer than
 * 3 s, returns a count scaled down to about 2 s and a note saying so.
 */
export async function sizeComputeLoop(program: string): Promise<{ iterations: number; note?: string }> {
  const outcome = await runOnce([program, `${COMPUTE_ITERATIONS}`]);
  if (typeof outcome === "string") throw new Error(`compute program failed: ${outcome}`);
  if (outcome.wallMs <= COMPUTE_LIMIT_MS) return { iterations: COMPUTE_ITERATIONS };
  const step = 10_000_000;
  const iterations = Math.max(step, Math.round(COMPUTE_ITERATIONS * COMPUTE_AIM_MS / outcome.wallMs / step) * step);
  const note = `1e9 iterations took ${(outcome.wallMs / 1000).toFixed(1)} s natively (over 3 s), ` +
    `so this run used ${iterations} iterations.`;
  return { iterations, note };
}
