/**
 * The CLI's side of `--pause-for-debugging`: says how to attach gdb to a paused process and lets
 * it run on at a key (Enter, when stdin is a terminal) or a signal (SIGCONT to umbra).
 * @module
 */

import type { SandboxProcess } from "../sandbox.ts";
import type { PausedProcess } from "./relay.ts";

/** The gdb command line that attaches to `paused`. */
export function gdbCommand(paused: PausedProcess): string {
  return `gdb -ex 'set sysroot /' -ex 'target remote ${paused.socket}' ${paused.path}`;
}

/**
 * Once `process` pauses, prints how to debug it to stderr and waits for a key or SIGCONT to let
 * it run (gdb continuing or detaching lets it run too). Returns at once; nothing waits on it.
 */
export function announcePause(process: SandboxProcess): void {
  process.paused.then((paused) => {
    const tty = Deno.stdin.isTerminal();
    const lines = [
      `paused ${paused.name} (pid ${paused.pid}, native pid ${paused.nativePid}) before its first instruction`,
      `debug it: ${gdbCommand(paused)}`,
      `or let it run: ${tty ? "press Enter, or " : ""}kill -CONT ${Deno.pid}`,
    ];
    for (const line of lines) console.error(`umbra: ${line}`);
    let key: Deno.ChildProcess | null = null;
    const stopWaiting = () => {
      Deno.removeSignalListener("SIGCONT", resume);
      try {
        key?.kill("SIGKILL");
      } catch { /* ended already */ }
    };
    const resume = () => {
      stopWaiting();
      paused.resume();
    };
    Deno.addSignalListener("SIGCONT", resume);
    if (tty) {
      // A child reads the line, so that once the program runs no read of umbra's is left
      // pending on the terminal to take the program's input.
      key = new Deno.Command("/bin/sh", { args: ["-c", "read _"], stdin: "inherit", stdout: "null" }).spawn();
      key.status.then((status) => status.success && resume());
    }
    process.exited.then(stopWaiting);
  }, () => {});
}
