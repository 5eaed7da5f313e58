/**
 * How the umbra command ends: with an exit code, or killed by the signal that killed its
 * program, as `timeout` and strace end, so that a parent's wait says "killed by SIGTERM", not
 * "exited 143" (a shell script's loop stops at a Ctrl-C only when its child died of SIGINT).
 * @module
 */

import type { ExitStatus } from "./kernel/exit_status.ts";
import { shellExitCode } from "./kernel/exit_status.ts";

/** How umbra ends: an exit code, or a signal it raises on itself. */
export type Ending = { code: number } | { signal: number };

/** The ending that passes `status` on: its code, or its signal. */
export function endingOf(status: ExitStatus): Ending {
  return status.kind === "signaled" ? { signal: status.number } : { code: shellExitCode(status) };
}

const RLIMIT_CORE = 4;
const SIG_UNBLOCK = 1;
const PR_SET_DUMPABLE = 4;

/**
 * Ends the process as `ending` says. For a signal: no core dump (RLIMIT_CORE 0 and not
 * dumpable, so a core_pattern pipe gets nothing either), the default disposition (Deno's own
 * handler goes), the signal unblocked, then raised. A signal whose default does not kill (it
 * cannot have killed the program) falls back to exit 128 + N, as a shell reports it.
 */
export function end(ending: Ending): never {
  if ("code" in ending) Deno.exit(ending.code);
  const signal = ending.signal;
  try {
    const libc = Deno.dlopen("libc.so.6", {
      setrlimit: { parameters: ["i32", "buffer"], result: "i32" },
      prctl: { parameters: ["i32", "u64", "u64", "u64", "u64"], result: "i32" },
      signal: { parameters: ["i32", "usize"], result: "usize" },
      pthread_sigmask: { parameters: ["i32", "buffer", "pointer"], result: "i32" },
      raise: { parameters: ["i32"], result: "i32" },
    });
    libc.symbols.setrlimit(RLIMIT_CORE, new BigUint64Array([0n, 0n]));
    libc.symbols.prctl(PR_SET_DUMPABLE, 0n, 0n, 0n, 0n);
    libc.symbols.signal(signal, 0n); // SIG_DFL
    const set = new BigUint64Array(16); // sigset_t: 1024 bits
    set[0] = 1n << BigInt(signal - 1);
    libc.symbols.pthread_sigmask(SIG_UNBLOCK, set, null);
    libc.symbols.raise(signal);
  } catch {
    // No libc to load (a static build): the shell's encoding is all that is left.
  }
  Deno.exit(128 + signal);
}
