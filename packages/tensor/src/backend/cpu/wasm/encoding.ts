/**
 * Just enough of the WebAssembly binary format to write one module by hand: LEB128 numbers,
 * sections, and the opcodes the matmul kernel uses (core spec §5, SIMD proposal for 0xFD ops).
 * Instructions are plain byte arrays, so a function body is built by concatenation.
 */
export type Bytes = number[];

/** Unsigned LEB128: 7 bits per byte, low bits first, high bit set on all but the last byte. */
export function unsigned(value: number): Bytes {
  const out: Bytes = [];
  let rest = value >>> 0;
  do {
    const low = rest & 0x7f;
    rest >>>= 7;
    out.push(rest !== 0 ? low | 0x80 : low);
  } while (rest !== 0);
  return out;
}

/** Signed LEB128 (two's complement): stop once the remaining bits are all copies of the sign bit. */
export function signed(value: number): Bytes {
  const out: Bytes = [];
  let rest = value | 0;
  for (;;) {
    const low = rest & 0x7f;
    rest >>= 7;
    const done = (rest === 0 && (low & 0x40) === 0) || (rest === -1 && (low & 0x40) !== 0);
    out.push(done ? low : low | 0x80);
    if (done) return out;
  }
}

export function name(text: string): Bytes {
  const utf8 = [...new TextEncoder().encode(text)];
  return [...unsigned(utf8.length), ...utf8];
}

export function vector(items: readonly Bytes[]): Bytes {
  return [...unsigned(items.length), ...items.flat()];
}

export function section(id: number, content: Bytes): Bytes {
  return [id, ...unsigned(content.length), ...content];
}

export const Section = { type: 1, import: 2, function: 3, export: 7, code: 10 } as const;
export const ValueType = { i32: 0x7f, f64: 0x7c, v128: 0x7b } as const;
export const MAGIC_AND_VERSION: Bytes = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** Control flow: `block` and `loop` take a block type; 0x40 is the empty type. */
export const Op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...unsigned(depth)],
  brIf: (depth: number) => [0x0d, ...unsigned(depth)],
  localGet: (index: number) => [0x20, ...unsigned(index)],
  localSet: (index: number) => [0x21, ...unsigned(index)],
  localTee: (index: number) => [0x22, ...unsigned(index)],
  i32Const: (value: number) => [0x41, ...signed(value)],
  call: (index: number) => [0x10, ...unsigned(index)],
  /** Pops c, b, a: a if c ≠ 0, else b. */
  select: [0x1b],
  i32Eqz: [0x45],
  i32LtU: [0x49],
  i32GtU: [0x4b],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
} as const;

/** Alignment (as log2 of bytes) and a constant byte offset added to the address operand. */
function memarg(log2Align: number, offset: number): Bytes {
  return [...unsigned(log2Align), ...unsigned(offset)];
}

function simd(opcode: number, ...immediates: Bytes): Bytes {
  return [0xfd, ...unsigned(opcode), ...immediates];
}

/** The 128-bit SIMD instructions (prefix 0xFD), for 2 lanes of f64 or 4 of f32. */
export const Simd = {
  load: (offset: number) => simd(0x00, ...memarg(4, offset)),
  /** Loads one f32 and copies it into all four lanes. */
  load32Splat: (offset: number) => simd(0x09, ...memarg(2, offset)),
  /** Loads one f64 and copies it into both lanes. */
  load64Splat: (offset: number) => simd(0x0a, ...memarg(3, offset)),
  store: (offset: number) => simd(0x0b, ...memarg(4, offset)),
  zero: simd(0x0c, ...new Array<number>(16).fill(0)),
  f32x4Add: simd(0xe4),
  f32x4Mul: simd(0xe6),
  f64x2Add: simd(0xf0),
  f64x2Mul: simd(0xf2),
  // Appended for the GELU kernels (fused/gelu-wasm-module.ts): f64x2 arithmetic, compares, masks.
  /** A 16-byte constant, its bytes in memory order (lanes little-endian). */
  const: (bytes: Bytes) => simd(0x0c, ...bytes),
  /** Loads 8 bytes into the low half and zeroes the high half. */
  load64Zero: (offset: number) => simd(0x5d, ...memarg(3, offset)),
  /** Stores the 64-bit lane `lane` (0 or 1). */
  store64Lane: (offset: number, lane: number) => simd(0x5b, ...memarg(3, offset), lane),
  /** Rounds two f64 lanes to f32 (round to nearest even) into lanes 0–1; lanes 2–3 are zero. */
  f32x4DemoteF64x2Zero: simd(0x5e),
  /** Widens f32 lanes 0–1 to two f64 lanes (exact). */
  f64x2PromoteLowF32x4: simd(0x5f),
  f64x2Floor: simd(0x75),
  f64x2Sub: simd(0xf1),
  f64x2Div: simd(0xf3),
  /** Compares give all-ones lanes where true, all-zeros where false (NaN compares false, except ne). */
  f64x2Eq: simd(0x47),
  f64x2Ne: simd(0x48),
  f64x2Lt: simd(0x49),
  f64x2Gt: simd(0x4a),
  v128And: simd(0x4e),
  /** Pops b, a: a & ~b. */
  v128AndNot: simd(0x4f),
  v128Or: simd(0x50),
  /** Pops c, b, a: the bits of a where c has ones, of b elsewhere. */
  v128Bitselect: simd(0x52),
  /** Pops an i32 shift count and shifts both 64-bit lanes left by it (mod 64). */
  i64x2Shl: simd(0xcb),
  i64x2Add: simd(0xce),
} as const;
