/**
 * The tape's saved-tensor accounting, checked against byte counts computed by hand. LoRA-FA's
 * memory claim is measured with this ledger, so it must be exact.
 */
import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';

/** A leaf that needs a gradient but is no model parameter, so what ops save of it counts. */
const param = (shape: number[], dtype: T.FloatDType = 'float32') =>
  A.variable(T.ones(shape, { dtype }), { requiresGrad: true });
const measure = <R>(fn: () => R) => {
  const tape = new A.Tape();
  const result = A.withTape(tape, fn);
  return { tape, result };
};

describe('saved bytes', () => {
  it('tanh saves its output: 3x4 float32 = 48 bytes', () => {
    const { tape } = measure(() => A.tanh(param([3, 4])));
    expect(tape.savedBytes().live).toBe(48);
  });

  it('matmul saves its two inputs: (2x3 + 3x5) float64 = 168 bytes', () => {
    const { tape } = measure(() => A.matmul(param([2, 3], 'float64'), param([3, 5], 'float64')));
    expect(tape.savedBytes().live).toBe((6 + 15) * 8);
  });

  it('matmul keeps only what the wanted gradients need: a frozen weight does not keep its input', () => {
    const x = () => A.variable(T.ones([4, 3])); // data: no gradient wanted
    const { tape: trainable } = measure(() => A.matmul(x(), param([3, 2]))); // dW = xᵀ g needs x
    expect(trainable.savedBytes().live).toBe(48);
    const { tape: frozen } = measure(() => A.matmul(param([4, 3]), A.variable(T.ones([3, 2])))); // dX = g Wᵀ needs W only
    expect(frozen.savedBytes().live).toBe(24);
  });

  it('matmulAdd saves what matmul saves and nothing for c', () => {
    const { tape } = measure(() =>
      A.matmulAdd(param([2, 3], 'float64'), param([3, 5], 'float64'), param([5], 'float64')),
    );
    expect(tape.savedBytes().live).toBe((6 + 15) * 8);
    const x = () => A.variable(T.ones([4, 3]));
    const { tape: frozen } = measure(() => A.matmulAdd(param([4, 3]), A.variable(T.ones([3, 2])), param([2])));
    expect(frozen.savedBytes().live).toBe(24); // W only (for dX); the bias's gradient is G itself
    const { tape: data } = measure(() => A.matmulAdd(x(), param([3, 2]), param([2])));
    expect(data.savedBytes().live).toBe(48); // x only (for dW)
  });

  it('add saves nothing; exp saves only its output', () => {
    const { tape } = measure(() => A.exp(A.add(param([10]), param([10]))));
    expect(tape.savedBytes().live).toBe(40);
  });

  it('a custom op that saves one tensor counts exactly that tensor', () => {
    const scaleByFirst = A.customOp({
      name: 'scaleByFirst',
      forward(ctx, x, y) {
        const h = T.mul(x, 2); // 7 float32 = 28 bytes
        ctx.save(h);
        return T.mul(h, y);
      },
      backward: (ctx, g) => [T.mul(g, 2), T.mul(g, ctx.saved[0]!)],
    });
    const { tape } = measure(() => scaleByFirst(param([7]), param([7])));
    expect(tape.savedBytes().live).toBe(28);
  });

  it('a tensor saved twice counts once (same op, and two ops sharing an input)', () => {
    const { tape: square } = measure(() => {
      const x = param([5]);
      return A.mul(x, x); // mul saves a and b: the same storage
    });
    expect(square.savedBytes().live).toBe(20);
    const { tape: shared } = measure(() => {
      const x = param([4, 4]);
      return [A.log(x), A.abs(x)]; // both save x
    });
    expect(shared.savedBytes().live).toBe(64);
  });

  it('a view counts the whole storage it keeps alive', () => {
    const { tape } = measure(() => {
      const big = param([10, 10]);
      return A.log(A.slice(big, [{ start: 0, stop: 1 }]));
    });
    // The slice is a view of big's 100 floats; log saves that view, which keeps all 400 bytes.
    expect(tape.savedBytes().live).toBe(400);
  });

  it('backward releases saved tensors: live drops to 0, peak remembers the maximum', () => {
    const tape = new A.Tape();
    const x = param([8]);
    const y = A.withTape(tape, () => A.sum(A.tanh(A.exp(x))));
    expect(tape.savedBytes()).toMatchObject({ live: 64, peak: 64 });
    y.backward();
    expect(tape.savedBytes()).toMatchObject({ live: 0, peak: 64 });
    tape.resetPeak();
    expect(tape.savedBytes().peak).toBe(0);
  });

  it('charges bytes to the named scope (module path) that saved them', () => {
    const tape = new A.Tape();
    A.withTape(tape, () => {
      const x = param([2, 3]);
      const h = tape.scope('encoder', () => tape.scope('fc1', () => A.tanh(x))); // 24 bytes
      tape.scope('head', () => A.matmul(h, param([3, 1]))); // h already saved by tanh; +12 for the weight
    });
    const report = tape.savedBytes();
    expect(report.live).toBe(36);
    expect(report.scopes['encoder.fc1']).toEqual({ live: 24, peak: 24 });
    expect(report.scopes['head']).toEqual({ live: 12, peak: 12 });
  });

  it('reports saved parameter storages apart from activations', () => {
    const { tape } = measure(() => {
      const x = param([4, 3]); // an activation that needs a gradient
      const w = A.parameter(T.ones([2, 3]), 'w'); // 24 bytes, trainable
      const frozen = A.parameter(T.ones([2, 2]), 'frozen', { trainable: false }); // 16 bytes
      return A.matmul(A.matmul(x, A.transpose(w)), frozen);
    });
    // x wᵀ saves x (for dw) and w (for dx); h·frozen saves frozen (for dh) but not h, since the
    // frozen weight wants no gradient. Activations: x (48); parameters: w (24) + frozen (16).
    expect(tape.savedBytes()).toMatchObject({ live: 48, parameters: 40 });
  });

  it('multiplying or dividing by a number saves nothing; a scalar exponent saves the base', () => {
    const { tape } = measure(() => A.pow(A.div(A.mul(param([6]), 3), 2), 2));
    expect(tape.savedBytes().live).toBe(24); // the base of pow only
  });

  it.each(['none', 'tanh'] as const)('gelu (%s) saves its input alone: 3x4 float32 = 48 bytes', (approximate) => {
    const { tape } = measure(() => A.gelu(param([3, 4]), approximate));
    expect(tape.savedBytes()).toMatchObject({ live: 48, parameters: 0 });
  });

  it('layerNorm saves x̂ and one rstd per row for dx, x̂ alone for dγ, nothing for dβ', () => {
    const weight = (trainable: boolean) => A.parameter(T.ones([4]), 'weight', { trainable }); // 16 bytes
    const bias = (trainable: boolean) => A.parameter(T.zeros([4]), 'bias', { trainable });
    const frozenX = () => A.variable(T.ones([2, 3, 4]));
    // x [2, 3, 4]: x̂ is 24 float32 (96 bytes), rstd 6 (24 bytes); γ is saved for dx, as a parameter.
    const { tape: all } = measure(() => A.layerNorm(param([2, 3, 4]), weight(true), bias(true)));
    expect(all.savedBytes()).toMatchObject({ live: 96 + 24, parameters: 16 });
    const { tape: frozenAffine } = measure(() => A.layerNorm(param([2, 3, 4]), weight(false), bias(false)));
    expect(frozenAffine.savedBytes()).toMatchObject({ live: 96 + 24, parameters: 16 });
    const { tape: weights } = measure(() => A.layerNorm(frozenX(), weight(true), bias(true)));
    expect(weights.savedBytes()).toMatchObject({ live: 96, parameters: 0 });
    const { tape: biasOnly } = measure(() => A.layerNorm(frozenX(), weight(false), bias(true)));
    expect(biasOnly.savedBytes()).toMatchObject({ live: 0, parameters: 0 });
  });

  it('softmaxCrossEntropy saves logits, targets, each row max and log-sum: 140 + 20 + 2·20 bytes', () => {
    const targets = T.tensor([0, 6, -100, 3, 2], { dtype: 'int32' });
    const { tape } = measure(() => A.softmaxCrossEntropy(param([5, 7]), targets));
    expect(tape.savedBytes()).toMatchObject({ live: 5 * 7 * 4 + 5 * 4 + 2 * 5 * 4, parameters: 0 });
  });

  it('records nothing under noGrad or when no input needs a gradient', () => {
    const { tape } = measure(() => {
      A.noGrad(() => A.tanh(param([100])));
      A.tanh(A.variable(T.ones([100])));
    });
    expect(tape.savedBytes().live).toBe(0);
  });
});
