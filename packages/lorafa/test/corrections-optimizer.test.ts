import { describe, expect, it, vi } from 'vitest';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { AdamW, Linear, Module, mseLoss } from '@lorafa/nn';
import type { Variable } from '@lorafa/autograd';
import { correctA, correctB, GramSolver, gramCondition, injectLora, LoraFAOptimizer } from '@lorafa/lorafa';
import type { LoraLinear, LoraMethod } from '@lorafa/lorafa';
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

const fixedInput = A.variable(T.randn([6, 5], { dtype: 'float64', rng: new T.Rng(42) }));
const fixedTarget = T.randn([6, 3], { dtype: 'float64', rng: new T.Rng(43) });

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

  /** fc1's frozen A set to rows 2·e0 and e1, so A Aᵀ = diag(4, 1): the correction divides B's columns by 4·s² and s². */
  const withDiagonalGram = () => {
    const problem = setup('lora-fa');
    const a = problem.adapters[0]!.A;
    a.assign(T.mul(T.eye(2, 5, { dtype: 'float64' }), T.tensor([[2], [1]], { dtype: 'float64' })));
    return problem;
  };
  const columnsDividedBy = (g: T.Tensor, divisors: readonly number[]) =>
    (g.arraySync() as number[][]).map((row) => row.map((v, j) => v / divisors[j]!));

  it('with the correction, an SGD step moves B by exactly −lr · g_B (A Aᵀ)⁻¹ / s² (hand-computed, A Aᵀ = diag(4, 1), s = 2)', () => {
    const { adapters, model } = withDiagonalGram();
    const ad = adapters[0]!;
    expect(ad.scaling).toBe(2);
    const before = ad.B.value.arraySync() as number[][];
    const optimizer = new LoraFAOptimizer(adapters, [], { lr: 0.1, algorithm: 'sgd' });
    optimizer.zeroGrad();
    mseLoss(model.call(fixedInput), fixedTarget).backward();
    const corrected = columnsDividedBy(ad.B.grad!, [4 * 4, 1 * 4]);
    optimizer.step();
    const expected = before.map((row, i) => row.map((v, j) => v - 0.1 * corrected[i]![j]!));
    expect(relativeError((ad.B.value.arraySync() as number[][]).flat(), expected.flat())).toBeLessThan(1e-14);
  });

  it('with the correction, AdamW steps along the corrected gradient: three steps equal AdamW fed g_B (A Aᵀ)⁻¹ / s²', () => {
    // A large ε makes AdamW's step depend on the gradient's scale, so a mis-scaled correction shows.
    const options = { lr: 1e-2, eps: 0.5, weightDecay: 0.1 };
    const a = withDiagonalGram();
    const b = withDiagonalGram();
    const lorafa = new LoraFAOptimizer(a.adapters, [], options);
    const adamw = new AdamW(
      b.adapters.map((ad) => [ad.name, ad.B] as const),
      options,
    );
    for (let step = 0; step < 3; step++) {
      lorafa.zeroGrad();
      mseLoss(a.model.call(fixedInput), fixedTarget).backward();
      lorafa.step();
      adamw.zeroGrad();
      mseLoss(b.model.call(fixedInput), fixedTarget).backward();
      const first = b.adapters[0]!;
      first.B.grad = T.tensor(columnsDividedBy(first.B.grad!, [16, 4]), { dtype: 'float64' });
      const second = b.adapters[1]!;
      second.B.grad = correctB(second.B.grad!, second.A.value, second.scaling);
      adamw.step();
    }
    a.adapters.forEach((ad, i) =>
      expect(relativeError(ad.B.value.dataSync(), b.adapters[i]!.B.value.dataSync())).toBeLessThan(1e-12),
    );
  });

  it('SGD with weight decay: p ← p (1 − lr λ) − lr g̃ (hand-computed)', () => {
    const { adapters, model } = withDiagonalGram();
    const ad = adapters[0]!;
    const before = ad.B.value.arraySync() as number[][];
    const optimizer = new LoraFAOptimizer(adapters, [], { lr: 0.1, algorithm: 'sgd', weightDecay: 0.5 });
    optimizer.zeroGrad();
    mseLoss(model.call(fixedInput), fixedTarget).backward();
    const corrected = columnsDividedBy(ad.B.grad!, [16, 4]);
    optimizer.step();
    const expected = before.map((row, i) => row.map((v, j) => v * (1 - 0.1 * 0.5) - 0.1 * corrected[i]![j]!));
    expect(relativeError((ad.B.value.arraySync() as number[][]).flat(), expected.flat())).toBeLessThan(1e-14);
  });

  it("peftCompatible: PEFT's first step, worked out by hand (pinv(AAᵀ + 1e-8 I), ε = 1e-6 on √v, bias correction in the step size, decay after)", () => {
    const { adapters, model } = withDiagonalGram();
    const ad = adapters[0]!;
    const before = ad.B.value.arraySync() as number[][];
    const [lr, beta1, beta2, decay] = [1e-2, 0.9, 0.999, 0.1];
    const optimizer = new LoraFAOptimizer(adapters, [], { lr, weightDecay: decay, peftCompatible: true });
    optimizer.zeroGrad();
    mseLoss(model.call(fixedInput), fixedTarget).backward();
    // g̃ = g_B (AAᵀ + 1e-8 I)⁻¹ / s² with AAᵀ = diag(4, 1) and s = 2.
    const corrected = columnsDividedBy(ad.B.grad!, [(4 + 1e-8) * 4, (1 + 1e-8) * 4]);
    optimizer.step();
    // Step 1: m = (1 − β₁) g̃, v = (1 − β₂) g̃², step size lr √(1 − β₂) / (1 − β₁).
    const stepSize = (lr * Math.sqrt(1 - beta2)) / (1 - beta1);
    const expected = before.map((row, i) =>
      row.map((p, j) => {
        const g = corrected[i]![j]!;
        const updated = p - (stepSize * (1 - beta1) * g) / (Math.sqrt((1 - beta2) * g * g) + 1e-6);
        return updated - lr * decay * updated;
      }),
    );
    expect(relativeError((ad.B.value.arraySync() as number[][]).flat(), expected.flat())).toBeLessThan(1e-12);
  });

  it("peftCompatible inverts A Aᵀ + 10⁻⁸ I (PEFT's pinv), not A Aᵀ: visible in an SGD step", () => {
    const { adapters, model } = withDiagonalGram();
    const ad = adapters[0]!;
    const before = ad.B.value.arraySync() as number[][];
    const optimizer = new LoraFAOptimizer(adapters, [], { lr: 0.1, algorithm: 'sgd', peftCompatible: true });
    optimizer.zeroGrad();
    mseLoss(model.call(fixedInput), fixedTarget).backward();
    const corrected = columnsDividedBy(ad.B.grad!, [(4 + 1e-8) * 4, (1 + 1e-8) * 4]);
    optimizer.step();
    const expected = before.map((row, i) => row.map((v, j) => v - 0.1 * corrected[i]![j]!));
    expect(relativeError((ad.B.value.arraySync() as number[][]).flat(), expected.flat())).toBeLessThan(1e-14);
  });

  it('lr can be changed between steps, and the next step uses it', () => {
    const { adapters, model } = withDiagonalGram();
    const ad = adapters[0]!;
    const optimizer = new LoraFAOptimizer(adapters, [], { lr: 0.1, algorithm: 'sgd' });
    optimizer.lr = 0.25;
    expect(optimizer.lr).toBe(0.25);
    const before = ad.B.value.arraySync() as number[][];
    optimizer.zeroGrad();
    mseLoss(model.call(fixedInput), fixedTarget).backward();
    const corrected = columnsDividedBy(ad.B.grad!, [16, 4]);
    optimizer.step();
    const expected = before.map((row, i) => row.map((v, j) => v - 0.25 * corrected[i]![j]!));
    expect(relativeError((ad.B.value.arraySync() as number[][]).flat(), expected.flat())).toBeLessThan(1e-14);
  });

  it('other parameters are trained plainly, and adapter factors passed among them are not trained twice', () => {
    const { adapters, model } = setup('lora-fa');
    const fc2 = model.getModule('fc2') as LoraLinear;
    fc2.base.bias!.requiresGrad = true;
    const others = [...model.namedParameters()].filter(([, p]) => p.requiresGrad); // both lora_B and fc2's bias
    const optimizer = new LoraFAOptimizer(adapters, others, { lr: 0.1, algorithm: 'sgd' });
    expect(optimizer.trainedNames).toEqual(['fc1.lora_B', 'fc2.lora_B', 'fc2.base.bias']);
    const bias = fc2.base.bias!.value.arraySync() as number[];
    optimizer.zeroGrad();
    mseLoss(model.call(fixedInput), fixedTarget).backward();
    const gradient = fc2.base.bias!.grad!.arraySync() as number[];
    optimizer.step();
    expect(fc2.base.bias!.value.arraySync()).toEqual(bias.map((v, i) => v - 0.1 * gradient[i]!));
  });

  it('names the layer when its Gram matrix is singular and the correction falls back to pinv', () => {
    const { adapters, model } = setup('lora-fa');
    adapters[0]!.A.assign(
      T.tensor(
        [
          [1, 2, 3, 4, 5],
          [2, 4, 6, 8, 10],
        ],
        { dtype: 'float64' },
      ),
    ); // rank 1
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const optimizer = new LoraFAOptimizer(adapters, [], { lr: 0.1, algorithm: 'sgd' });
      optimizer.zeroGrad();
      mseLoss(model.call(fixedInput), fixedTarget).backward();
      optimizer.step();
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^LoRA-FA correction for fc1: the 2x2 Gram matrix/));
      expect([...adapters[0]!.B.value.dataSync()].every(Number.isFinite)).toBe(true);
    } finally {
      warn.mockRestore();
    }
  });

  it('correctionDiagnostics reports a cosine of 1 when the gradient is zero', () => {
    const { adapters } = withDiagonalGram();
    const optimizer = new LoraFAOptimizer(adapters, [], { lr: 0.1, algorithm: 'sgd' });
    for (const ad of adapters) ad.B.grad = T.zeros(ad.B.shape, { dtype: 'float64' });
    expect(optimizer.correctionDiagnostics().map((d) => d.cosine)).toEqual([1, 1]);
  });

  it('correctionDiagnostics: the cosine between the corrected and raw SGD updates, and the exact κ of A Aᵀ', () => {
    const { adapters, model } = withDiagonalGram();
    const optimizer = new LoraFAOptimizer(adapters, [], { lr: 0.1, algorithm: 'sgd' });
    optimizer.zeroGrad();
    mseLoss(model.call(fixedInput), fixedTarget).backward();
    const raw = (adapters[0]!.B.grad!.arraySync() as number[][]).flat();
    const corrected = columnsDividedBy(adapters[0]!.B.grad!, [16, 4]).flat();
    const dot = raw.reduce((sum, v, i) => sum + v * corrected[i]!, 0);
    const norm = (v: number[]) => Math.hypot(...v);
    const [fc1, fc2] = optimizer.correctionDiagnostics();
    expect(fc1!.name).toBe('fc1.lora_B');
    expect(fc1!.cosine).toBeCloseTo(dot / (norm(raw) * norm(corrected)), 12);
    expect(fc1!.cosine).toBeLessThan(0.999);
    expect(fc1!.condition).toBeCloseTo(4, 10);
    expect(fc2!.name).toBe('fc2.lora_B');
    expect(fc2!.condition).toBeCloseTo(
      gramCondition(T.matmul(adapters[1]!.A.value, adapters[1]!.A.value.transpose())),
      8,
    );
    expect(new LoraFAOptimizer(setup('lora').adapters, [], { lr: 1 }).correctionDiagnostics()).toEqual([]);
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
