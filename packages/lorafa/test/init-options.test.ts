/**
 * The orthogonal, mixed and PiSSA inits of A (Section 6.5, Tables 5 and 12): what each draws,
 * checked exactly where the math is exact.
 */
import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { GPT2, Linear } from '@lorafa/nn';
import type { GPT2Config } from '@lorafa/nn';
import {
  initialFactors,
  injectLora,
  isDownProjection,
  LORA_INITS,
  LoraLinear,
  pissaFactors,
  randomFactor,
} from '@lorafa/lorafa';
import { relativeError } from '../../../test/support/matchers.js';

const f64 = { dtype: 'float64' as const };
const gram = (a: T.Tensor) => T.matmul(a, a.transpose());

describe('orthogonal init', () => {
  it('A Aᵀ = (in/r²) I exactly (wide A), and Bᵀ B = (out/r²) I for a tall factor', () => {
    for (const [r, n] of [
      [1, 5],
      [3, 7],
      [4, 4],
    ] as const) {
      const a = randomFactor([r, n], 'orthogonal', r, { ...f64, rng: new T.Rng(r + n) });
      const expected = T.mul(T.eye(r, r, f64), n / r ** 2);
      expect(relativeError(gram(a).dataSync(), expected.dataSync())).toBeLessThan(1e-13);
    }
    const b = randomFactor([9, 3], 'orthogonal', 3, { ...f64, rng: new T.Rng(1) });
    const bGram = T.matmul(b.transpose(), b);
    expect(relativeError(bGram.dataSync(), T.mul(T.eye(3, 3, f64), 9 / 9).dataSync())).toBeLessThan(1e-13);
  });

  it('differs with the seed and is reproducible with it', () => {
    const draw = (seed: number) => randomFactor([2, 6], 'orthogonal', 2, { ...f64, rng: new T.Rng(seed) }).dataSync();
    expect(draw(4)).toEqual(draw(4));
    expect(draw(4)).not.toEqual(draw(5));
  });
});

describe('mixed init ("Uniform + D Gaussian")', () => {
  it('draws Gaussian A on the MLP down-projection and uniform A elsewhere, with the same generator', () => {
    expect(isDownProjection('transformer.h.0.mlp.c_proj')).toBe(true);
    expect(isDownProjection('model.layers.3.mlp.down_proj')).toBe(true);
    expect(isDownProjection('transformer.h.0.attn.c_proj')).toBe(false);
    expect(isDownProjection('transformer.h.0.mlp.c_fc')).toBe(false);
    const shape = { inFeatures: 6, outFeatures: 4, rank: 2 };
    const a = (modulePath: string) =>
      initialFactors('lora-fa', shape, 'mixed', { ...f64, rng: new T.Rng(2), modulePath }).A.dataSync();
    const drawn = (init: 'gaussian' | 'uniform') =>
      randomFactor([2, 6], init, 2, { ...f64, rng: new T.Rng(2) }).dataSync();
    expect(a('transformer.h.1.mlp.c_proj')).toEqual(drawn('gaussian'));
    expect(a('transformer.h.1.attn.c_attn')).toEqual(drawn('uniform'));
  });
});

describe('PiSSA init', () => {
  const weight = T.randn([5, 7], { ...f64, rng: new T.Rng(8) });

  it('A = √S Vᵀ and B = U √S of the top-r triplets: A Aᵀ = Bᵀ B = S_r, W0 − s B A + s B A = W0', () => {
    const { A: a, B: b, residualWeight } = pissaFactors(weight, 3, 0.5);
    const { s } = T.linalg.svd(weight);
    const top = T.mul(T.eye(3, 3, f64), s.slice([{ stop: 3 }]).reshape([1, 3]));
    expect(relativeError(gram(a).dataSync(), top.dataSync())).toBeLessThan(1e-12);
    expect(relativeError(T.matmul(b.transpose(), b).dataSync(), top.dataSync())).toBeLessThan(1e-12);
    const rebuilt = T.add(residualWeight, T.mul(T.matmul(b, a), 0.5));
    expect(relativeError(rebuilt.dataSync(), weight.dataSync())).toBeLessThan(1e-13);
    // With s = 1 the residual holds only the singular values past r: its largest is σ_{r+1}.
    const residualTop = T.linalg.svd(pissaFactors(weight, 3, 1).residualWeight).s.dataSync()[0]!;
    expect(Math.abs(residualTop - s.dataSync()[3]!)).toBeLessThan(1e-12);
    expect(() => pissaFactors(weight, 6, 1)).toThrow(/rank 6 exceeds min\(out, in\) = 5/);
  });

  it('a LoRA-FA layer starts with the base output unchanged and A frozen', () => {
    const base = new Linear(7, 5, { ...f64, rng: new T.Rng(3) });
    const x = T.randn([2, 7], { ...f64, rng: new T.Rng(4) });
    const before = base.call(A.variable(x)).value.dataSync();
    const layer = new LoraLinear(base, { method: 'lora-fa', rank: 2, alpha: 4, init: 'pissa', name: 'layer' });
    expect(relativeError(layer.call(A.variable(x)).value.dataSync(), before)).toBeLessThan(1e-13);
    expect(layer.adapter!.A.requiresGrad).toBe(false);
    expect(layer.adapter!.B.requiresGrad).toBe(true);
    expect(T.max(T.abs(layer.adapter!.B.value)).item()).toBeGreaterThan(0); // B starts non-zero, unlike the other inits
  });

  it('a GPT-2 injected with every new init gives the base logits at the start', () => {
    const config: GPT2Config = {
      vocab_size: 13,
      n_positions: 8,
      n_embd: 8,
      n_layer: 1,
      n_head: 2,
      layer_norm_epsilon: 1e-5,
      activation_function: 'gelu_new',
    };
    const ids = T.tensor([[1, 4, 7, 2]], { dtype: 'int32' });
    const logits = (model: GPT2) => A.noGrad(() => model.call(ids)).value.dataSync();
    const expected = logits(new GPT2(config, { seed: 1, dtype: 'float64' }));
    for (const init of ['orthogonal', 'mixed', 'pissa'] as const) {
      const model = new GPT2(config, { seed: 1, dtype: 'float64' });
      injectLora(model, { method: 'lora-fa', rank: 2, alpha: 4, init, targets: ['c_attn', 'c_proj', 'c_fc'] });
      expect(relativeError(logits(model), expected)).toBeLessThan(1e-12);
    }
  });

  it('is listed among the inits, and refused without W0', () => {
    expect(LORA_INITS).toEqual(expect.arrayContaining(['orthogonal', 'mixed', 'pissa']));
    expect(() =>
      initialFactors('lora-fa', { inFeatures: 4, outFeatures: 4, rank: 1 }, 'pissa', { dtype: 'float64' }),
    ).toThrow(/pissa init: needs the base weight W0/);
  });
});
