import { expect } from 'vitest';
import type { Tensor } from '@lorafa/tensor';

/** Max |actual − expected| / max(max |expected|, tiny): the project's relative error. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let error = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    error = Math.max(error, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return error / Math.max(scale, 1e-30);
}

/** Asserts a tensor's shape and values (within a relative tolerance). */
export function expectTensorClose(
  actual: Tensor,
  expected: { shape: readonly number[]; data: ArrayLike<number> },
  tolerance = 1e-12,
): void {
  expect(actual.shape).toEqual(expected.shape);
  const values = actual.dataSync();
  expect(values.length).toBe(expected.data.length);
  if (expected.data.length > 0) expect(relativeError(values, expected.data)).toBeLessThanOrEqual(tolerance);
}
