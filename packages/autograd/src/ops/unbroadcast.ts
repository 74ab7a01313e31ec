import type { Tensor } from '@lorafa/tensor';
import { sum } from '@lorafa/tensor';

/**
 * Undoes NumPy broadcasting in a gradient: an input of `shape` that was broadcast to the
 * gradient's shape receives the sum over every axis it was stretched along.
 */
export function unbroadcast(grad: Tensor, shape: readonly number[]): Tensor {
  const lead = grad.rank - shape.length;
  const axes: number[] = [];
  grad.shape.forEach((d, i) => {
    if (i < lead || (shape[i - lead] === 1 && d !== 1)) axes.push(i);
  });
  if (axes.length === 0) return grad;
  return sum(grad, axes, true).reshape(shape);
}
