/**
 * Piped stdio for spawned programs: a named pipe (FIFO) per stream in a private temporary
 * directory. The program is started by the sandbox's init inside its namespaces, which opens
 * stdio by path, so an anonymous pipe of Deno's could not reach it; a FIFO can, and the bytes
 * still flow through the kernel as through `Deno.Command`'s pipes.
 * @module
 */

import { join } from "node:path";

/** One stream's pipe: the path the program opens, and umbra's end. */
interface Pipe {
  path: string;
  /** umbra's end: read for stdout/stderr, written for stdin. */
  end: Deno.FsFile;
  /**
   * Both directions open, so that opening `end` and the program's own open never block and a
   * program that fails before opening its stdio still ends the stream; closed once the program
   * runs (or ends), after which the stream ends when the program's side is closed.
   */
  keeper: Deno.FsFile;
}

/** A spawned program's piped stdin, stdout and stderr (null where not piped). */
export class StdioPipes {
  readonly #directory: string;
  readonly #pipes: (Pipe | null)[];
  #closed = false;

  private constructor(directory: string, pipes: (Pipe | null)[]) {
    this.#directory = directory;
    this.#pipes = pipes;
  }

  /** Makes a pipe for each stream marked true (stdin, stdout, stderr); null when none is. */
  static open(piped: [boolean, boolean, boolean]): StdioPipes | null {
    if (!piped.includes(true)) return null;
    const directory = Deno.makeTempDirSync({ prefix: "umbra-stdio-" });
    const pipes: (Pipe | null)[] = [];
    try {
      for (const [fd, wanted] of piped.entries()) pipes.push(wanted ? openPipe(join(directory, `fd${fd}`), fd) : null);
    } catch (error) {
      new StdioPipes(directory, pipes).close();
      throw error;
    }
    return new StdioPipes(directory, pipes);
  }

  /** The path the program opens for stream `fd`, or null when it is not piped. */
  path(fd: number): string | null {
    return this.#pipes[fd]?.path ?? null;
  }

  /** umbra's end of stream `fd` as a web stream, or null when it is not piped. */
  readable(fd: 1 | 2): ReadableStream<Uint8Array<ArrayBuffer>> | null {
    return this.#pipes[fd]?.end.readable ?? null;
  }

  /** The writable end of stdin, or null when it is not piped. */
  writable(): WritableStream<Uint8Array> | null {
    return this.#pipes[0]?.end.writable ?? null;
  }

  /**
   * The program has opened its side (it runs) or never will (it ended): drops the keepers and
   * the directory, so that each stream ends when the program's side closes. Harmless twice.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const pipe of this.#pipes) {
      try {
        pipe?.keeper.close();
      } catch {
        // closed already
      }
    }
    Deno.removeSync(this.#directory, { recursive: true });
  }
}

function openPipe(path: string, fd: number): Pipe {
  makeFifo(path);
  const keeper = Deno.openSync(path, { read: true, write: true });
  try {
    const end = Deno.openSync(path, fd === 0 ? { write: true } : { read: true });
    return { path, end, keeper };
  } catch (error) {
    keeper.close();
    throw error;
  }
}

/** mkfifo(3), mode 0600: Deno has no call of its own for it. */
function makeFifo(path: string): void {
  const libc = Deno.dlopen("libc.so.6", { mkfifo: { parameters: ["buffer", "u32"], result: "i32" } });
  try {
    if (libc.symbols.mkfifo(new TextEncoder().encode(path + "\0"), 0o600) !== 0) {
      throw new Error(`cannot make the pipe ${path}`);
    }
  } finally {
    libc.close();
  }
}
