/**
 * Signal dispositions of a process (sigaction(2)): shared by threads and by CLONE_SIGHAND
 * processes, copied on fork, reset by exec. umbra records what programs install; the kernel
 * still holds the native copy it delivers with.
 * @module
 */

import { SIGRTMAX } from "../abi/signals.ts";

/** sa_handler values with a meaning of their own. */
export const SIG_DFL = 0n;
/** Ignore the signal. */
export const SIG_IGN = 1n;

/** sa_flags bits umbra interprets. */
export const SaFlag = {
  SA_NOCLDSTOP: 0x00000001n,
  SA_NOCLDWAIT: 0x00000002n,
  SA_SIGINFO: 0x00000004n,
  SA_ONSTACK: 0x08000000n,
  SA_RESTART: 0x10000000n,
  SA_NODEFER: 0x40000000n,
  SA_RESETHAND: 0x80000000n,
} as const;

/** One disposition, as struct kernel_sigaction holds it. */
export interface SignalAction {
  handler: bigint;
  flags: bigint;
  restorer: bigint;
  mask: bigint;
}

const DEFAULT: SignalAction = Object.freeze({ handler: SIG_DFL, flags: 0n, restorer: 0n, mask: 0n });
const IGNORE: SignalAction = Object.freeze({ handler: SIG_IGN, flags: 0n, restorer: 0n, mask: 0n });

/** The dispositions of signals 1..64. */
export class SignalActions {
  readonly #actions: SignalAction[];

  constructor(actions?: SignalAction[]) {
    this.#actions = actions ?? Array.from({ length: SIGRTMAX + 1 }, () => DEFAULT);
  }

  /** Every disposition default but the signals in `mask` (bit N-1: signal N), ignored. */
  static ignoring(mask: bigint): SignalActions {
    const actions = new SignalActions();
    for (let signal = 1; signal <= SIGRTMAX; signal++) {
      if ((mask >> BigInt(signal - 1)) & 1n) actions.set(signal, IGNORE);
    }
    return actions;
  }

  /** The disposition of `signal`. */
  get(signal: number): SignalAction {
    return this.#actions[signal];
  }

  /** Records a new disposition. */
  set(signal: number, action: SignalAction): void {
    if (signal < 1 || signal > SIGRTMAX) throw new RangeError(`signal ${signal} out of range`);
    this.#actions[signal] = Object.freeze({ ...action });
  }

  /** A copy, for fork(2) without CLONE_SIGHAND. */
  copy(): SignalActions {
    return new SignalActions([...this.#actions]);
  }

  /** execve(2): handled signals go back to SIG_DFL, ignored ones stay ignored; flags and masks clear. */
  resetForExec(): SignalActions {
    return new SignalActions(this.#actions.map((action) => action.handler === SIG_IGN ? IGNORE : DEFAULT));
  }
}

/** Decodes struct kernel_sigaction (handler, flags, restorer, mask: 4 x u64). */
export function decodeSigaction(bytes: Uint8Array): SignalAction {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    handler: view.getBigUint64(0, true),
    flags: view.getBigUint64(8, true),
    restorer: view.getBigUint64(16, true),
    mask: view.getBigUint64(24, true),
  };
}
