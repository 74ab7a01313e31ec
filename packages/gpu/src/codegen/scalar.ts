import type { BinaryOp, CompareOp, DType, UnaryOp } from '@lorafa/tensor';

/**
 * The scalar function of each elementwise kernel, as kernel-language source over float32.
 * They follow the cpu specification (packages/tensor/src/backend/cpu/scalar-functions.ts),
 * including its NaN rules, written so that GPU shader compilers cannot fold them away:
 * WGSL lets an implementation assume x != x is false, so NaN is detected as
 * "neither < 0 nor >= 0", which every backend here evaluates faithfully (the conformance
 * suite checks it on each mode).
 */

export const isNaNCode = (x: string): string => `!(${x} < 0 || ${x} >= 0)`;

/**
 * A NaN made at run time from a finite `x`: (x − x)·∞ would fold, so 0/0 is formed from the
 * value itself (a literal 0/0 is a compile error in WGSL).
 */
const NAN = (x: string): string => `((${x} - ${x}) / (${x} - ${x}))`;

/** erf to about 2e-7 absolute in float32: Maclaurin series near 0, Abramowitz–Stegun 7.1.26 beyond. */
const ERF = (v: string): string =>
  `(Math.abs(${v}) < 0.5 ? 1.1283791670955126 * ${v} * (1 - ${v} * ${v} / 3 + ${v} * ${v} * ${v} * ${v} / 10 - ${v} * ${v} * ${v} * ${v} * ${v} * ${v} / 42 + ${v} * ${v} * ${v} * ${v} * ${v} * ${v} * ${v} * ${v} / 216)` +
  ` : Math.sign(${v}) * (1 - (((((1.061405429 * (1 / (1 + 0.3275911 * Math.abs(${v}))) - 1.453152027) * (1 / (1 + 0.3275911 * Math.abs(${v}))) + 1.421413741) * (1 / (1 + 0.3275911 * Math.abs(${v}))) - 0.284496736) * (1 / (1 + 0.3275911 * Math.abs(${v}))) + 0.254829592) * (1 / (1 + 0.3275911 * Math.abs(${v})))) * Math.exp(-${v} * ${v})))`;

export const UNARY_SOURCE: Record<UnaryOp, (v: string) => string> = {
  neg: (v) => `-${v}`,
  // Shader exp(NaN) is +∞ on SwiftShader and ANGLE, so NaN passes through explicitly.
  exp: (v) => `(${isNaNCode(v)} ? ${v} : Math.exp(${v}))`,
  // Shader log is only defined for x > 0 (SwiftShader's log(0) is −88, not −∞), so the IEEE
  // cases are written out: log(NaN) = NaN, log(x < 0) = NaN, log(±0) = −∞.
  log: (v) => `(${isNaNCode(v)} ? ${v} : (${v} < 0 ? ${NAN(v)} : (${v} === 0 ? -1 / Math.abs(${v}) : Math.log(${v}))))`,
  sqrt: (v) => `(${v} < 0 ? ${NAN(v)} : Math.sqrt(${v}))`,
  // tanh saturates to ±1 in float32 beyond |x| = 9; clamping keeps e^2x from overflowing to NaN.
  tanh: (v) => `(${isNaNCode(v)} ? ${v} : Math.tanh(Math.min(Math.max(${v}, -9), 9)))`,
  relu: (v) => `(${v} < 0 ? 0 : ${v})`,
  // Two branches so that exp never overflows: σ(x) = 1/(1+e^-x) = e^x/(1+e^x).
  sigmoid: (v) =>
    `(${isNaNCode(v)} ? ${v} : (${v} >= 0 ? 1 / (1 + Math.exp(-${v})) : Math.exp(${v}) / (1 + Math.exp(${v}))))`,
  abs: (v) => `Math.abs(${v})`,
  // Written out so that sign(±0) = ±0 and sign(NaN) = NaN on every backend.
  sign: (v) => `(${v} > 0 ? 1 : (${v} < 0 ? -1 : ${v}))`,
  erf: (v) => `(${isNaNCode(v)} ? ${v} : (Math.abs(${v}) > 4 ? Math.sign(${v}) : ${ERF(v)}))`,
};

/**
 * pow as JavaScript defines it: shader pow(a, b) is exp2(b·log2 a), undefined for a < 0, so
 * a negative base with an integer exponent takes its sign from the exponent's parity
 * (GELU's x³ needs this), and b = 0 gives 1 even for a = 0 or NaN.
 */
const POW = (a: string, b: string): string =>
  `(${b} === 0 ? 1 : (${isNaNCode(a)} || ${isNaNCode(b)} ? ${a} + ${b} : (${a} < 0 && ${b} === Math.floor(${b}) ? ((${b} - 2 * Math.floor(${b} / 2)) === 1 ? -Math.pow(-${a}, ${b}) : Math.pow(-${a}, ${b})) : (${b} === 2 ? ${a} * ${a} : Math.pow(${a}, ${b})))))`;

export const BINARY_SOURCE: Record<BinaryOp, (a: string, b: string) => string> = {
  add: (a, b) => `${a} + ${b}`,
  sub: (a, b) => `${a} - ${b}`,
  mul: (a, b) => `${a} * ${b}`,
  div: (a, b) => `${a} / ${b}`,
  pow: POW,
  maximum: (a, b) => `(${a} >= ${b} || ${isNaNCode(a)} ? ${a} : ${b})`,
  minimum: (a, b) => `(${a} <= ${b} || ${isNaNCode(a)} ? ${a} : ${b})`,
};

export const COMPARE_SOURCE: Record<CompareOp, (a: string, b: string) => string> = {
  eq: (a, b) => `(${a} === ${b} ? 1 : 0)`,
  ne: (a, b) => `(${a} === ${b} ? 0 : 1)`,
  lt: (a, b) => `(${a} < ${b} ? 1 : 0)`,
  le: (a, b) => `(${a} <= ${b} ? 1 : 0)`,
  gt: (a, b) => `(${a} > ${b} ? 1 : 0)`,
  ge: (a, b) => `(${a} >= ${b} ? 1 : 0)`,
};

/**
 * How a value is stored in a tensor of `dtype`: int32 truncates toward zero (as an Int32Array
 * store does), bool is 1 for any non-zero value, NaN included (as the specification's cast).
 */
export function storeAs(dtype: DType, value: string): string {
  switch (dtype) {
    case 'int32':
      return `Math.trunc(${value})`;
    case 'bool':
      return `(${value} === 0 ? 0 : 1)`;
    default:
      return value;
  }
}
