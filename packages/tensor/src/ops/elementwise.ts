import type { DType } from '../dtype.js';
import { assertFloat, assertSameDType, DTypeError } from '../errors.js';
import type { BinaryOp, CompareOp, UnaryOp } from '../backend/backend.js';
import { Tensor } from '../tensor.js';
import type { Operand } from './operands.js';
import { broadcastAll, commonBackend, toTensors } from './operands.js';

function unary(op: UnaryOp, x: Tensor): Tensor {
  assertFloat(op, x.dtype);
  return new Tensor(x.backend.unary(op, x), x.shape);
}

/** Elementwise negation, −x (float tensors). */
export const neg = (x: Tensor): Tensor => unary('neg', x);
/** Elementwise natural exponential, eˣ (float tensors). */
export const exp = (x: Tensor): Tensor => unary('exp', x);
/** Elementwise natural logarithm, ln x (float tensors). */
export const log = (x: Tensor): Tensor => unary('log', x);
/** Elementwise square root (float tensors). */
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
/** Elementwise hyperbolic tangent (float tensors). */
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
/** Elementwise rectifier, max(x, 0) (float tensors). */
export const relu = (x: Tensor): Tensor => unary('relu', x);
/** Elementwise logistic sigmoid, 1 / (1 + e^(−x)) (float tensors). */
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
/** Elementwise absolute value (float tensors). */
export const abs = (x: Tensor): Tensor => unary('abs', x);
/** Elementwise sign: −1, 0 or 1 (float tensors). */
export const sign = (x: Tensor): Tensor => unary('sign', x);
/** The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt (used by the exact GELU). */
export const erf = (x: Tensor): Tensor => unary('erf', x);

/** Ops that are exact on int32 (index arithmetic); the others need floats. */
const INTEGER_SAFE: ReadonlySet<BinaryOp> = new Set(['add', 'sub', 'mul', 'maximum', 'minimum']);

function binary(op: BinaryOp, a: Operand, b: Operand): Tensor {
  const [x, y] = toTensors(op, a, b);
  assertSameDType(op, x.dtype, y.dtype);
  if (!(x.dtype === 'int32' && INTEGER_SAFE.has(op))) assertFloat(op, x.dtype);
  const backend = commonBackend(op, x, y);
  const [bx, by] = broadcastAll(op, x, y);
  return new Tensor(backend.binary(op, bx!, by!), bx!.shape);
}

/** Elementwise sum a + b with broadcasting; float or int32 operands of one dtype. */
export const add = (a: Operand, b: Operand): Tensor => binary('add', a, b);
/** Elementwise difference a − b with broadcasting; float or int32 operands of one dtype. */
export const sub = (a: Operand, b: Operand): Tensor => binary('sub', a, b);
/** Elementwise product a · b with broadcasting; float or int32 operands of one dtype. */
export const mul = (a: Operand, b: Operand): Tensor => binary('mul', a, b);
/** Elementwise quotient a / b with broadcasting (float operands). */
export const div = (a: Operand, b: Operand): Tensor => binary('div', a, b);
/** Elementwise power aᵇ with broadcasting (float operands). */
export const pow = (a: Operand, b: Operand): Tensor => binary('pow', a, b);
/** Elementwise larger of a and b with broadcasting; float or int32 operands of one dtype. */
export const maximum = (a: Operand, b: Operand): Tensor => binary('maximum', a, b);
/** Elementwise smaller of a and b with broadcasting; float or int32 operands of one dtype. */
export const minimum = (a: Operand, b: Operand): Tensor => binary('minimum', a, b);
/** Elementwise square, x · x. */
export const square = (x: Tensor): Tensor => mul(x, x);

/** Elementwise comparison with broadcasting; the result is a `bool` tensor. */
function compare(op: CompareOp, a: Operand, b: Operand): Tensor {
  const [x, y] = toTensors(op, a, b);
  assertSameDType(op, x.dtype, y.dtype);
  const backend = commonBackend(op, x, y);
  const [bx, by] = broadcastAll(op, x, y);
  return new Tensor(backend.compare(op, bx!, by!), bx!.shape);
}

/** Elementwise a == b with broadcasting, as a `bool` tensor. */
export const equal = (a: Operand, b: Operand): Tensor => compare('eq', a, b);
/** Elementwise a != b with broadcasting, as a `bool` tensor. */
export const notEqual = (a: Operand, b: Operand): Tensor => compare('ne', a, b);
/** Elementwise a < b with broadcasting, as a `bool` tensor. */
export const less = (a: Operand, b: Operand): Tensor => compare('lt', a, b);
/** Elementwise a <= b with broadcasting, as a `bool` tensor. */
export const lessEqual = (a: Operand, b: Operand): Tensor => compare('le', a, b);
/** Elementwise a > b with broadcasting, as a `bool` tensor. */
export const greater = (a: Operand, b: Operand): Tensor => compare('gt', a, b);
/** Elementwise a >= b with broadcasting, as a `bool` tensor. */
export const greaterEqual = (a: Operand, b: Operand): Tensor => compare('ge', a, b);

/** `condition ? a : b` elementwise, all three broadcast together; condition is `bool`. */
export function where(condition: Tensor, a: Operand, b: Operand): Tensor {
  if (condition.dtype !== 'bool') {
    throw new DTypeError(
      `where: condition must be a bool tensor, got ${condition.dtype}; compare first, e.g. greater(x, 0)`,
    );
  }
  const [x, y] = toTensors('where', a, b);
  assertSameDType('where', x.dtype, y.dtype);
  const backend = commonBackend('where', condition, x, y);
  const [c, bx, by] = broadcastAll('where', condition, x, y);
  return new Tensor(backend.where(c!, bx!, by!), c!.shape);
}

/** Converts to another dtype (float → int32 truncates toward zero; nonzero → true). */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  return new Tensor(x.backend.cast(x, dtype), x.shape);
}
