/**
 * Durations as Shadow writes them ("10s", "500 ms", "2 min", "1.5 h", or a bare number of seconds), held as bigint
 * nanoseconds.
 * @module
 */

/** Nanoseconds in one unit, by every unit name a duration may use. */
const UNITS: ReadonlyMap<string, bigint> = new Map([
  ...names(1n, "ns", "nanosecond", "nanoseconds"),
  ...names(1_000n, "us", "μs", "µs", "microsecond", "microseconds"),
  ...names(1_000_000n, "ms", "millisecond", "milliseconds"),
  ...names(1_000_000_000n, "s", "sec", "secs", "second", "seconds"),
  ...names(60_000_000_000n, "m", "min", "mins", "minute", "minutes"),
  ...names(3_600_000_000_000n, "h", "hr", "hrs", "hour", "hours"),
]);

/** The units {@linkcode formatDuration} writes, largest first. */
const FORMAT_UNITS: ReadonlyArray<readonly [string, bigint]> = [
  ["h", 3_600_000_000_000n],
  ["min", 60_000_000_000n],
  ["s", 1_000_000_000n],
  ["ms", 1_000_000n],
  ["us", 1_000n],
  ["ns", 1n],
];

/** A number (integer or decimal), optional blanks, then an optional unit. */
const DURATION = /^(\d+(?:\.\d*)?|\.\d+)[ \t]*([^\d\s.]*)$/u;

/** Examples shown when a duration cannot be read. */
export const DURATION_EXAMPLES = "10s, 500 ms, 2 min";

/** A duration that cannot be read; the message is one line and names the text. */
export class DurationError extends Error {
  /** "DurationError". */
  override name = "DurationError";
}

function names(ns: bigint, ...list: string[]): [string, bigint][] {
  return list.map((name) => [name, ns]);
}

/** `digits` (an integer part, optionally a fraction) times `scale`, or undefined when that is not a whole number. */
function scaleDecimal(digits: string, scale: bigint): bigint | undefined {
  const [whole, fraction = ""] = digits.split(".");
  const denominator = 10n ** BigInt(fraction.length);
  const numerator = BigInt(`${whole || "0"}${fraction}`) * scale;
  return numerator % denominator === 0n ? numerator / denominator : undefined;
}

/**
 * Parses a duration into nanoseconds: an integer or decimal number, optionally followed (with or without blanks) by a
 * unit: ns, us/μs, ms, s/sec/secs/second(s), m/min/mins/minute(s), h/hr/hrs/hour(s); a bare number means seconds.
 * A YAML number is accepted as its text. Throws {@linkcode DurationError} for anything else, for negative numbers and
 * for fractions of a nanosecond.
 */
export function parseDuration(input: string | number): bigint {
  const text = typeof input === "number" ? String(input) : input;
  const match = DURATION.exec(text.trim());
  const scale = match ? (match[2] === "" ? UNITS.get("s") : UNITS.get(match[2])) : undefined;
  if (!match || scale === undefined) {
    throw new DurationError(`invalid duration ${JSON.stringify(text)} (examples: ${DURATION_EXAMPLES})`);
  }
  const ns = scaleDecimal(match[1], scale);
  if (ns === undefined) {
    throw new DurationError(`invalid duration ${JSON.stringify(text)}: not a whole number of nanoseconds`);
  }
  return ns;
}

/** Writes nanoseconds in the largest unit that holds them exactly: 10_000_000_000n is "10 s", 1_500_000n "1500 us". */
export function formatDuration(ns: bigint): string {
  if (ns < 0n) throw new RangeError(`negative duration: ${ns} ns`);
  const [unit, scale] = FORMAT_UNITS.find(([, scale]) => ns % scale === 0n) ?? ["ns", 1n];
  return `${ns / scale} ${ns === 0n ? "s" : unit}`;
}
