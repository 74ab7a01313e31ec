import { describe, expect, it, vi } from 'vitest';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { AdamW, Linear, Module, mseLoss } from '@lorafa/nn';
import type { Variable } from '@lorafa/autograd';
import { correctA, correctB, GramSolver, injectLora, LoraFAOptimizer } from '@lorafa/lorafa';
import type { LoraMethod } from '@lorafa/lorafa';
import { relativeError } from '../../../test/support/matchers.js';

const f64 = (seed: number) => ({ dtype: 'float64' as const, rng: new T.Rng(seed) });

describe('correctB and correctA', () => {
  it('are g_B (A Aᵀ)⁻¹ / s² and (Bᵀ B)⁻¹ g_A / s² (hand-computed, A Aᵀ = diag(4, 1))', () => {
    const a = T.tensor(
      [
        [2, 0, 0],
        [0, 1, 0],
      ],
      { dtype: 'float64' },
    );
    const gB = T.tensor([[8, 2]], { dtype: 'float64' });
    expect(correctB(gB, a, 2).arraySync()).toEqual([[0.5, 0.5]]); // [8/4, 2/1] / 4
    const b = a.transpose();
    expect(correctA(T.tensor([[8], [2]], { dtype: 'float64' }), b, 2).arraySync()).toEqual([[0.5], [0.5]]);
  });

  it('keep the gradient dtype and reject mismatched shapes', () => {
    const a = T.randn([2, 5], f64(1));
    expect(correctB(T.ones([3, 2]), a, 1).dtype).toBe('float32');
    expect(() => correctB(T.ones([3, 3]), a, 1)).toThrow(
      /correctB: gradient \[3, 3\] and frozen matrix \[2, 5\] do not share the rank dimension/,
    );
    expect(() => correctB(T.ones([3, 2]), a, 0)).toThrow(/correctB: scaling must be positive/);
  });

  it('fall back to pinv(G + δI) for a singular Gram matrix, warning once per layer', () => {
    const warn = vi.fn();
    const singular = T.tensor(
      [
        [1, 2, 3],
        [2, 4, 6],
      ],
      { dtype: 'float64' },
    ); // rank 1
    const solver = GramSolver.forRows(singular, { name: 'h.3.mlp.c_fc', warn });
    expect(solver.method).toBe('pinv');
    GramSolver.forRows(singular, { name: 'h.3.mlp.c_fc', warn });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(
      /LoRA-FA correction for h\.3\.mlp\.c_fc: the 2x2 Gram matrix is singular or ill-conditioned/,
    );
    const corrected = correctB(T.tensor([[1, 2]], { dtype: 'float64' }), singular, 1, solver);
    expect([...corrected.dataSync()].every(Number.isFinite)).toBe(true);
    expect(GramSolver.forRows(T.randn([3, 8], f64(2))).method).toBe('cholesky');
  });
});

class Mlp extends Module {
  fc1: Module & { forward(x: Variable): Variable };
  fc2: Module & { forward(x: Variable): Variable };
  constructor(seed: number) {
    super();
    this.fc1 = this.registerModule('fc1', new Linear(5, 7, f64(seed)));
    this.fc2 = this.registerModule('fc2', new Linear(7, 3, f64(seed + 1)));
  }
  forward(x: Variable): Variable {
    return this.fc2.call(A.tanh(this.fc1.call(x)));
  }
}

function setup(method: LoraMethod, seed = 1) {
  const model = new Mlp(seed);
  const adapters = injectLora(model, { targets: ['fc1', 'fc2'], method, rank: 2, alpha: 4, seed });
  const rng = new T.Rng(seed + 10);
  for (const ad of adapters) {
    if (method !== 'lora-fb') ad.B.assign(T.mul(T.randn(ad.B.shape, { dtype: 'float64', rng }), 0.1));
    else ad.A.assign(T.mul(T.randn(ad.A.shape, { dtype: 'float64', rng }), 0.1));
  }
  const x = A.variable(T.randn([6, 5], { dtype: 'float64', rng }));
  const y = T.randn([6, 3], { dtype: 'float64', rng });
  const train = (optimizer: { zeroGrad(): void; step(): void }, steps: number) => {
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) {
      optimizer.zeroGrad();
      const loss = mseLoss(model.call(x), y);
      loss.backward();
      optimizer.step();
      losses.push(loss.item());
    }
    return losses;
  };
  return { model, adapters, train };
}

describe('LoraFAOptimizer', () => {
  it('trains B of LoRA-FA pairs and A of LoRA-FB pairs, and lowers the loss', () => {
    for (const method of ['lora-fa', 'lora-fb', 'lora'] as const) {
      const { adapters, train } = setup(method);
      const optimizer = new LoraFAOptimizer(adapters, [], { lr: 1e-2 });
      expect(optimizer.trainedNames).toEqual(
        method === 'lora'
          ? ['fc1.lora_A', 'fc1.lora_B', 'fc2.lora_A', 'fc2.lora_B']
          : method === 'lora-fa'
            ? ['fc1.lora_B', 'fc2.lora_B']
            : ['fc1.lora_A', 'fc2.lora_A'],
      );
      const losses = train(optimizer, 30);
      expect(losses[29]!).toBeLessThan(losses[0]!);
    }
  });

  it('without the correction equals plain AdamW on the trained factor', () => {
    const a = setup('lora-fa');
    const b = setup('lora-fa');
    a.train(new LoraFAOptimizer(a.adapters, [], { lr: 1e-2, weightDecay: 0.1, correction: false }), 5);
    b.train(
      new AdamW(
        b.adapters.map((ad) => [ad.name, ad.B] as const),
        { lr: 1e-2, weightDecay: 0.1 },
      ),
      5,
    );
    a.adapters.forEach((ad, i) => expect(ad.B.value.dataSync()).toEqual(b.adapters[i]!.B.value.dataSync()));
  });

  it('with the correction moves B along g_B (A Aᵀ)⁻¹ / s²: under SGD-like first steps the directions differ', () => {
    const corrected = setup('lora-fa');
    const plain = setup('lora-fa');
    corrected.train(new LoraFAOptimizer(corrected.adapters, [], { lr: 1e-2 }), 3);
    plain.train(new LoraFAOptimizer(plain.adapters, [], { lr: 1e-2, correction: false }), 3);
    expect(
      relativeError(corrected.adapters[0]!.B.value.dataSync(), plain.adapters[0]!.B.value.dataSync()),
    ).toBeGreaterThan(1e-6);
  });

  it('saves and restores its state exactly: an interrupted run continues bit for bit', () => {
    for (const peftCompatible of [false, true]) {
      const uninterrupted = setup('lora-fa');
      uninterrupted.train(
        new LoraFAOptimizer(uninterrupted.adapters, [], { lr: 1e-2, weightDecay: 0.05, peftCompatible }),
        6,
      );

      const first = setup('lora-fa');
      const before = new LoraFAOptimizer(first.adapters, [], { lr: 1e-2, weightDecay: 0.05, peftCompatible });
      first.train(before, 3);
      const state = before.stateDict();
      expect(state.step).toBe(3);
      expect(Object.keys(state.tensors).sort()).toEqual([
        'fc1.lora_B.exp_avg',
        'fc1.lora_B.exp_avg_sq',
        'fc2.lora_B.exp_avg',
        'fc2.lora_B.exp_avg_sq',
      ]);
      const after = new LoraFAOptimizer(first.adapters, [], { lr: 1e-2, weightDecay: 0.05, peftCompatible });
      after.loadStateDict(state);
      first.train(after, 3);
      first.adapters.forEach((ad, i) =>
        expect(ad.B.value.dataSync()).toEqual(uninterrupted.adapters[i]!.B.value.dataSync()),
      );
    }
  });

  it('rejects state with unknown keys or wrong shapes, naming them', () => {
    const { adapters } = setup('lora-fa');
    const optimizer = new LoraFAOptimizer(adapters, [], { lr: 1e-2 });
    expect(() => optimizer.loadStateDict({ step: 1, tensors: { 'fc9.lora_B.exp_avg': T.zeros([1]) } })).toThrow(
      /unexpected key fc9\.lora_B\.exp_avg/,
    );
    expect(() =>
      optimizer.loadStateDict({
        step: 1,
        tensors: { 'fc1.lora_B.exp_avg': T.zeros([1]), 'fc1.lora_B.exp_avg_sq': T.zeros([1]) },
      }),
    ).toThrow(/fc1\.lora_B\.exp_avg: expected shape \[7, 2\], got \[1\]/);
  });
});
