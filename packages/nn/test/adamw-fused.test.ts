import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { AdamW } from '@lorafa/nn';
import type { AdamWRule } from '@lorafa/nn';
import { seedArb } from '../../../test/support/arbitraries.js';

/**
 * The CPU backends run AdamW's update as one kernel (backend.adamW); a backend without it (the
 * gpu package's) composes tensor ops. Both must give the same trajectory: equal up to the
 * rounding of intermediates (float64: 1e-12 relative; float32: a few ulps).
 */
function trajectory(
  backendName: string,
  withKernel: boolean,
  c: { rule: AdamWRule; weightDecay: number; dtype: T.FloatDType; size: number; seed: number },
): Float64Array[] {
  const backend = T.getBackend(backendName) as { adamW?: unknown };
  const kernel = backend.adamW;
  if (!withKernel) backend.adamW = undefined;
  try {
    const rng = new T.Rng(c.seed);
    const options = { dtype: c.dtype, rng, backend: backendName };
    const p = A.parameter(T.uniform([c.size, 3], -1, 1, options), 'p');
    const optimizer = new AdamW([p], { lr: 0.05, rule: c.rule, weightDecay: c.weightDecay });
    const values: Float64Array[] = [];
    for (let step = 0; step < 3; step++) {
      optimizer.zeroGrad();
      p.grad = T.uniform([c.size, 3], -2, 2, options);
      optimizer.step();
      values.push(Float64Array.from(p.value.dataSync()));
    }
    return values;
  } finally {
    backend.adamW = kernel;
  }
}

describe('AdamW as one kernel', () => {
  it('is what the CPU backends offer', () => {
    expect(typeof T.getBackend('cpu').adamW).toBe('function');
    expect(typeof T.getBackend('cpu-fast').adamW).toBe('function');
  });

  it('follows the composed update step for step, both rules, with and without weight decay', () => {
    fc.assert(
      fc.property(
        fc.record({
          rule: fc.constantFrom<AdamWRule>('torch', 'peft'),
          weightDecay: fc.constantFrom(0, 0.01, 0.3),
          dtype: fc.constantFrom<T.FloatDType>('float32', 'float64'),
          size: fc.integer({ min: 1, max: 20 }),
          seed: seedArb,
        }),
        (c) => {
          const fused = trajectory('cpu-fast', true, c);
          const composed = trajectory('cpu-fast', false, c);
          const tolerance = c.dtype === 'float64' ? 1e-12 : 1e-6;
          fused.forEach((values, step) => {
            values.forEach((v, i) => {
              expect(Math.abs(v - composed[step]![i]!)).toBeLessThanOrEqual(tolerance * (1 + Math.abs(v)));
            });
          });
        },
      ),
      { numRuns: 40 },
    );
  });
});
