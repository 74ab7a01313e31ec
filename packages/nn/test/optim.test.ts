import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { AdamW, clipGradNorm, constantSchedule, SGD, warmupCosineSchedule } from '@lorafa/nn';
import { relativeError } from '../../../test/support/matchers.js';

/** A parameter and a fixed sequence of gradients to feed it, as plain float64 arrays. */
const initial = [0.5, -1.5, 2];
const gradients = [
  [0.1, -0.2, 0.3],
  [0.05, 0.4, -0.1],
  [-0.3, 0.2, 0.2],
  [0.0, -0.1, 0.5],
];

function run(makeOptimizer: (p: A.Variable) => { step(): void }) {
  const p = A.parameter(T.tensor(initial, { dtype: 'float64' }), 'p');
  const optimizer = makeOptimizer(p);
  for (const g of gradients) {
    p.grad = T.tensor(g, { dtype: 'float64' });
    optimizer.step();
  }
  return [...p.value.dataSync()];
}

describe('SGD', () => {
  it('follows PyTorch: weight decay, momentum with dampening, Nesterov', () => {
    const [lr, mu, tau, wd] = [0.1, 0.9, 0.2, 0.01];
    for (const nesterov of [false, true]) {
      const p = [...initial];
      let buffer: number[] | null = null;
      for (const raw of gradients) {
        const g = raw.map((v, i) => v + wd * p[i]!);
        buffer = buffer ? buffer.map((b, i) => mu * b + (1 - tau) * g[i]!) : g;
        const step = nesterov ? g.map((v, i) => v + mu * buffer![i]!) : buffer;
        step.forEach((v, i) => (p[i]! -= lr * v));
      }
      const ours = run((q) => new SGD([q], { lr, momentum: mu, dampening: tau, weightDecay: wd, nesterov }));
      expect(relativeError(ours, p)).toBeLessThan(1e-14);
    }
  });
});

describe('AdamW', () => {
  it('follows torch.optim.AdamW: decoupled decay first, bias-corrected moments', () => {
    const [lr, b1, b2, eps, wd] = [0.01, 0.9, 0.999, 1e-8, 0.1];
    const p = [...initial];
    const m = [0, 0, 0];
    const v = [0, 0, 0];
    gradients.forEach((g, k) => {
      const t = k + 1;
      for (let i = 0; i < 3; i++) {
        p[i]! *= 1 - lr * wd;
        m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
        v[i] = b2 * v[i]! + (1 - b2) * g[i]! ** 2;
        const mHat = m[i]! / (1 - b1 ** t);
        const denominator = Math.sqrt(v[i]!) / Math.sqrt(1 - b2 ** t) + eps;
        p[i]! -= lr * (mHat / denominator);
      }
    });
    expect(
      relativeError(
        run((q) => new AdamW([q], { lr, weightDecay: wd })),
        p,
      ),
    ).toBeLessThan(1e-13);
  });

  it('saves and restores its state so a resumed run is bit-identical', () => {
    const straight = run((q) => new AdamW([['p', q]], { lr: 0.01 }));
    const p = A.parameter(T.tensor(initial, { dtype: 'float64' }), 'p');
    let optimizer = new AdamW([['p', p]], { lr: 0.01 });
    gradients.forEach((g, k) => {
      if (k === 2) {
        const state = optimizer.stateDict();
        optimizer = new AdamW([['p', p]], { lr: 0.01 });
        optimizer.loadStateDict(state);
      }
      p.grad = T.tensor(g, { dtype: 'float64' });
      optimizer.step();
    });
    expect([...p.value.dataSync()]).toEqual(straight);
  });

  it('skips parameters without a gradient and rejects duplicate names', () => {
    const p = A.parameter(T.ones([2]), 'p');
    new AdamW([p], { lr: 1 }).step();
    expect(p.value.arraySync()).toEqual([1, 1]);
    expect(
      () =>
        new AdamW(
          [
            ['w', p],
            ['w', p],
          ],
          { lr: 1 },
        ),
    ).toThrow(/parameter name 'w' appears twice/);
  });
});

describe('clipGradNorm', () => {
  it('scales gradients to the maximum global norm and returns the norm before clipping', () => {
    const a = A.parameter(T.zeros([2], { dtype: 'float64' }));
    const b = A.parameter(T.zeros([1], { dtype: 'float64' }));
    a.grad = T.tensor([3, 0], { dtype: 'float64' });
    b.grad = T.tensor([4], { dtype: 'float64' });
    expect(clipGradNorm([a, b], 1)).toBeCloseTo(5, 14);
    expect(Math.hypot(...a.grad!.dataSync(), ...b.grad!.dataSync())).toBeCloseTo(1, 6);
    expect(clipGradNorm([a, b], 10)).toBeCloseTo(1, 6); // below the limit: unchanged
    expect(() => clipGradNorm([a], 0)).toThrow(/clipGradNorm: maxNorm must be positive/);
  });
});

describe('schedules', () => {
  it('warm up linearly, then decay along a cosine to the minimum', () => {
    const schedule = warmupCosineSchedule({ peakLr: 1, warmupSteps: 4, totalSteps: 12, minLr: 0.1 });
    expect([1, 2, 4].map(schedule)).toEqual([0.25, 0.5, 1]);
    expect(schedule(8)).toBeCloseTo(0.55, 12); // halfway through the decay
    expect(schedule(12)).toBeCloseTo(0.1, 12);
    expect(schedule(20)).toBeCloseTo(0.1, 12);
    expect(constantSchedule(0.3)(99)).toBe(0.3);
    expect(() => warmupCosineSchedule({ peakLr: 1, warmupSteps: 5, totalSteps: 2 })).toThrow(/warmupCosineSchedule/);
  });
});
