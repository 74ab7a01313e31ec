import type { Bytes } from '../wasm/encoding.js';
import { MAGIC_AND_VERSION, Op, Section, Simd, ValueType, name, section, unsigned, vector } from '../wasm/encoding.js';
import { advance, functionBody, memoryImport, whileBelow } from '../wasm/control.js';

/**
 * The float32 tanh-GELU kernels as WebAssembly bytes, written at run time as the matmul's are
 * (wasm/gemm-module.ts). Two lanes of float64 (`f64x2`) run EXACTLY the float64 operations of
 * the JavaScript loops in gelu.ts, in the same order, with fastExp (fast-exp.ts) inlined: one
 * promotion of each float32 input (exact), rounded float64 multiplies, adds and divides (IEEE
 * 754, no fused multiply-add in WebAssembly), floor, and one rounding to float32 at the store.
 * So every result is bit-identical to the loop's (gelu-wasm.test.ts checks it).
 *
 * The module imports `env.memory`, laid out as three regions of CHUNK float32 elements:
 * x at X_AT, g (backward only) at G_AT, the output at OUT_AT. Exports, over elements
 * 0 … STEP_ELEMENTS·steps − 1 of the regions:
 *   forward(steps):  out = x / (1 + e),  e = fastExp(−2√(2/π)(x + 0.044715x³))
 *   backward(steps): out = g·(σ + slope), σ = 1/(1 + e), slope = 2x·σ·(eσ)·√(2/π)(1 + 3·0.044715x²),
 *                    or 0 where e is 0 or ∞
 * A count that is not a whole number of steps reads and writes a few elements past it, inside
 * the regions (CHUNK is a multiple of STEP_ELEMENTS); the caller copies out only the count.
 *
 * Speed: one pair's operations form a chain of ~100 cycles of latency (the polynomial, the
 * divide), so each step runs PAIRS_PER_STEP independent pairs with their statements interleaved,
 * which lets the processor overlap them.
 */
const PAIRS_PER_STEP = 4;
/** Elements per loop step: PAIRS_PER_STEP pairs of f64x2 lanes. */
export const STEP_ELEMENTS = 2 * PAIRS_PER_STEP;
/** Elements per region: 16 Ki (64 KiB, so the three stay in the L2 cache), in whole steps. */
export const CHUNK = STEP_ELEMENTS * Math.floor(16384 / STEP_ELEMENTS);
const REGION_BYTES = CHUNK * 4;
const [X_AT, G_AT, OUT_AT] = [0, REGION_BYTES, 2 * REGION_BYTES];
/** WebAssembly pages (64 KiB) that hold the three regions. */
export const PAGES = Math.ceil((3 * REGION_BYTES) / 65536);
/** Byte offsets of the regions, for the caller's copies. */
export const REGIONS = { x: X_AT, g: G_AT, out: OUT_AT } as const;
export const GELU_EXPORTS = { forward: 'forward', backward: 'backward' } as const;

// The constants of gelu.ts and fast-exp.ts, computed by the same expressions.
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_TANH_CUBIC = 0.044715;
const INV_LN2 = 1 / Math.LN2;
/** Adding 1.5·2⁵² to an integer |k| < 2⁵¹ puts k, two's complement, in the low mantissa bits. */
const INTEGER_MAGIC = 1.5 * 2 ** 52;
const EXPONENT_BIAS = 1023n;

// Locals: the parameter `steps`, the byte index, each pair's v128 values, then the constants.
const STEPS = 0;
const AT = 1;
const FIELDS = ['x', 'square', 'a', 'k', 'r', 'p', 'e', 'sigma', 'slope'] as const;
type Field = (typeof FIELDS)[number];
const FIRST_CONSTANT = 2 + PAIRS_PER_STEP * FIELDS.length;
/** Pair `pair`'s local `field`. */
const local = (field: Field, pair: number) => 2 + pair * FIELDS.length + FIELDS.indexOf(field);

/**
 * The kernel's constants, each set once in a v128 local before the loop: V8 rebuilds a
 * `v128.const` inside a loop on every pass (three instructions), but reads a local spilled to
 * the stack as an operand of the multiply or add.
 */
const constants: Bytes[] = [];
function constant(bytes: Bytes): Bytes {
  const key = bytes.join();
  let index = constants.findIndex((known) => known.join() === key);
  if (index < 0) index = constants.push(bytes) - 1;
  return Op.localGet(FIRST_CONSTANT + index);
}
const f64x2 = (value: number): Bytes => constant([...new Uint8Array(new Float64Array([value, value]).buffer)]);
const i64x2 = (value: bigint): Bytes => constant([...new Uint8Array(new BigInt64Array([value, value]).buffer)]);

const { f64x2Add: add, f64x2Sub: sub, f64x2Mul: mul, f64x2Div: div } = Simd;

/** One statement of the kernel for one pair: its bytes leave the stack as they found it. */
type Statement = (pair: number) => Bytes;

/** `field = value`, for one pair. */
const assign =
  (field: Field, value: (get: (field: Field) => Bytes) => Bytes): Statement =>
  (pair) => [...value((f) => Op.localGet(local(f, pair))), ...Op.localSet(local(field, pair))];

/** The pair's float32 elements at a region, promoted to float64 (exact). */
const loadPair = (region: number, pair: number): Bytes => [
  ...Op.localGet(AT),
  ...Simd.load64Zero(region + 8 * pair),
  ...Simd.f64x2PromoteLowF32x4,
];

/** Rounds `value` to float32 and stores it as the pair's output. */
const storePair =
  (value: (get: (field: Field) => Bytes, pair: number) => Bytes): Statement =>
  (pair) => [
    ...Op.localGet(AT),
    ...value((f) => Op.localGet(local(f, pair)), pair),
    ...Simd.f32x4DemoteF64x2Zero,
    ...Simd.store64Lane(OUT_AT + 8 * pair, 0),
  ];

/** x, then a = −2√(2/π)·(x + x·x·x·0.044715), as ((−2·√(2/π))·(x + ((x·x)·x)·0.044715)). */
const exponent: Statement[] = [
  (pair) => [...loadPair(X_AT, pair), ...Op.localSet(local('x', pair))],
  assign('square', (get) => [...get('x'), ...get('x'), ...mul]),
  assign('a', (get) => [
    ...get('x'),
    ...get('square'),
    ...get('x'),
    ...mul,
    ...f64x2(GELU_TANH_CUBIC),
    ...mul,
    ...add,
    ...f64x2(-2 * SQRT_2_OVER_PI),
    ...mul,
  ]),
];

/**
 * e = fastExp(a). Range reduction a = k·ln 2 + r with k = floor(a/ln 2 + ½), e^r by Horner's
 * rule on the degree-7 Taylor polynomial, times 2^k built from its exponent bits:
 * ((k + 1023) << 52) is 2^k for −1022 ≤ k ≤ 1023, and |a| < 700 keeps −1010 ≤ k ≤ 1010. Lanes
 * outside −700 < a < 700 take fastExp's special values: a if NaN, ∞ if a > 0, else 0.
 */
const fastExp: Statement[] = [
  assign('k', (get) => [...get('a'), ...f64x2(INV_LN2), ...mul, ...f64x2(0.5), ...add, ...Simd.f64x2Floor]),
  assign('r', (get) => [...get('a'), ...get('k'), ...f64x2(Math.LN2), ...mul, ...sub]),
  // p = 1 + r(1 + r(1/2 + r(1/6 + r(1/24 + r(1/120 + r(1/720 + r/5040)))))), innermost first
  assign('p', (get) => [...get('r'), ...f64x2(1 / 5040), ...mul]),
  ...[1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2, 1].map((c) =>
    assign('p', (get) => [...get('p'), ...f64x2(c), ...add, ...get('r'), ...mul]),
  ),
  // p = (p + 1)·2^k, 2^k the bits of k + 1.5·2⁵², plus the bias, shifted into the exponent field
  assign('p', (get) => [
    ...get('p'),
    ...f64x2(1),
    ...add,
    ...get('k'),
    ...f64x2(INTEGER_MAGIC),
    ...add,
    ...i64x2(EXPONENT_BIAS),
    ...Simd.i64x2Add,
    ...Op.i32Const(52),
    ...Simd.i64x2Shl,
    ...mul,
  ]),
  // e = −700 < a < 700 ? p : (a > 0 ? ∞ : 0) | (a ≠ a ? a : 0)
  assign('e', (get) => [
    ...get('p'),
    ...[...get('a'), ...f64x2(0), ...Simd.f64x2Gt, ...f64x2(Infinity), ...Simd.v128And],
    ...[...get('a'), ...get('a'), ...Simd.f64x2Ne, ...get('a'), ...Simd.v128And, ...Simd.v128Or],
    ...[...get('a'), ...f64x2(-700), ...Simd.f64x2Gt, ...get('a'), ...f64x2(700), ...Simd.f64x2Lt, ...Simd.v128And],
    ...Simd.v128Bitselect,
  ]),
];

/** out = x / (1 + e). */
const forwardStatements: Statement[] = [
  ...exponent,
  ...fastExp,
  storePair((get) => [...get('x'), ...f64x2(1), ...get('e'), ...add, ...div]),
];

/** out = g·(σ + slope), slope = ((((2x)·σ)·(e·σ))·√(2/π))·(1 + (3·0.044715)·x²), 0 where e ∈ {0, ∞}. */
const backwardStatements: Statement[] = [
  ...exponent,
  ...fastExp,
  assign('sigma', (get) => [...f64x2(1), ...f64x2(1), ...get('e'), ...add, ...div]),
  assign('slope', (get) => [
    ...[...f64x2(2), ...get('x'), ...mul, ...get('sigma'), ...mul],
    ...[...get('e'), ...get('sigma'), ...mul, ...mul],
    ...[...f64x2(SQRT_2_OVER_PI), ...mul],
    ...[...f64x2(1), ...f64x2(3 * GELU_TANH_CUBIC), ...get('square'), ...mul, ...add, ...mul],
  ]),
  // slope & ~(e = 0 | e = ∞)
  assign('slope', (get) => [
    ...get('slope'),
    ...[...get('e'), ...f64x2(0), ...Simd.f64x2Eq, ...get('e'), ...f64x2(Infinity), ...Simd.f64x2Eq, ...Simd.v128Or],
    ...Simd.v128AndNot,
  ]),
  storePair((get, pair) => [...loadPair(G_AT, pair), ...get('sigma'), ...get('slope'), ...add, ...mul]),
];

/**
 * The function body: set the constants' locals, then
 * `for (AT = 0; AT < steps·STEP_ELEMENTS·4; AT += STEP_ELEMENTS·4)` run each statement for every pair.
 */
function kernelCode(statements: readonly Statement[]): Bytes {
  constants.length = 0; // each function's own constants, collected as its statements are written
  const stepBytes = STEP_ELEMENTS * 4;
  const step = statements.flatMap((statement) =>
    Array.from({ length: PAIRS_PER_STEP }, (_, pair) => statement(pair)).flat(),
  );
  return [
    ...vector([
      [...unsigned(1), ValueType.i32],
      [...unsigned(FIRST_CONSTANT - 2 + constants.length), ValueType.v128],
    ]),
    ...constants.flatMap((bytes, index) => [...Simd.const(bytes), ...Op.localSet(FIRST_CONSTANT + index)]),
    ...[...Op.localGet(STEPS), ...Op.i32Const(stepBytes), ...Op.i32Mul, ...Op.localSet(STEPS)], // now the end, in bytes
    ...whileBelow(AT, STEPS, [...step, ...advance(AT, stepBytes)]),
    ...Op.end,
  ];
}

/** The whole module: one type (i32) → (), the memory import, forward and backward exported. */
export function geluModuleBytes(): Uint8Array {
  const [forward, backward] = [kernelCode(forwardStatements), kernelCode(backwardStatements)];
  const stepType = [0x60, ...vector([[ValueType.i32]]), ...vector([])];
  return new Uint8Array([
    ...MAGIC_AND_VERSION,
    ...section(Section.type, vector([stepType])),
    ...section(Section.import, vector([memoryImport(PAGES, PAGES, false)])),
    ...section(Section.function, vector([unsigned(0), unsigned(0)])),
    ...section(
      Section.export,
      vector([
        [...name(GELU_EXPORTS.forward), 0x00, ...unsigned(0)],
        [...name(GELU_EXPORTS.backward), 0x00, ...unsigned(1)],
      ]),
    ),
    ...section(Section.code, vector([functionBody(forward), functionBody(backward)])),
  ]);
}
