/**
 * How a process ended, and the encodings Linux uses for it (wait status word, shell code).
 * @module
 */

import { signalName } from "../abi/signals.ts";

/** How a process ended. `running`: still running when umbra stopped it (end of run or close). */
export type ExitStatus =
  | { kind: "exited"; code: number }
  | { kind: "signaled"; signal: string; number: number; coreDumped: boolean }
  | { kind: "running" };

/** Decodes a native wait(2) status word of a process that ended. */
export function exitStatusFromWait(status: number): ExitStatus {
  const termsig = status & 0x7f;
  if (termsig === 0) return { kind: "exited", code: (status >> 8) & 0xff };
  return {
    kind: "signaled",
    signal: signalName(termsig) ?? `signal ${termsig}`,
    number: termsig,
    coreDumped: (status & 0x80) !== 0,
  };
}

/** The exit code a shell (or strace) reports: the code, or 128 + signal number. */
export function shellExitCode(exit: ExitStatus): number {
  switch (exit.kind) {
    case "exited":
      return exit.code;
    case "signaled":
      return 128 + exit.number;
    case "running":
      return 128 + 9;
  }
}

/** "exited with code 3", "killed by SIGTERM (core dumped)", "still running". */
export function describeExitStatus(exit: ExitStatus): string {
  switch (exit.kind) {
    case "exited":
      return `exited with code ${exit.code}`;
    case "signaled":
      return `killed by ${exit.signal}${exit.coreDumped ? " (core dumped)" : ""}`;
    case "running":
      return "still running";
  }
}
