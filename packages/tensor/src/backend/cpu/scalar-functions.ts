import type { BinaryOp, CompareOp, ReduceOp, UnaryOp } from '../backend.js';
import { erf } from './erf.js';

/** The scalar function behind each elementwise kernel. NaN propagates as in PyTorch. */
export const UNARY: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  tanh: Math.tanh,
  // biome-ignore lint/complexity/useMathMinMax: Math.max(-0, 0) is +0; relu keeps −0 (and NaN) as x.
  relu: (x) => (x < 0 ? 0 : x),
  // Two branches so that exp never overflows: σ(x) = 1/(1+e^-x) = e^x/(1+e^x).
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  abs: Math.abs,
  sign: Math.sign,
  erf,
};

export const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: (a, b) => (a >= b || a !== a ? a : b),
  minimum: (a, b) => (a <= b || a !== a ? a : b),
};

export const COMPARE: Record<CompareOp, (a: number, b: number) => boolean> = {
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  lt: (a, b) => a < b,
  le: (a, b) => a <= b,
  gt: (a, b) => a > b,
  ge: (a, b) => a >= b,
};

/** Where each reduction starts: the identity of its combining function. */
export const REDUCE_IDENTITY: Record<ReduceOp, number> = { sum: 0, max: -Infinity, min: Infinity };

/** max(acc, x) for reductions, NaN winning as in PyTorch: once the accumulator is NaN it stays NaN. */
export const maxNaN = (acc: number, x: number): number => (x > acc || x !== x ? x : acc);
/** min(acc, x) for reductions, NaN winning (see maxNaN). */
export const minNaN = (acc: number, x: number): number => (x < acc || x !== x ? x : acc);

/** How one more element x joins a reduction's accumulator. */
export const REDUCE: Record<ReduceOp, (acc: number, x: number) => number> = {
  sum: (acc, x) => acc + x,
  max: maxNaN,
  min: minNaN,
};
