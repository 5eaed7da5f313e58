/**
 * execve and execveat run natively; umbra notes the program path so the exec event can name it.
 * @module
 */

import { type Handler, native } from "./context.ts";

const AT_FDCWD = -100;

/** execve(2): remembers the path for the exec event. */
export const execve: Handler = ({ memory, thread, args }) => {
  const path = memory.readString(thread.nativeTid, args[0]);
  thread.execPath = typeof path === "string" ? path : null;
  return native();
};

/** execveat(2): as execve; a path relative to a directory fd keeps its text. */
export const execveat: Handler = ({ memory, thread, args }) => {
  const path = memory.readString(thread.nativeTid, args[1]);
  thread.execPath =
    typeof path === "string" && (path.startsWith("/") || Number(BigInt.asIntN(32, args[0])) === AT_FDCWD) ? path : null;
  return native();
};
