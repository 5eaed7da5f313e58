/**
 * wait4(2) and waitid(2), fully emulated on virtual pids: the native parent of every sandboxed
 * process is umbra, so the model alone knows who may wait for whom. A wait that must block
 * parks the caller until a child changes state or a signal interrupts it.
 * @module
 */

import { Errno } from "../abi/errno.ts";
import { encodeUsage } from "../abi/rusage.ts";
import { waitidSiginfo } from "../abi/siginfo.ts";
import { Signal } from "../abi/signals.ts";
import { wait, type WaitOptions, type WaitResult, type WaitTarget } from "../kernel/wait.ts";
import { type Blocked, fails, type Handler, int, type Outcome, returns, type SyscallContext } from "./context.ts";
import { resolvePidfd } from "./pidfd.ts";

const WNOHANG = 0x00000001;
const WUNTRACED = 0x00000002; // == WSTOPPED
const WEXITED = 0x00000004;
const WCONTINUED = 0x00000008;
const WNOWAIT = 0x01000000;
const WNOTHREAD = 0x20000000;
const WALL = 0x40000000;
const WCLONE = 0x80000000 | 0;
const WAIT4_OPTIONS = WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WCLONE | WALL;
const WAITID_OPTIONS = WNOHANG | WNOWAIT | WEXITED | WUNTRACED | WCONTINUED | WNOTHREAD | WCLONE | WALL;

const P_ALL = 0;
const P_PID = 1;
const P_PGID = 2;
const P_PIDFD = 3;
const INT_MIN = -0x80000000;

function decodeOptions(options: number, exitedAlways: boolean): WaitOptions {
  return {
    exited: exitedAlways || (options & WEXITED) !== 0,
    stopped: (options & WUNTRACED) !== 0,
    continued: (options & WCONTINUED) !== 0,
    noHang: (options & WNOHANG) !== 0,
    noWait: (options & WNOWAIT) !== 0,
    callerThreadOnly: (options & WNOTHREAD) !== 0,
    children: (options & WALL) !== 0 ? "all" : (options & WCLONE) !== 0 ? "clone" : "normal",
  };
}

/**
 * Runs the wait now; if it must block, parks the caller and runs it again on every change to
 * its children. `report` writes the result into the caller's memory and gives the return value;
 * `failure` (default: just fail) answers ECHILD and runs when a signal interrupts the wait.
 */
function waitOutcome(
  context: SyscallContext,
  target: WaitTarget,
  options: WaitOptions,
  report: (result: WaitResult | null) => Outcome,
  failure?: (code: number) => Outcome,
): Outcome {
  const attempt = (): Outcome | null => {
    const finding = wait(context.kernel, context.thread, target, options);
    if (finding.kind === "found") return report(finding.result);
    if (finding.kind === "none") return (failure ?? fails)(Errno.ECHILD);
    return options.noHang ? report(null) : null;
  };
  const blocked: Blocked = { retry: attempt, restartErrno: Errno.ERESTARTSYS };
  // waitid writes its siginfo on the way out of an interrupted wait too.
  if (failure) blocked.onInterrupt = () => void failure(Errno.ERESTARTSYS);
  return attempt() ?? { kind: "block", blocked };
}

function write(context: SyscallContext, address: bigint, bytes: Uint8Array): boolean {
  return address === 0n || context.memory.write(context.thread.nativeTid, address, bytes) === 0;
}

/** wait4(2): also wait(2) and waitpid(2). */
export const wait4: Handler = (context) => {
  const [, statusAddress, , usageAddress] = context.args;
  const pid = int(context.args[0]);
  const options = int(context.args[2]);
  if (options & ~WAIT4_OPTIONS) return fails(Errno.EINVAL);
  if (pid === INT_MIN) return fails(Errno.ESRCH);
  const target: WaitTarget = pid < -1
    ? { kind: "group", group: -pid }
    : pid === -1
    ? { kind: "any" }
    : pid === 0
    ? { kind: "group", group: context.process.common.group }
    : { kind: "pid", pid };
  return waitOutcome(context, target, decodeOptions(options, true), (result) => {
    if (!result) return returns(0);
    const status = new Uint8Array(4);
    new DataView(status.buffer).setInt32(0, result.statusWord, true);
    if (!write(context, statusAddress, status)) return fails(Errno.EFAULT);
    if (!write(context, usageAddress, encodeUsage(result.usage))) return fails(Errno.EFAULT);
    return returns(result.child.id);
  });
};

/**
 * Writes waitid's siginfo fields at `address` (NULL: nothing), zero without a result. Like Linux,
 * field by field: the padding after si_code keeps what it held.
 */
function writeWaitidInfo(context: SyscallContext, address: bigint, result: WaitResult | null): boolean {
  if (address === 0n) return true;
  const info = waitidSiginfo({
    signo: result ? Signal.SIGCHLD : 0,
    code: result?.code ?? 0,
    pid: result?.child.id ?? 0,
    uid: result ? context.kernel.uid : 0,
    status: result?.status ?? 0,
  });
  return write(context, address, info.subarray(0, 12)) && write(context, address + 16n, info.subarray(16));
}

/** waitid(2), including Linux's fifth argument (rusage). */
export const waitid: Handler = (context) => {
  const [, , infoAddress, , usageAddress] = context.args;
  const idtype = int(context.args[0]);
  const id = int(context.args[1]);
  const options = int(context.args[3]);
  // Linux writes the (zeroed) siginfo for every error too, so a bad pointer makes any error EFAULT.
  const failure = (code: number) => fails(writeWaitidInfo(context, infoAddress, null) ? code : Errno.EFAULT);
  if (options & ~WAITID_OPTIONS) return failure(Errno.EINVAL);
  if (!(options & (WEXITED | WUNTRACED | WCONTINUED))) return failure(Errno.EINVAL);
  let target: WaitTarget;
  if (idtype === P_ALL) target = { kind: "any" };
  else if (idtype === P_PID) {
    if (id <= 0) return failure(Errno.EINVAL);
    target = { kind: "pid", pid: id };
  } else if (idtype === P_PGID) {
    if (id < 0) return failure(Errno.EINVAL);
    target = { kind: "group", group: id === 0 ? context.process.common.group : id };
  } else if (idtype === P_PIDFD) {
    if (id < 0) return failure(Errno.EINVAL);
    const pidfd = resolvePidfd(context, id);
    if (pidfd.kind !== "pidfd") return failure(Errno.EBADF);
    if (!pidfd.process) return failure(Errno.ECHILD);
    target = { kind: "pid", pid: pidfd.process.id };
  } else return failure(Errno.EINVAL);
  return waitOutcome(context, target, decodeOptions(options, false), (result) => {
    if (result && !write(context, usageAddress, encodeUsage(result.usage))) return fails(Errno.EFAULT);
    if (!writeWaitidInfo(context, infoAddress, result)) return fails(Errno.EFAULT);
    return returns(0);
  }, failure);
};
