/**
 * cast's gradient across dtypes: the gradient of a float32 input is float32 and of a float64
 * input float64 whatever the output's dtype, with the upstream values cast back (so
 * dL/dx = float(x's dtype)(dL/dy)).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { randomTensor, seedArb, shapeArb } from '../../../test/support/arbitraries.js';

const pairs = [
  ['float32', 'float64'],
  ['float64', 'float32'],
  ['float32', 'float32'],
  ['float64', 'float64'],
] as const;

describe('cast gradient', () => {
  it.each(pairs)('%s → %s: the input gets its own dtype and the upstream gradient, cast', (from, to) => {
    fc.assert(
      fc.property(shapeArb(0, 3), seedArb, (shape, seed) => {
        const x = A.parameter(randomTensor(shape, seed, { dtype: from }));
        // L = Σ c ⊙ cast(x): dL/dcast(x) = c (in `to`), so dL/dx = c cast to `from`.
        const c = randomTensor(shape, seed + 1, { dtype: to });
        const y = A.cast(x, to);
        expect(y.dtype).toBe(to);
        expect(Array.from(y.value.dataSync())).toEqual(Array.from(T.cast(x.value, to).dataSync()));
        A.sum(A.mul(y, A.variable(c))).backward();
        expect(x.grad!.dtype).toBe(from);
        expect(x.grad!.shape).toEqual(shape);
        expect(Array.from(x.grad!.dataSync())).toEqual(Array.from(T.cast(c, from).dataSync()));
      }),
      { numRuns: 30 },
    );
  });

  it('float32 → float64 → float32: the gradient rounds to float32 once, on the way back to x', () => {
    const x = A.parameter(T.tensor([1, 2, 3], { dtype: 'float32' }));
    const up = A.cast(x, 'float64');
    const third = 1 / 3; // not representable in float32
    A.sum(A.mul(A.cast(A.mul(up, third), 'float32'), 1)).backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(Array.from(x.grad!.dataSync())).toEqual([Math.fround(third), Math.fround(third), Math.fround(third)]);
  });
});
