/**
 * strace's `-e trace=<set>`: which calls a log keeps. A set is a comma-separated list of syscall
 * names and classes (`%process`, `%signal`, `%file`, also without the `%` as strace once spelled
 * them), `all` or `none`; a leading `!` keeps every call but those. The classes are strace's own
 * for x86_64 (its TRACE_PROCESS, TRACE_SIGNAL and TRACE_FILE flags).
 * @module
 */

import { SYS, type SyscallName } from "../abi/syscalls.ts";

/** A bad trace expression: the message names what is wrong, in one line. */
export class TraceFilterError extends Error {
  /** "TraceFilterError". */
  override name = "TraceFilterError";
}

/** Process lifecycle: creation, exec, termination, waits and signals sent. */
const PROCESS: readonly SyscallName[] = [
  "clone",
  "clone3",
  "fork",
  "vfork",
  "execve",
  "execveat",
  "exit",
  "exit_group",
  "wait4",
  "waitid",
  "kill",
  "tkill",
  "tgkill",
  "rt_sigqueueinfo",
  "rt_tgsigqueueinfo",
  "pidfd_send_signal",
];

/** Signal-related calls. */
const SIGNAL: readonly SyscallName[] = [
  "rt_sigaction",
  "rt_sigprocmask",
  "rt_sigreturn",
  "rt_sigpending",
  "rt_sigtimedwait",
  "rt_sigqueueinfo",
  "rt_tgsigqueueinfo",
  "rt_sigsuspend",
  "sigaltstack",
  "pause",
  "kill",
  "tkill",
  "tgkill",
  "signalfd",
  "signalfd4",
  "pidfd_send_signal",
];

/** Calls that take a file name. */
const FILE: readonly SyscallName[] = [
  "open",
  "openat",
  "openat2",
  "creat",
  "stat",
  "lstat",
  "newfstatat",
  "statx",
  "statfs",
  "access",
  "faccessat",
  "faccessat2",
  "execve",
  "execveat",
  "truncate",
  "chdir",
  "chroot",
  "pivot_root",
  "rename",
  "renameat",
  "renameat2",
  "mkdir",
  "mkdirat",
  "rmdir",
  "link",
  "linkat",
  "unlink",
  "unlinkat",
  "symlink",
  "symlinkat",
  "readlink",
  "readlinkat",
  "chmod",
  "fchmodat",
  "chown",
  "lchown",
  "fchownat",
  "utime",
  "utimes",
  "futimesat",
  "utimensat",
  "mknod",
  "mknodat",
  "uselib",
  "acct",
  "mount",
  "umount2",
  "swapon",
  "swapoff",
  "setxattr",
  "lsetxattr",
  "getxattr",
  "lgetxattr",
  "listxattr",
  "llistxattr",
  "removexattr",
  "lremovexattr",
  "inotify_add_watch",
  "fanotify_mark",
  "name_to_handle_at",
  "quotactl",
  "open_tree",
  "move_mount",
  "fspick",
  "mount_setattr",
];

const CLASSES: ReadonlyMap<string, readonly SyscallName[]> = new Map([
  ["process", PROCESS],
  ["signal", SIGNAL],
  ["file", FILE],
]);

/**
 * Parses strace's `-e` expression (`trace=<set>`, or a bare `<set>`, which strace reads as
 * `trace=`) into a test on syscall numbers. Throws a TraceFilterError for another qualifier, an
 * empty set, an unknown class or an unknown syscall name.
 *
 * @example
 * ```ts
 * const keep = parseTraceFilter("trace=!%signal,write");
 * keep(1); // false: write
 * keep(0); // true: read
 * ```
 */
export function parseTraceFilter(expression: string): (nr: number) => boolean {
  const equals = expression.indexOf("=");
  const qualifier = equals < 0 ? "trace" : expression.slice(0, equals);
  if (qualifier !== "trace" && qualifier !== "t") {
    throw new TraceFilterError(`only trace=<set> is supported, not ${qualifier}=`);
  }
  let set = equals < 0 ? expression : expression.slice(equals + 1);
  const negated = set.startsWith("!");
  if (negated) set = set.slice(1);
  const numbers = new Set<number>();
  let all = false;
  for (const element of set.split(",")) {
    if (element === "") throw new TraceFilterError(`empty syscall name in '${expression}'`);
    if (element === "all") all = true;
    else if (element === "none") continue;
    else if (element.startsWith("%") || CLASSES.has(element)) {
      const members = CLASSES.get(element.replace(/^%/, ""));
      if (members === undefined) {
        throw new TraceFilterError(`unknown class '${element}' (umbra knows %process, %signal, %file)`);
      }
      for (const name of members) numbers.add(SYS[name]);
    } else if (Object.hasOwn(SYS, element)) numbers.add(SYS[element as SyscallName]);
    else throw new TraceFilterError(`unknown syscall '${element}'`);
  }
  return (nr) => (all || numbers.has(nr)) !== negated;
}
