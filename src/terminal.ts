/**
 * A pseudo-terminal for a program `umbra exec` runs from a terminal, so that it has a controlling
 * terminal and job control (an interactive shell's `jobs`, `fg`, Ctrl-Z). The program cannot have
 * umbra's own terminal: a terminal is the controlling terminal of one session, the user's shell's,
 * and that session lives outside the program's pid namespace (joining it would let the program
 * signal umbra's process group). So umbra does what ssh -t, docker run -t and script do: it makes
 * a pty whose slave becomes the program's controlling terminal, puts its own terminal in raw mode
 * and copies keys in and output out; Ctrl-C, Ctrl-Z and window sizes reach the program through
 * the pty as they would through the terminal.
 * @module
 */

const O_RDWR = 0o2;
const O_NOCTTY = 0o400;
const O_CLOEXEC = 0o2000000;
const TIOCSWINSZ = 0x5414n;
const TCSANOW = 0;
const POLLIN = 1;
const EINTR = 4;
const EAGAIN = 11;

const SYMBOLS = {
  posix_openpt: { parameters: ["i32"], result: "i32" },
  grantpt: { parameters: ["i32"], result: "i32" },
  unlockpt: { parameters: ["i32"], result: "i32" },
  ptsname_r: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  open: { parameters: ["buffer", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
  ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
  tcgetattr: { parameters: ["i32", "buffer"], result: "i32" },
  tcsetattr: { parameters: ["i32", "i32", "buffer"], result: "i32" },
  tcgetpgrp: { parameters: ["i32"], result: "i32" },
  getpgrp: { parameters: [], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>;

/** A program's pseudo-terminal, relayed to umbra's own terminal while it runs. */
export class TerminalRelay {
  /** The slave's path, for SpawnOptions.terminal. */
  readonly path: string;
  /** Which of stdin, stdout, stderr the program gets on the pty: those of umbra's that are the terminal. */
  readonly stdio: [boolean, boolean, boolean];
  readonly #libc: Libc;
  readonly #master: number;
  /** umbra's own slave descriptor: the master reads nothing but hang-ups until the program opens it. */
  #slave: number;
  readonly #output: typeof Deno.stdout | typeof Deno.stderr;
  #copying: Promise<void> = Promise.resolve();
  #started = false;
  #closing = false;
  #closed: Promise<void> | null = null;
  readonly #resize = () => this.#copySize();

  private constructor(libc: Libc, master: number, slave: number, path: string) {
    this.#libc = libc;
    this.#master = master;
    this.#slave = slave;
    this.path = path;
    this.stdio = [true, Deno.stdout.isTerminal(), Deno.stderr.isTerminal()];
    this.#output = Deno.stdout.isTerminal() ? Deno.stdout : Deno.stderr;
  }

  /**
   * A pty with the terminal's settings and size, when umbra's stdin is a terminal and umbra is
   * its foreground job; else null (the program then runs in its host's session, with no
   * controlling terminal).
   */
  static open(): TerminalRelay | null {
    if (!Deno.stdin.isTerminal()) return null;
    let libc: Libc;
    try {
      libc = Deno.dlopen("libc.so.6", SYMBOLS);
    } catch {
      return null;
    }
    const { symbols } = libc;
    // In the background, reading the terminal would stop umbra (SIGTTIN): no relay then.
    if (symbols.tcgetpgrp(0) !== symbols.getpgrp()) return close(libc);
    const master = symbols.posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) return close(libc);
    const name = new Uint8Array(128);
    if (symbols.grantpt(master) !== 0 || symbols.unlockpt(master) !== 0 || symbols.ptsname_r(master, name, 128n)) {
      symbols.close(master);
      return close(libc);
    }
    const path = new TextDecoder().decode(name.subarray(0, name.indexOf(0)));
    const slave = symbols.open(cString(path), O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) {
      symbols.close(master);
      return close(libc);
    }
    const settings = new Uint8Array(64); // struct termios: 60 bytes
    if (symbols.tcgetattr(0, settings) === 0) symbols.tcsetattr(slave, TCSANOW, settings);
    const relay = new TerminalRelay(libc, master, slave, path);
    relay.#copySize();
    return relay;
  }

  /** Puts umbra's terminal in raw mode and starts copying both ways. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    Deno.stdin.setRaw(true);
    Deno.addSignalListener("SIGWINCH", this.#resize);
    this.#copying = this.#copyOut();
    this.#copyIn();
  }

  /**
   * Once the program and everything on its pty have ended: copies what output is left, gives
   * umbra's terminal its mode back and closes the pty. A second call waits for the first.
   */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#closing = true;
    this.#libc.symbols.close(this.#slave);
    this.#slave = -1;
    await this.#copying;
    if (this.#started) {
      Deno.removeSignalListener("SIGWINCH", this.#resize);
      try {
        Deno.stdin.setRaw(false);
      } catch { /* the terminal is gone */ }
    }
    this.#libc.symbols.close(this.#master);
    this.#libc.close();
  }

  /** The terminal's window size, given to the pty (whose foreground job then gets SIGWINCH). */
  #copySize(): void {
    let size: { columns: number; rows: number };
    try {
      size = Deno.consoleSize();
    } catch {
      return;
    }
    const winsize = new Uint16Array([size.rows, size.columns, 0, 0]);
    this.#libc.symbols.ioctl(this.#master, TIOCSWINSZ, new Uint8Array(winsize.buffer));
  }

  /** Program output to umbra's terminal, until every slave descriptor is closed and nothing is left. */
  async #copyOut(): Promise<void> {
    const { symbols } = this.#libc;
    const buffer = new Uint8Array(16384);
    const ready = new Uint8Array(8);
    const view = new DataView(ready.buffer);
    while (true) {
      view.setInt32(0, this.#master, true);
      view.setInt16(4, POLLIN, true);
      view.setInt16(6, 0, true);
      const count = await symbols.poll(ready, 1n, this.#closing ? 0 : 100);
      if (count === 0) {
        if (this.#closing) return; // nothing left to read
        continue;
      }
      if (count < 0) continue; // EINTR
      const got = Number(symbols.read(this.#master, buffer, BigInt(buffer.length)));
      if (got < 0) {
        const errno = this.#errno();
        if (errno === EINTR || errno === EAGAIN) continue;
        // EIO: no slave descriptor is open. Before the program opened its own, that is only a pause.
        if (this.#closing) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      if (got === 0) return;
      writeAll(this.#output, buffer.subarray(0, got));
    }
  }

  /** Keys from umbra's terminal to the program's, while umbra runs. */
  async #copyIn(): Promise<void> {
    const buffer = new Uint8Array(4096);
    while (!this.#closing) {
      let got: number | null;
      try {
        got = await Deno.stdin.read(buffer);
      } catch {
        return;
      }
      if (got === null || this.#closing) return;
      let offset = 0;
      while (offset < got) {
        const written = Number(
          this.#libc.symbols.write(this.#master, buffer.subarray(offset, got), BigInt(got - offset)),
        );
        if (written < 0) {
          if (this.#errno() === EINTR) continue;
          return;
        }
        offset += written;
      }
    }
  }

  #errno(): number {
    const pointer = this.#libc.symbols.__errno_location();
    return pointer === null ? 0 : new Deno.UnsafePointerView(pointer).getInt32();
  }
}

function close(libc: Libc): null {
  libc.close();
  return null;
}

function cString(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

function writeAll(file: typeof Deno.stdout, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += file.writeSync(bytes.subarray(offset));
}
