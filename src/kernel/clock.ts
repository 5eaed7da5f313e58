/**
 * The sandbox's simulated clock (nanoseconds since the sandbox started) and the timers that run
 * on it. Time only moves when umbra moves it: by a small cost per clock read, or by jumping to
 * the next deadline when every process is waiting.
 * @module
 */

/** 2000-01-01T00:00:00Z, Shadow's default epoch. */
export const DEFAULT_EPOCH_NS = 946_684_800_000_000_000n;

/** Virtual time one clock read costs, so that a loop that only reads the clock sees it move. */
export const CLOCK_READ_COST_NS = 1_000n;

/** A timer on the virtual clock. */
export interface Timer {
  readonly deadline: bigint;
  /** Runs when the clock reaches `deadline`. */
  readonly fire: () => void;
}

/**
 * Where the time is kept: in umbra's memory, or in the region shared with the programs' shim
 * (libumbra's umbra_clock_*), which reads it without asking umbra.
 */
export interface ClockCell {
  /** ns since the sandbox started. */
  now(): bigint;
  /** A clock read: returns the time, then moves it on by CLOCK_READ_COST_NS. */
  read(): bigint;
  /** Moves the time to `time`, never back. */
  advanceTo(time: bigint): void;
}

/** A ClockCell in umbra's own memory. */
export class MemoryCell implements ClockCell {
  #now = 0n;

  /** See ClockCell.now. */
  now(): bigint {
    return this.#now;
  }

  /** See ClockCell.read. */
  read(): bigint {
    const value = this.#now;
    this.#now += CLOCK_READ_COST_NS;
    return value;
  }

  /** See ClockCell.advanceTo. */
  advanceTo(time: bigint): void {
    if (time > this.#now) this.#now = time;
  }
}

/**
 * Real time (`time_mode: real`): ns since the sandbox started, read from the machine's monotonic
 * clock. Nothing moves it but time itself: a jump asks in vain, so timers fire when real time
 * reaches them.
 */
export class RealCell implements ClockCell {
  readonly #start = performance.now();

  /** See ClockCell.now. */
  now(): bigint {
    return BigInt(Math.round((performance.now() - this.#start) * 1e6));
  }

  /** See ClockCell.read. */
  read(): bigint {
    return this.now();
  }

  /** See ClockCell.advanceTo: real time cannot be moved. */
  advanceTo(_time: bigint): void {}
}

/** The simulated clock. */
export class VirtualClock {
  #timers: (Timer & { sequence: number })[] = [];
  #sequence = 0;

  constructor(
    /** CLOCK_REALTIME at the start, in ns since the Unix epoch. */
    readonly epochNs: bigint = DEFAULT_EPOCH_NS,
    private readonly cell: ClockCell = new MemoryCell(),
  ) {}

  /** ns since the sandbox started (CLOCK_MONOTONIC and CLOCK_BOOTTIME). */
  get now(): bigint {
    return this.cell.now();
  }

  /** ns since the Unix epoch (CLOCK_REALTIME). */
  get realtime(): bigint {
    return this.epochNs + this.now;
  }

  /** A program's clock read (CLOCK_MONOTONIC's value): time moves on by its cost. Timers are not run here. */
  read(): bigint {
    return this.cell.read();
  }

  /** Arms a timer; returns a function that cancels it. */
  schedule(deadline: bigint, fire: () => void): () => void {
    const timer = { deadline, fire, sequence: this.#sequence++ };
    this.#timers.push(timer);
    this.#timers.sort((a, b) => a.deadline < b.deadline ? -1 : a.deadline > b.deadline ? 1 : a.sequence - b.sequence);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** The earliest armed deadline. */
  nextDeadline(): bigint | undefined {
    return this.#timers[0]?.deadline;
  }

  /** Moves the clock to `time` (never back) and runs every timer due by then, in order. */
  advanceTo(time: bigint): void {
    this.cell.advanceTo(time);
    const now = this.now;
    while (this.#timers.length > 0 && this.#timers[0].deadline <= now) {
      this.#timers.shift()!.fire();
    }
  }
}
