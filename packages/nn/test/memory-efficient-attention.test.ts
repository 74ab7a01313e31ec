/**
 * The memory-efficient attention op against attention composed from primitives: values and
 * gradients in float64 for random shapes and block sizes, causal and not; gradcheck against
 * finite differences; the exact bytes it saves; GPT-2 with either attention.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import { causalLmLoss, GPT2, memoryEfficientAttention, validateGpt2Config } from '@lorafa/nn';
import type { GPT2Config } from '@lorafa/nn';
import { randomTensor, seedArb } from '../../../test/support/arbitraries.js';
import { relativeError } from '../../../test/support/matchers.js';

/** softmax(q kᵀ/√d, future at −∞ when causal) v, from primitives (the reference). */
function composedAttention(q: Variable, k: Variable, v: Variable, causal: boolean): Variable {
  const scores = A.div(A.matmul(q, A.transpose(k)), Math.sqrt(q.shape[3]!));
  if (!causal) return A.matmul(A.softmax(scores, -1), v);
  const positions = T.arange(0, q.shape[2]!, 1, { dtype: 'int32' });
  const future = T.greater(positions.reshape([1, -1]), positions.reshape([-1, 1]));
  return A.matmul(A.softmax(A.where(future, -Infinity, scores), -1), v);
}

const caseArb = fc
  .record({
    batch: fc.integer({ min: 1, max: 2 }),
    heads: fc.integer({ min: 1, max: 3 }),
    queries: fc.integer({ min: 1, max: 9 }),
    keys: fc.integer({ min: 1, max: 9 }),
    headDim: fc.integer({ min: 1, max: 4 }),
    blockSize: fc.integer({ min: 1, max: 10 }),
    causal: fc.boolean(),
    seed: seedArb,
  })
  .map((c) => (c.causal ? { ...c, keys: c.queries } : c));

type Case = typeof caseArb extends fc.Arbitrary<infer C> ? C : never;

function inputs(c: Case): T.Tensor[] {
  const q = randomTensor([c.batch, c.heads, c.queries, c.headDim], c.seed);
  const k = randomTensor([c.batch, c.heads, c.keys, c.headDim], c.seed + 1);
  const v = randomTensor([c.batch, c.heads, c.keys, c.headDim], c.seed + 2);
  return [q, k, v];
}

/** Output and the gradients of Σ w ∘ output (w random) with respect to q, k, v. */
function valueAndGradients(attention: (q: Variable, k: Variable, v: Variable) => Variable, values: T.Tensor[]) {
  const [q, k, v] = values.map((t) => A.variable(t, { requiresGrad: true })) as [Variable, Variable, Variable];
  const output = attention(q, k, v);
  const weights = randomTensor(output.shape, 99);
  A.sum(A.mul(output, weights)).backward();
  return [output.value, q.grad!, k.grad!, v.grad!].map((t) => t.dataSync());
}

describe('memoryEfficientAttention', () => {
  it('equals composed attention, values and gradients (float64, random shapes and blocks, causal and not)', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const values = inputs(c);
        const got = valueAndGradients(
          (q, k, v) => memoryEfficientAttention(q, k, v, { causal: c.causal, blockSize: c.blockSize }),
          values,
        );
        const want = valueAndGradients((q, k, v) => composedAttention(q, k, v, c.causal), values);
        for (let i = 0; i < 4; i++) expect(relativeError(got[i]!, want[i]!)).toBeLessThan(1e-12);
      }),
      { numRuns: 80 },
    );
  });

  it.each([true, false])('passes gradcheck against finite differences (causal %s)', (causal) => {
    const c: Case = { batch: 1, heads: 2, queries: 4, keys: 4, headDim: 2, blockSize: 3, causal, seed: 7 };
    const error = A.gradcheck((q, k, v) => memoryEfficientAttention(q, k, v, { causal, blockSize: 3 }), inputs(c));
    expect(error).toBeLessThan(1e-8);
  });

  it('saves exactly q, k, v, the output and one log-sum-exp per row — no seq x seq tensor', () => {
    for (const [seq, blockSize] of [
      [16, 4],
      [13, 5],
      [32, 64],
    ] as const) {
      const [batch, heads, headDim] = [2, 3, 4];
      const make = (seed: number) =>
        A.variable(randomTensor([batch, heads, seq, headDim], seed, { dtype: 'float32' }), { requiresGrad: true });
      const [q, k, v] = [make(1), make(2), make(3)];
      const tape = new A.Tape();
      const output = A.withTape(tape, () => memoryEfficientAttention(q, k, v, { causal: true, blockSize }));
      const rows = batch * heads * seq;
      expect(tape.savedBytes().live).toBe((4 * rows * headDim + rows) * 4);
      A.sum(output).backward();
      expect(tape.savedBytes().live).toBe(0);
      expect(tape.savedBytes().peak).toBe((4 * rows * headDim + rows) * 4);
    }
  });

  it('names bad shapes and block sizes', () => {
    const t = (shape: number[]) => A.variable(T.zeros(shape));
    const [q, k] = [t([1, 2, 3, 4]), t([1, 2, 5, 4])];
    expect(() => memoryEfficientAttention(q, k, k, { causal: true })).toThrow(/causal attention needs as many queries/);
    expect(() => memoryEfficientAttention(q, t([1, 2, 5, 3]), k, { causal: false })).toThrow(/q, k, v disagree/);
    expect(() => memoryEfficientAttention(t([2, 3, 4]), k, k, { causal: false })).toThrow(/\[batch, heads, seq, d\]/);
    expect(() => memoryEfficientAttention(q, q, q, { causal: true, blockSize: 0 })).toThrow(/blockSize must be/);
    expect(() => memoryEfficientAttention(q, t([1, 2, 0, 4]), t([1, 2, 0, 4]), { causal: false })).toThrow(/no keys/);
  });
});

describe("GPT-2 with attention: 'memory-efficient'", () => {
  const config: GPT2Config = {
    vocab_size: 11,
    n_positions: 16,
    n_embd: 12,
    n_layer: 2,
    n_head: 3,
    layer_norm_epsilon: 1e-5,
    activation_function: 'gelu_new',
  };
  const ids = T.tensor(
    [
      [1, 5, 9, 2, 7, 3, 0, 4, 8, 6],
      [4, 4, 8, 0, 1, 2, 10, 3, 5, 9],
    ],
    { dtype: 'int32' },
  );

  function lossAndGradients(attention: GPT2Config['attention']) {
    const model = new GPT2({ ...config, attention }, { seed: 5, dtype: 'float64' });
    const tape = new A.Tape();
    const loss = A.withTape(tape, () => causalLmLoss(model.call(ids), ids));
    const saved = tape.savedBytes().live;
    loss.backward();
    return { loss: loss.item(), saved, grads: model.parameters().map((p) => p.grad!.dataSync()) };
  }

  it('gives the same loss and parameter gradients as the standard attention, and saves no seq x seq tensor', () => {
    const standard = lossAndGradients('standard');
    const efficient = lossAndGradients('memory-efficient');
    expect(Math.abs(efficient.loss - standard.loss)).toBeLessThan(1e-12);
    standard.grads.forEach((g, i) => expect(relativeError(efficient.grads[i]!, g)).toBeLessThan(1e-10));
    // Per block, standard saves the weights (batch·heads·T² floats, its fused softmax's only
    // tensor); memory-efficient saves the output (N·d) and a log-sum-exp per row (batch·heads·T)
    // instead. T = 10, N = 20, d = 12, 3 heads, float64.
    const perBlock = 2 * 3 * 10 * 10 * 8 - 20 * 12 * 8 - 2 * 3 * 10 * 8;
    expect(standard.saved - efficient.saved).toBe(2 * perBlock);
  });
});

describe('the attention field of a GPT-2 config', () => {
  const base = { vocab_size: 11, n_positions: 16, n_embd: 12, n_layer: 2, n_head: 3 };
  it("is optional ('standard'), accepts 'memory-efficient' and names anything else", () => {
    expect(validateGpt2Config(base, 'c.json').attention).toBeUndefined();
    expect(validateGpt2Config({ ...base, attention: 'memory-efficient' }, 'c.json').attention).toBe('memory-efficient');
    expect(() => validateGpt2Config({ ...base, attention: 'flash' }, 'c.json')).toThrow(
      /c.json: attention "flash" is not supported \(supported: standard, memory-efficient\)/,
    );
  });
});
