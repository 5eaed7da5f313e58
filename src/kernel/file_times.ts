/**
 * File times in virtual time. The kernel stamps a file's times itself, from the host's real
 * clock, on calls umbra does not trace (write, create, rename, chmod, a read's atime). umbra
 * leaves every file as the kernel made it and maps what the stat family reads back instead: a
 * timestamp the kernel gave during the run reads as the virtual time umbra had at the last mark
 * before it. Marks are boundaries in the kernel's stamps (libumbra's umbra_file_time_mark), taken
 * while the programs they are for are stopped, so which side of a mark a stamp falls on follows
 * the program's order of calls, not real timing. See docs/design.md, "Virtual time".
 * @module
 */

/** The marks of one sandbox and the mapping they define. */
export class FileTimes {
  /** Real times of the marks, in increasing order, with their virtual times alongside. */
  #real = new BigInt64Array(64);
  #virtual = new BigInt64Array(64);
  #count = 0;

  constructor(
    /** CLOCK_REALTIME at the virtual clock's start, ns since the Unix epoch. */
    readonly epochNs: bigint,
    /** A real time no earlier than now (ns since the Unix epoch): no stamp the kernel gave is later. */
    readonly realNow: () => bigint = () => BigInt(Date.now() + 1) * 1_000_000n,
  ) {}

  /** How many marks there are. */
  get marks(): number {
    return this.#count;
  }

  /** The virtual time of the last mark (undefined before the first). */
  get lastVirtual(): bigint | undefined {
    return this.#count === 0 ? undefined : this.#virtual[this.#count - 1];
  }

  /**
   * Records a mark: kernel stamps from `real` (ns since the Unix epoch) on, until the next mark,
   * read as virtual time `virtual` (ns since the sandbox started). Marks come in order; one that
   * does not move forward is ignored.
   */
  mark(real: bigint, virtual: bigint): void {
    const last = this.#count - 1;
    if (last >= 0 && (real <= this.#real[last] || virtual < this.#virtual[last])) return;
    if (this.#count === this.#real.length) {
      const real = new BigInt64Array(this.#count * 2);
      const times = new BigInt64Array(this.#count * 2);
      real.set(this.#real);
      times.set(this.#virtual);
      this.#real = real;
      this.#virtual = times;
    }
    this.#real[this.#count] = real;
    this.#virtual[this.#count] = virtual;
    this.#count++;
  }

  /**
   * What a program reads for a file time the kernel holds as `stamp` (ns since the Unix epoch):
   * a stamp of the run (from the first mark up to `now`, the real time of the read) as the
   * realtime of the virtual clock at the last mark before it; any other (a file's time from
   * before the run, or one a program set explicitly to a time past now) as it is, or undefined
   * when it stays as it is.
   */
  toVirtual(stamp: bigint, now: bigint): bigint | undefined {
    if (this.#count === 0 || stamp < this.#real[0] || stamp > now) return undefined;
    // The last mark at or before the stamp.
    let low = 0;
    let high = this.#count - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.#real[middle] <= stamp) low = middle;
      else high = middle - 1;
    }
    return this.epochNs + this.#virtual[low];
  }
}
