/**
 * Linux signal numbers, names and default actions (signal(7)).
 * @module
 */

/** Standard signal numbers on x86_64. */
export const Signal = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
} as const;

/** The kernel's first and last realtime signal. */
export const SIGRTMIN = 32;
/** The highest signal number. */
export const SIGRTMAX = 64;

const NAMES = new Map<number, string>(Object.entries(Signal).map(([name, n]) => [n, name]));

/** "SIGTERM" for 15, "SIGRTMIN+2" for 34; undefined outside 1..64. */
export function signalName(signal: number): string | undefined {
  if (NAMES.has(signal)) return NAMES.get(signal);
  if (signal === SIGRTMIN) return "SIGRTMIN";
  if (signal > SIGRTMIN && signal <= SIGRTMAX) return `SIGRTMIN+${signal - SIGRTMIN}`;
  return undefined;
}

/** Parses "SIGTERM", "TERM", "15" or "SIGRTMIN+2"; undefined when it names no signal. */
export function parseSignal(text: string): number | undefined {
  const trimmed = text.trim().toUpperCase();
  if (/^\d+$/.test(trimmed)) {
    const n = Number(trimmed);
    return n >= 1 && n <= SIGRTMAX ? n : undefined;
  }
  const name = trimmed.startsWith("SIG") ? trimmed : `SIG${trimmed}`;
  const rt = /^SIGRTMIN(?:\+(\d+))?$/.exec(name);
  if (rt) {
    const n = SIGRTMIN + Number(rt[1] ?? 0);
    return n <= SIGRTMAX ? n : undefined;
  }
  const rtmax = /^SIGRTMAX(?:-(\d+))?$/.exec(name);
  if (rtmax) {
    const n = SIGRTMAX - Number(rtmax[1] ?? 0);
    return n >= SIGRTMIN ? n : undefined;
  }
  return (Signal as Record<string, number>)[name];
}

/** What a signal does when its disposition is SIG_DFL. */
export type DefaultAction = "terminate" | "core" | "ignore" | "stop" | "continue";

const CORE = new Set<number>([3, 4, 5, 6, 7, 8, 11, 24, 25, 31]);
const IGNORE = new Set<number>([17, 23, 28]);
const STOP = new Set<number>([19, 20, 21, 22]);

/** The default action of `signal` (signal(7)); realtime signals terminate. */
export function defaultAction(signal: number): DefaultAction {
  if (CORE.has(signal)) return "core";
  if (IGNORE.has(signal)) return "ignore";
  if (STOP.has(signal)) return "stop";
  if (signal === Signal.SIGCONT) return "continue";
  return "terminate";
}
