import type { Tensor } from '../tensor.js';
import { add, exp, log, sub, div, where, equal } from './elementwise.js';
import { max, sum } from './reduce.js';

/**
 * log Σ exp(x) along `axis`, computed stably as m + log Σ exp(x − m) with m the maximum.
 * A slice that is all −∞ gives −∞ (m is replaced by 0 there, so no ∞ − ∞ appears).
 */
export function logSumExp(x: Tensor, axis = -1, keepdims = false): Tensor {
  const peak = max(x, axis, true);
  const safePeak = where(equal(peak, -Infinity), 0, peak);
  const total = sum(exp(sub(x, safePeak)), axis, true);
  const out = add(log(total), safePeak);
  return keepdims ? out : out.squeeze(axis);
}

/** exp(x − max) / Σ exp(x − max) along `axis`: the maximum is subtracted so exp cannot overflow. */
export function softmax(x: Tensor, axis = -1): Tensor {
  const shifted = exp(sub(x, max(x, axis, true)));
  return div(shifted, sum(shifted, axis, true));
}

/** x − logSumExp(x), stable for large logits. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return sub(x, logSumExp(x, axis, true));
}
