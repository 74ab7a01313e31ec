import * as T from '@lorafa/tensor';
import { applyOp } from '../define-op.js';
import { Variable } from '../variable.js';
import type { Primitive, PrimitiveAttrs } from './table.js';
import { primitives } from './table.js';

/** An op operand: a variable, a constant tensor, or a number (taking its partner's dtype). */
export type Input = Variable | T.Tensor | number;

function call<P extends Primitive>(name: P, inputs: readonly Variable[], attrs: PrimitiveAttrs[P]): Variable {
  return applyOp(primitives[name], inputs, attrs);
}

/** Constants become variables that need no gradient. */
function lift(x: Input, like?: Variable | T.Tensor): Variable {
  if (x instanceof Variable) return x;
  if (typeof x !== 'number') return new Variable(x);
  const template = like instanceof Variable ? like.value : like;
  return new Variable(T.full([], x, { dtype: template?.dtype ?? 'float32', backend: template?.backend.name }));
}

function pair(a: Input, b: Input): [Variable, Variable] {
  const like = typeof a === 'number' ? (b as Variable | T.Tensor) : a;
  return [lift(a, like), lift(b, like)];
}

// Primitives.
/** a + b, broadcasting (∂/∂a = ∂/∂b = 1). */
export const add = (a: Input, b: Input): Variable => call('add', pair(a, b), undefined);
/** a − b, broadcasting. */
export const sub = (a: Input, b: Input): Variable => call('sub', pair(a, b), undefined);
/** a · b, broadcasting; a number operand becomes an attribute (`mulScalar`), not a tensor. */
export function mul(a: Input, b: Input): Variable {
  if (typeof b === 'number' && typeof a !== 'number') return call('mulScalar', [lift(a)], { value: b });
  if (typeof a === 'number' && typeof b !== 'number') return call('mulScalar', [lift(b)], { value: a });
  return call('mul', pair(a, b), undefined);
}
/** a / b, broadcasting; a number divisor becomes an attribute (`divScalar`). */
export function div(a: Input, b: Input): Variable {
  if (typeof b === 'number' && typeof a !== 'number') return call('divScalar', [lift(a)], { value: b });
  return call('div', pair(a, b), undefined);
}
/** a^b, broadcasting; a number exponent becomes an attribute (`powScalar`). */
export function pow(a: Input, b: Input): Variable {
  if (typeof b === 'number' && typeof a !== 'number') return call('powScalar', [lift(a)], { exponent: b });
  return call('pow', pair(a, b), undefined);
}
/** The elementwise maximum; at a tie the gradient is split in half between a and b. */
export const maximum = (a: Input, b: Input): Variable => call('maximum', pair(a, b), undefined);
/** −x. */
export const neg = (x: Input): Variable => call('neg', [lift(x)], undefined);
/** eˣ. */
export const exp = (x: Input): Variable => call('exp', [lift(x)], undefined);
/** ln x. */
export const log = (x: Input): Variable => call('log', [lift(x)], undefined);
/** √x. */
export const sqrt = (x: Input): Variable => call('sqrt', [lift(x)], undefined);
/** tanh x. */
export const tanh = (x: Input): Variable => call('tanh', [lift(x)], undefined);
/** max(x, 0). */
export const relu = (x: Input): Variable => call('relu', [lift(x)], undefined);
/** σ(x) = 1/(1 + e⁻ˣ), finite for large |x|. */
export const sigmoid = (x: Input): Variable => call('sigmoid', [lift(x)], undefined);
/** |x|. */
export const abs = (x: Input): Variable => call('abs', [lift(x)], undefined);
/** The error function (for the exact GELU). */
export const erf = (x: Input): Variable => call('erf', [lift(x)], undefined);
/** condition ? a : b elementwise (a bool condition, broadcasting); the condition gets no gradient. */
export function where(condition: T.Tensor | Variable, a: Input, b: Input): Variable {
  const [x, y] = pair(a, b);
  return call('where', [lift(condition), x, y], undefined);
}
/** Σ over `axes` (all by default), keeping them as length 1 with `keepdims`. */
export const sum = (x: Input, axes?: T.Axes, keepdims = false): Variable => call('sum', [lift(x)], { axes, keepdims });
/** The maximum over `axes`; the gradient goes to the maxima, split among ties. */
export const max = (x: Input, axes?: T.Axes, keepdims = false): Variable => call('max', [lift(x)], { axes, keepdims });
/** The minimum over `axes`; the gradient goes to the minima, split among ties. */
export const min = (x: Input, axes?: T.Axes, keepdims = false): Variable => call('min', [lift(x)], { axes, keepdims });
/** log Σ exp(x) along `axis`, computed stably. */
export const logSumExp = (x: Input, axis = -1, keepdims = false): Variable =>
  call('logSumExp', [lift(x)], { axis, keepdims });
/** The (batched, broadcasting) matrix product A B. */
export const matmul = (a: Input, b: Input): Variable => call('matmul', pair(a, b), undefined);
/** A B + c (c broadcast to the product's shape): the values of add(matmul(a, b), c), in one pass where the backend can. */
export const matmulAdd = (a: Input, b: Input, c: Input): Variable => {
  const [x, y] = pair(a, b);
  return call('matmulAdd', [x, y, lift(c, x)], undefined);
};
/** The same elements in a new shape (one dimension may be −1). */
export const reshape = (x: Input, shape: readonly number[]): Variable => call('reshape', [lift(x)], { shape });
/** Reorders the axes (a view). */
export const permute = (x: Input, axes: readonly number[]): Variable => call('permute', [lift(x)], { axes });
/** A slice per axis (a view); see `SliceSpec`. */
export const slice = (x: Input, specs: readonly T.SliceSpec[]): Variable => call('slice', [lift(x)], { specs });
/** Broadcasts to a larger shape (a stride-0 view). */
export const expand = (x: Input, shape: readonly number[]): Variable => call('expand', [lift(x)], { shape });
/** Joins along `axis`. */
export const concat = (xs: readonly Input[], axis = 0): Variable =>
  call(
    'concat',
    xs.map((x) => lift(x)),
    { axis },
  );
/** Picks entries along `axis` by int32 `indices` (an embedding lookup); indices get no gradient. */
export const indexSelect = (x: Input, axis: number, indices: T.Tensor): Variable =>
  call('indexSelect', [lift(x), lift(indices)], { axis });
/** Converts to another float dtype; the gradient is cast back. */
export const cast = (x: Input, dtype: T.DType): Variable => call('cast', [lift(x)], { dtype });

// Fused layers: primitives with a hand-written backward, for speed and saved memory.
/** GELU in one pass, exact (x·Φ(x), default) or GPT-2's tanh approximation; saves x alone. */
export const gelu = (x: Input, approximate: T.GeluApproximation = 'none'): Variable =>
  call('gelu', [lift(x)], { approximate });
/**
 * LayerNorm over the last axis, (x − μ)/√(σ² + ε)·weight + bias with the biased variance, in
 * one pass; saves x̂ and one rstd per row.
 */
export const layerNorm = (x: Input, weight: Input, bias: Input, eps = 1e-5): Variable =>
  call('layerNorm', [lift(x), lift(weight), lift(bias)], { eps });
/**
 * Cross-entropy of logits `[rows, classes]` against int32 targets `[rows]`, averaged over the
 * rows whose target is not `ignoreIndex`; saves the logits, targets and two numbers per row.
 */
export const softmaxCrossEntropy = (logits: Input, targets: T.Tensor, ignoreIndex = -100): Variable =>
  call('softmaxCrossEntropy', [lift(logits), lift(targets)], { ignoreIndex });
/**
 * Attention's weights softmax(scale · scores) over the last axis of `[..., queries, keys]`, the
 * future masked when `causal` (query i sees keys j ≤ i + keys − queries); saves the weights alone.
 */
export const attentionSoftmax = (scores: Input, scale: number, causal: boolean): Variable =>
  call('attentionSoftmax', [lift(scores)], { scale, causal });

// Compositions: no gradient rule of their own.
/** x², as x · x. */
export const square = (x: Input): Variable => mul(x, x);
/** The elementwise minimum, −max(−a, −b). */
export const minimum = (a: Input, b: Input): Variable => neg(maximum(neg(a), neg(b)));

/** The mean over `axes` (all by default): sum / count. */
export function mean(x: Input, axes?: T.Axes, keepdims = false): Variable {
  const v = lift(x);
  const count = T.sizeOf(T.normalizeAxes('mean', axes, v.rank).map((a) => v.shape[a]!));
  return div(sum(v, axes, keepdims), count);
}

/** Swaps two axes (the last two by default). */
export function transpose(x: Input, axis0 = -2, axis1 = -1): Variable {
  const v = lift(x);
  const order = Array.from({ length: v.rank }, (_, i) => i);
  const a = T.normalizeAxis('transpose', axis0, v.rank);
  const b = T.normalizeAxis('transpose', axis1, v.rank);
  [order[a], order[b]] = [order[b]!, order[a]!];
  return permute(v, order);
}

/** Inserts an axis of length 1 at `axis`. */
export function unsqueeze(x: Input, axis: number): Variable {
  const v = lift(x);
  const a = T.normalizeAxis('unsqueeze', axis, v.rank + 1);
  return reshape(v, [...v.shape.slice(0, a), 1, ...v.shape.slice(a)]);
}

/** Joins along a new axis `axis`. */
export const stack = (xs: readonly Input[], axis = 0): Variable =>
  concat(
    xs.map((x) => unsqueeze(x, axis)),
    axis,
  );

/** log softmax(x) = x − logSumExp(x): stable for large logits. */
export const logSoftmax = (x: Input, axis = -1): Variable => sub(x, logSumExp(x, axis, true));

/** softmax(x) = exp(x − logSumExp(x)). */
export const softmax = (x: Input, axis = -1): Variable => exp(logSoftmax(x, axis));
