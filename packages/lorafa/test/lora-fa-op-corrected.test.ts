import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { correctB, GramSolver, loraFaLinear } from '@lorafa/lorafa';

/**
 * The LoRA-FA op's corrected-gradient mode (used where the backend fuses the correction into
 * backward): with M = (A Aᵀ)⁻¹ passed in, B's gradient is Gᵀ (H M) / s, which must equal
 * Theorem 4.1's correctB applied to the raw gradient s Gᵀ H — and Y, dX and db are unchanged.
 */
describe('loraFaLinear with the correction fused into backward', () => {
  it('yields correctB(raw dB) for B and leaves Y, dX, db as they were (float64)', () => {
    const arb = fc.record({
      lead: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }),
      inFeatures: fc.integer({ min: 2, max: 8 }),
      outFeatures: fc.integer({ min: 1, max: 6 }),
      rank: fc.integer({ min: 1, max: 2 }),
      bias: fc.boolean(),
      scaling: fc.constantFrom(0.5, 2),
      seed: fc.nat(),
    });
    fc.assert(
      fc.property(arb, (c) => {
        const rng = new T.Rng(c.seed);
        const on = { rng, dtype: 'float64' as const };
        const xValue = T.randn([...c.lead, c.inFeatures], on);
        const w0 = A.parameter(T.randn([c.outFeatures, c.inFeatures], on), 'W0', { trainable: false });
        const a = A.parameter(T.randn([c.rank, c.inFeatures], on), 'A', { trainable: false });
        const bValue = T.randn([c.outFeatures, c.rank], on);
        const biasValue = c.bias ? T.randn([c.outFeatures], on) : null;
        const upstream = T.randn([...c.lead, c.outFeatures], on);
        const solver = GramSolver.forRows(a.value);
        fc.pre(solver.condition < 1e6);
        const run = (inverseGram: T.Tensor | null) => {
          const x = A.parameter(xValue);
          const b = A.parameter(bValue);
          const bias = biasValue ? A.parameter(biasValue) : null;
          const y = loraFaLinear(x, w0, a, b, bias, c.scaling, inverseGram);
          A.sum(A.mul(y, new A.Variable(upstream))).backward();
          return { y: y.value, dX: x.grad!, dB: b.grad!, db: bias?.grad ?? null };
        };
        const raw = run(null);
        const fused = run(solver.inverseMatrix());
        const close = (got: T.Tensor, want: T.Tensor) => {
          const [g, w] = [got.dataSync(), want.dataSync()];
          const scale = Math.max(1, ...Array.from(w, Math.abs));
          w.forEach((v, i) => expect(Math.abs(g[i]! - v)).toBeLessThan(1e-9 * scale));
        };
        close(fused.y, raw.y);
        close(fused.dX, raw.dX);
        if (raw.db) close(fused.db!, raw.db);
        close(fused.dB, correctB(raw.dB, a.value, c.scaling));
        // and it is not the raw gradient (unless M happens to be I·s², which random A never gives)
        expect(Math.max(...Array.from(T.sub(fused.dB, raw.dB).dataSync(), Math.abs))).toBeGreaterThan(0);
      }),
      { numRuns: 60 },
    );
  });
});

describe('correctB on a host backend other than the default', () => {
  it('keeps every operand on the Gram matrix’s backend', () => {
    const previous = T.setBackend('cpu-fast');
    try {
      const a = T.tensor(
        [
          [1, 0],
          [0, 0.5],
        ],
        { dtype: 'float64', backend: 'cpu' },
      );
      const corrected = correctB(T.tensor([[1, 0.6]], { dtype: 'float64', backend: 'cpu' }), a, 1);
      expect(Array.from(corrected.dataSync())).toEqual([1, 2.4]); // g (A Aᵀ)⁻¹ = [1, 0.6 / 0.25]
    } finally {
      T.setBackend(previous.name);
    }
  });
});
