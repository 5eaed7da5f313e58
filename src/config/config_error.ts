/**
 * What a configuration that cannot be used throws: its own module, so that catching it does not
 * load the YAML parser (`umbra exec` never reads a config).
 * @module
 */

/** One problem of a configuration: where it is and what is wrong. */
export interface ConfigProblem {
  /** The configuration file, as given. */
  file: string;
  /** 1-based line of the problem (0 when it concerns the whole file). */
  line: number;
  /** 1-based column of the problem (0 when it concerns the whole file). */
  column: number;
  /** The key path, e.g. `hosts.server.processes[0].start_time` ("" for the document itself). */
  path: string;
  /** What is wrong. */
  problem: string;
}

/**
 * A configuration that cannot be used. The message has one line per problem, `file:line:column: key.path: problem`:
 * one problem, or every key umbra does not read.
 */
export class ConfigError extends Error {
  /** "ConfigError". */
  override name = "ConfigError";
  /** Every problem, in file order; the first is also `file`, `line`, `column`, `path` and `problem`. */
  readonly problems: readonly ConfigProblem[];

  /**
   * A problem at `file:line:column` under key `path`.
   *
   * @param file the configuration file, as given
   * @param line 1-based line of the problem (0 when it concerns the whole file)
   * @param column 1-based column of the problem (0 when it concerns the whole file)
   * @param path the key path, e.g. `hosts.server.processes[0].start_time` ("" for the document itself)
   * @param problem what is wrong
   * @param more further problems, after this one
   */
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly path: string,
    readonly problem: string,
    more: readonly ConfigProblem[] = [],
  ) {
    const problems = [{ file, line, column, path, problem }, ...more];
    super(problems.map(formatProblem).join("\n"));
    this.problems = problems;
  }
}

function formatProblem({ file, line, column, path, problem }: ConfigProblem): string {
  const where = line > 0 ? `${file}:${line}:${column}` : file;
  return `${where}: ${path ? `${path}: ` : ""}${problem}`.replace(/\s*\n\s*/g, " ");
}
