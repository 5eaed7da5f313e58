/**
 * Framing of gdb's remote serial protocol: `$payload#checksum` packets, `+`/`-` acknowledgements,
 * the 0x03 interrupt byte, and binary escaping. Payloads are byte strings (one char per byte).
 * @module
 */

/** What arrived on the connection, in order. */
export type Incoming =
  | { kind: "packet"; payload: string }
  /** A packet whose checksum did not match (answer `-`, gdb resends). */
  | { kind: "corrupt" }
  /** The user pressed Ctrl-C in gdb. */
  | { kind: "interrupt" };

/** The characters a binary payload must escape. */
const ESCAPED = new Set(["#", "$", "}", "*"]);

/** Bytes to a byte string. */
export function byteString(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}

/** A byte string to bytes. */
export function stringBytes(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}

function checksum(payload: string): string {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) sum = (sum + payload.charCodeAt(i)) & 0xff;
  return sum.toString(16).padStart(2, "0");
}

/** A packet ready to send. */
export function frame(payload: string): Uint8Array<ArrayBuffer> {
  return stringBytes(`$${payload}#${checksum(payload)}`);
}

/** Escapes binary data for a packet (qXfer replies). */
export function escapeBinary(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    text += ESCAPED.has(char) ? `}${String.fromCharCode(byte ^ 0x20)}` : char;
  }
  return text;
}

/** Bytes as lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Hex to bytes, or null when it is not hex. */
export function fromHex(hex: string): Uint8Array<ArrayBuffer> | null {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return null;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** Splits the incoming byte stream into packets; keeps an incomplete tail for the next chunk. */
export class PacketReader {
  #pending = "";

  /** Feeds received bytes; returns what they completed. */
  push(chunk: Uint8Array): Incoming[] {
    this.#pending += byteString(chunk);
    const out: Incoming[] = [];
    while (this.#pending.length > 0) {
      const first = this.#pending[0];
      if (first === "\x03") {
        out.push({ kind: "interrupt" });
        this.#pending = this.#pending.slice(1);
        continue;
      }
      if (first !== "$") {
        // Acknowledgements and line noise between packets.
        this.#pending = this.#pending.slice(1);
        continue;
      }
      const end = this.#pending.indexOf("#");
      if (end < 0 || this.#pending.length < end + 3) break;
      const payload = this.#pending.slice(1, end);
      const sum = this.#pending.slice(end + 1, end + 3).toLowerCase();
      this.#pending = this.#pending.slice(end + 3);
      out.push(sum === checksum(payload) ? { kind: "packet", payload } : { kind: "corrupt" });
    }
    return out;
  }
}
