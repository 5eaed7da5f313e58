/**
 * strace logging: a handler's outcome, made to report the syscall with its result once known
 * (an exit stop is added where the outcome had none).
 * @module
 */

import type { ExitHook } from "../kernel/thread.ts";
import type { Outcome } from "../syscalls/context.ts";

/**
 * The same outcome, calling `record` with the call's result when it is known (null: the call
 * never returns to be seen, or only the tracer saw it run on). `atEntry`: record now.
 */
export function recordedOutcome(outcome: Outcome, record: (result: bigint | null) => void, atEntry: boolean): Outcome {
  if (atEntry) {
    record(null);
    return outcome;
  }
  switch (outcome.kind) {
    case "return":
      record(outcome.value);
      return outcome;
    case "block": {
      const { blocked } = outcome;
      return {
        kind: "block",
        blocked: {
          ...blocked,
          retry: () => {
            const done = blocked.retry();
            if (done?.kind === "return") record(done.value);
            return done;
          },
          onInterrupt: () => {
            blocked.onInterrupt?.();
            record(-BigInt(blocked.restartErrno));
          },
        },
      };
    }
    default: {
      const inner = outcome.exit ?? ((result: bigint) => result);
      const exit: ExitHook = (result) => {
        const next = inner(result);
        if (typeof next === "bigint") record(next);
        return next;
      };
      return { ...outcome, exit };
    }
  }
}
