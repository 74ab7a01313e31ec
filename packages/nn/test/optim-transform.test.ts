/**
 * The gradient-transform hook of AdamW and SGD (LoRA-FA's optimizer is AdamW with its
 * correction as the transform), the rules' defaults, and the cache a transform may fill: it runs
 * inside the step's tidy, so only what it allocates in `T.keep` survives to the next step.
 */
import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { GradientTransform, Optimizer } from '@lorafa/nn';
import { AdamW, adamWDefaults, SGD } from '@lorafa/nn';

const start = [0.5, -1, 2];

/** Runs `steps` steps of loss = Σ p³ with the optimizer `make` builds; returns the final value. */
function train(make: (p: A.Variable) => Optimizer, steps = 4, scaleGradient = 1): number[] {
  const p = A.parameter(T.tensor(start, { dtype: 'float64' }), 'p');
  const optimizer = make(p);
  for (let i = 0; i < steps; i++) {
    optimizer.zeroGrad();
    A.sum(A.pow(p, 3)).backward();
    if (scaleGradient !== 1) p.grad = T.mul(p.grad!, scaleGradient);
    optimizer.step();
  }
  return [...p.value.dataSync()];
}

const double: GradientTransform = (g) => T.mul(g, 2);

describe('optimizers with a gradient transform', () => {
  it('AdamW and SGD step exactly as if the transformed gradient had been the gradient', () => {
    for (const rule of ['torch', 'peft'] as const) {
      const hooked = train((p) => new AdamW([p], { lr: 0.1, rule, transformGradient: double }));
      const scaled = train((p) => new AdamW([p], { lr: 0.1, rule }), 4, 2);
      expect(hooked).toEqual(scaled);
      expect(hooked).not.toEqual(train((p) => new AdamW([p], { lr: 0.1, rule })));
    }
    const sgd = train((p) => new SGD([p], { lr: 0.01, momentum: 0.9, transformGradient: double }));
    expect(sgd).toEqual(train((p) => new SGD([p], { lr: 0.01, momentum: 0.9 }), 4, 2));
  });

  it('the transform gets each parameter with its name', () => {
    const seen: string[] = [];
    const p = A.parameter(T.tensor([1, 2]), 'p');
    const q = A.parameter(T.tensor([3]), 'q');
    const optimizer = new AdamW(
      [
        ['first', p],
        ['second', q],
      ],
      {
        lr: 0.1,
        transformGradient: (g, named) => {
          seen.push(named.name);
          return g;
        },
      },
    );
    A.add(A.sum(p), A.sum(q)).backward();
    optimizer.step();
    expect(seen).toEqual(['first', 'second']);
  });

  it('the rules take their defaults from adamWDefaults (torch.optim.AdamW and PEFT)', () => {
    for (const rule of ['torch', 'peft'] as const) {
      const { betas, eps, weightDecay } = adamWDefaults[rule];
      expect(train((p) => new AdamW([p], { lr: 0.1, rule }))).toEqual(
        train((p) => new AdamW([p], { lr: 0.1, rule, betas, eps, weightDecay })),
      );
    }
    expect(adamWDefaults.torch).toEqual({ betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 });
    expect(adamWDefaults.peft).toEqual({ betas: [0.9, 0.999], eps: 1e-6, weightDecay: 0 });
  });

  describe('a cache filled inside the transform (the Gram factor of LoRA-FA, say)', () => {
    /** Multiplies every gradient by a factor computed on first use and cached. */
    const cachingTransform = (fill: (compute: () => T.Tensor) => T.Tensor): GradientTransform => {
      let factor: T.Tensor | null = null;
      return (g) => {
        factor ??= fill(() => T.exp(T.zeros([3], { dtype: 'float64' }))); // ones, freshly allocated
        return T.mul(g, factor);
      };
    };

    it('is released by the step unless allocated in T.keep (what once forced it out of tidy)', () => {
      const transform = cachingTransform((compute) => compute());
      expect(() => train((p) => new AdamW([p], { lr: 0.1, transformGradient: transform }), 2)).toThrow(/released/);
    });

    it('survives every later step when allocated in T.keep', () => {
      const transform = cachingTransform((compute) => T.keep(compute));
      expect(train((p) => new AdamW([p], { lr: 0.1, transformGradient: transform }))).toEqual(
        train((p) => new AdamW([p], { lr: 0.1 })),
      );
    });
  });
});
