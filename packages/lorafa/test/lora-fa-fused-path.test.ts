/**
 * loraFaLinear's fused path: on a backend that offers LoRA-FA kernels (`backend.loraFa`, the gpu
 * backend's), the op hands forward, dX and dB to them and only reshapes their results. Here a
 * CPU backend gets reference kernels composed from tensor ops, so the property isolates what
 * the op does around the kernels: flattening the leading dimensions, restoring them on H, Y
 * and dX, saving H, and passing the scaling and (A Aᵀ)⁻¹ through. Both paths must agree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { loraFaLinear } from '@lorafa/lorafa';
import { seedArb } from '../../../test/support/arbitraries.js';
import { relativeError } from '../../../test/support/matchers.js';

const tensorOf = (v: T.View) => new T.Tensor(v.storage, v.shape, v.strides, v.offset);
const storageOf = (t: T.Tensor) => t.contiguous().storage;

/** Reference kernels, the CPU specification of what a fused backend computes (2-D views). */
const calls = { forward: 0, inputGradient: 0, weightGradient: 0 };
const referenceKernels: T.LoraFaKernels = {
  forward(x, w0, a, b, bias, scaling) {
    calls.forward++;
    const h = T.matmul(tensorOf(x), tensorOf(a).transpose());
    let y = T.add(
      T.matmul(tensorOf(x), tensorOf(w0).transpose()),
      T.mul(T.matmul(h, tensorOf(b).transpose()), scaling),
    );
    if (bias) y = T.add(y, tensorOf(bias));
    return { h: storageOf(h), y: storageOf(y) };
  },
  inputGradient(g, w0, a, b, scaling) {
    calls.inputGradient++;
    const [gt, bt] = [tensorOf(g), tensorOf(b)];
    return storageOf(T.add(T.matmul(gt, tensorOf(w0)), T.mul(T.matmul(T.matmul(gt, bt), tensorOf(a)), scaling)));
  },
  weightGradient(g, h, scaling, inverseGram) {
    calls.weightGradient++;
    const raw = T.mul(T.matmul(tensorOf(g).transpose(), tensorOf(h)), scaling);
    return storageOf(inverseGram ? T.div(T.matmul(raw, tensorOf(inverseGram)), scaling * scaling) : raw);
  },
};

const FUSED = 'cpu-with-lora-fa-kernels';
let previous: T.Backend;
beforeAll(() => {
  T.registerBackend(Object.assign(T.createCpuBackend(FUSED), { loraFa: referenceKernels }));
  previous = T.getBackend();
});
afterAll(() => {
  T.setBackend(previous.name);
});

const caseArb = fc.record({
  leading: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
  extra: fc.integer({ min: 0, max: 4 }), // in = r + extra ≥ r, so A Aᵀ is invertible
  outFeatures: fc.integer({ min: 1, max: 5 }),
  r: fc.integer({ min: 1, max: 3 }),
  bias: fc.boolean(),
  corrected: fc.boolean(),
  seed: seedArb,
});

type Case = typeof caseArb extends fc.Arbitrary<infer C> ? C : never;

/** Y, dX, dB (and db) of one loraFaLinear call on `backend`; the loss is Σ C ⊙ Y. */
function run(backend: string, c: Case) {
  const before = T.setBackend(backend);
  try {
    const rng = new T.Rng(c.seed);
    const f64 = { dtype: 'float64' as const, rng };
    const inFeatures = c.r + c.extra;
    const x = A.parameter(T.randn([...c.leading, inFeatures], f64));
    const w0 = A.variable(T.randn([c.outFeatures, inFeatures], f64));
    const a = A.variable(T.randn([c.r, inFeatures], f64));
    const b = A.parameter(T.randn([c.outFeatures, c.r], f64));
    const bias = c.bias ? A.parameter(T.randn([c.outFeatures], f64)) : null;
    const weights = A.variable(T.randn([...c.leading, c.outFeatures], f64));
    const inverseGram = c.corrected ? T.linalg.spdInverse(T.matmul(a.value, a.value.transpose())) : null;
    const y = loraFaLinear(x, w0, a, b, bias, 0.7, inverseGram);
    A.sum(A.mul(y, weights)).backward();
    const read = (t: T.Tensor | null | undefined) => (t ? { shape: t.shape, data: Array.from(t.dataSync()) } : null);
    return { y: read(y.value), dX: read(x.grad), dB: read(b.grad), db: read(bias?.grad) };
  } finally {
    T.setBackend(before.name);
  }
}

describe('loraFaLinear on a backend with fused LoRA-FA kernels', () => {
  it('gives the composed path’s Y, dX, dB (raw or corrected) and db, with every leading dimension restored', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const before = { ...calls };
        const fused = run(FUSED, c);
        expect(calls).toEqual({
          forward: before.forward + 1,
          inputGradient: before.inputGradient + 1,
          weightGradient: before.weightGradient + 1,
        });
        const composed = run(previous.name, c);
        expect(calls.forward).toBe(before.forward + 1); // the other backend has no kernels
        for (const key of ['y', 'dX', 'dB', 'db'] as const) {
          expect(fused[key]?.shape).toEqual(composed[key]?.shape);
          if (composed[key]) expect(relativeError(fused[key]!.data, composed[key]!.data)).toBeLessThan(1e-12);
        }
      }),
      { numRuns: 40 },
    );
  });
});
