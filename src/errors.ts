/**
 * The library's named errors: what a caller of {@linkcode Sandbox} can catch, by class. The
 * other named errors live beside what raises them (`NamespaceError`, `ProgramError`,
 * `ConfigError`, `DataDirectoryError`, `LibraryError`); `mod.ts` exports them all.
 * @module
 */

/**
 * An option (or argument) of the library that cannot be used: an unknown value, a wrong type, a
 * number out of range, a combination that does not go together. Thrown before anything starts.
 * A `TypeError`, as the platform's own APIs throw for bad arguments.
 *
 * @example
 * ```ts
 * import { InvalidOptionError, Sandbox } from "./mod.ts";
 * await using sandbox = await Sandbox.create();
 * try {
 *   sandbox.spawn({ path: "/bin/true", shutdownTime: 1_000n, shutdownSignal: "SIGBOGUS" });
 * } catch (error) {
 *   if (error instanceof InvalidOptionError) console.log(error.option); // "shutdownSignal"
 * }
 * ```
 */
export class InvalidOptionError extends TypeError {
  /** "InvalidOptionError". */
  override name = "InvalidOptionError";

  /**
   * A bad `option`: the message is `<option>: <problem>`.
   *
   * @param option the option's name, e.g. `shutdownSignal` (or `hosts[1]` for an element)
   * @param problem what is wrong with it, naming the bad value
   */
  constructor(readonly option: string, problem: string) {
    super(`${option}: ${problem}`);
  }
}

/** The sandbox was closed: it starts nothing more. */
export class SandboxClosedError extends Error {
  /** "SandboxClosedError". */
  override name = "SandboxClosedError";

  /**
   * The message is `<what>: the sandbox is closed`.
   *
   * @param what what was asked of the closed sandbox, e.g. "spawn"
   */
  constructor(what: string) {
    super(`${what}: the sandbox is closed`);
  }
}

/**
 * The sandbox broke (its policy Worker or controller failed; every process was killed): it starts
 * nothing more. The message says what broke, as {@linkcode Sandbox.failure} does; so does a
 * `Sandbox.create` whose controller could not start.
 */
export class SandboxFailedError extends Error {
  /** "SandboxFailedError". */
  override name = "SandboxFailedError";
}

/** `events()` on a sandbox made without `{ events: true }`: it would never yield anything. */
export class EventsNotEnabledError extends Error {
  /** "EventsNotEnabledError". */
  override name = "EventsNotEnabledError";

  /** The message says how to enable events. */
  constructor() {
    super("events() needs a sandbox made with Sandbox.create({ events: true })");
  }
}

/**
 * A spawned program that did not start: its exec failed in the child (`errno` says why, as
 * `strerror` words it in the message), or the sandbox closed or failed first (`errno` 0). What
 * `SandboxProcess.started` rejects with; a program missing or not executable at spawn time
 * throws a `ProgramError` at once instead.
 */
export class SpawnError extends Error {
  /** "SpawnError". */
  override name = "SpawnError";

  /**
   * A program that did not start.
   *
   * @param message why the program did not start
   * @param errno the errno of the failed exec, or 0 when it was never tried
   */
  constructor(message: string, readonly errno: number = 0) {
    super(message);
  }
}

/**
 * What `SandboxProcess.paused` rejects with when the process ended without having paused (it
 * was not spawned with `pauseForDebugging`, or it never reached its first instruction).
 */
export class NotPausedError extends Error {
  /** "NotPausedError". */
  override name = "NotPausedError";

  /** The message says the process ended without pausing. */
  constructor() {
    super("the process ended without pausing");
  }
}

/** A run option that does not fit the config (the CLI's bad-usage exit). */
export class UsageError extends Error {
  /** "UsageError". */
  override name = "UsageError";
}
