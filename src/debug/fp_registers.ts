/**
 * gdb's amd64 x87 and SSE registers (numbers 24-56: st0-st7, fctrl ... fop, xmm0-xmm15, mxcsr)
 * read from and written to the fxsave area (user_fpregs_struct, 512 bytes) that PTRACE_GETFPREGS
 * fills, converted as gdb itself converts an fxsave area: the abridged tag byte becomes the full
 * tag word (each register classified as valid, zero, special or empty).
 * @module
 */

/** Size of the fxsave area. */
export const FXSAVE_SIZE = 512;
/** The first and last gdb register numbers this module serves. */
export const FIRST_FP_REGISTER = 24;
export const LAST_FP_REGISTER = 56;

const ST0 = 24;
const FCTRL = 32;
const FSTAT = 33;
const FTAG = 34;
const FISEG = 35;
const FIOFF = 36;
const FOSEG = 37;
const FOOFF = 38;
const FOP = 39;
const XMM0 = 40;
const MXCSR = 56;

/** Where a 4-byte control register lives in the fxsave area: offset and width there. */
const CONTROL: Readonly<Record<number, [number, number]>> = {
  [FCTRL]: [0, 2],
  [FSTAT]: [2, 2],
  [FISEG]: [12, 4], // the instruction pointer's upper half on amd64, as gdb reads it
  [FIOFF]: [8, 4],
  [FOSEG]: [20, 4],
  [FOOFF]: [16, 4],
  [FOP]: [6, 2],
  [MXCSR]: [24, 4],
};

/** Bytes gdb register `regnum` (FIRST_FP_REGISTER..LAST_FP_REGISTER) takes in the protocol. */
export function fpRegisterSize(regnum: number): number {
  if (regnum >= ST0 && regnum < FCTRL) return 10;
  if (regnum >= XMM0 && regnum < MXCSR) return 16;
  return 4;
}

/** gdb register `regnum`'s bytes from the fxsave area `fx`. */
export function readFpRegister(fx: Uint8Array, regnum: number): Uint8Array {
  if (regnum >= ST0 && regnum < FCTRL) return fx.slice(32 + 16 * (regnum - ST0), 32 + 16 * (regnum - ST0) + 10);
  if (regnum >= XMM0 && regnum < MXCSR) return fx.slice(160 + 16 * (regnum - XMM0), 160 + 16 * (regnum - XMM0) + 16);
  const out = new Uint8Array(4);
  if (regnum === FTAG) new DataView(out.buffer).setUint32(0, fullTag(fx), true);
  else {
    const [offset, width] = CONTROL[regnum];
    out.set(fx.subarray(offset, offset + width));
    if (regnum === FOP) out[1] &= 0x07; // 11 bits
  }
  return out;
}

/** Writes `bytes` (as the protocol gives them) into gdb register `regnum` of the fxsave area `fx`. */
export function writeFpRegister(fx: Uint8Array, regnum: number, bytes: Uint8Array): void {
  if (regnum >= ST0 && regnum < FCTRL) return fx.set(bytes.subarray(0, 10), 32 + 16 * (regnum - ST0));
  if (regnum >= XMM0 && regnum < MXCSR) return fx.set(bytes.subarray(0, 16), 160 + 16 * (regnum - XMM0));
  if (regnum === FTAG) {
    // The abridged form keeps one bit per register: not empty.
    const full = bytes[0] | bytes[1] << 8;
    let abridged = 0;
    for (let register = 0; register < 8; register++) {
      if (((full >> (2 * register)) & 3) !== 3) abridged |= 1 << register;
    }
    fx[4] = abridged;
    return;
  }
  const [offset, width] = CONTROL[regnum];
  fx.set(bytes.subarray(0, width), offset);
}

/** All of registers 24-56 as one run of bytes, in gdb's `g` packet order. */
export function readFpRegisters(fx: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let regnum = FIRST_FP_REGISTER; regnum <= LAST_FP_REGISTER; regnum++) out.push(readFpRegister(fx, regnum));
  return out;
}

/** The full x87 tag word from the abridged one: 2 bits per physical register, 3 for empty. */
function fullTag(fx: Uint8Array): number {
  const abridged = fx[4];
  const top = (fx[3] >> 3) & 7;
  let tag = 0;
  for (let physical = 7; physical >= 0; physical--) {
    const kind = abridged & (1 << physical) ? classify(fx, (physical + 8 - top) % 8) : 3;
    tag |= kind << (2 * physical);
  }
  return tag;
}

/** An 80-bit value's tag: 0 valid, 1 zero, 2 special (NaN, infinity, denormal, unnormal). */
function classify(fx: Uint8Array, stack: number): number {
  const raw = fx.subarray(32 + 16 * stack, 32 + 16 * stack + 10);
  const integer = (raw[7] & 0x80) !== 0;
  const exponent = ((raw[9] & 0x7f) << 8) | raw[8];
  const fractionZero = raw[0] === 0 && raw[1] === 0 && raw[2] === 0 && raw[3] === 0 && raw[4] === 0 &&
    raw[5] === 0 && raw[6] === 0 && (raw[7] & 0x7f) === 0;
  if (exponent === 0x7fff) return 2;
  if (exponent === 0) return fractionZero && !integer ? 1 : 2;
  return integer ? 0 : 2;
}
