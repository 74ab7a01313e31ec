import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { GramSolver, loraFaLinear, savedBytesPerLinear } from '@lorafa/lorafa';
import type { GpuBackend } from '@lorafa/gpu';

/**
 * The fused LoRA-FA kernels of the gpu backend against the LoRA-FA op composed on the cpu
 * specification: Y, H's saved bytes, dX, dB (raw and corrected, Theorem 4.1) and db, on random
 * sizes, leading dimensions and bias on or off. Tolerance: normwise, max|Δ| ≤ 1e-5 · max|want|
 * (float32 products of length ≤ 48 accumulate ≤ √k·ε relative error, with margin).
 */
const caseArb = fc
  .record({
    lead: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }),
    inFeatures: fc.integer({ min: 1, max: 12 }),
    outFeatures: fc.integer({ min: 1, max: 12 }),
    rank: fc.integer({ min: 1, max: 4 }),
    bias: fc.boolean(),
    corrected: fc.boolean(),
    scaling: fc.constantFrom(0.5, 2, 16),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  })
  .filter((c) => c.rank <= c.inFeatures); // A has full row rank, so A Aᵀ is invertible
type Case = typeof caseArb extends fc.Arbitrary<infer C> ? C : never;

interface Outcome {
  y: T.Tensor;
  savedBytes: number;
  gradients: (T.Tensor | null)[];
}

function layerOn(c: Case, backend: string): Outcome {
  const rng = new T.Rng(c.seed);
  const on = { rng, dtype: 'float32' as const, backend };
  const x = A.parameter(T.randn([...c.lead, c.inFeatures], on));
  const w0 = A.parameter(T.randn([c.outFeatures, c.inFeatures], on), 'W0', { trainable: false });
  const a = A.parameter(T.randn([c.rank, c.inFeatures], on), 'A', { trainable: false });
  const b = A.parameter(T.randn([c.outFeatures, c.rank], on));
  const bias = c.bias ? A.parameter(T.randn([c.outFeatures], on)) : null;
  const upstream = T.randn([...c.lead, c.outFeatures], on);
  // M = (A Aᵀ)⁻¹, computed on the host in float64 from the same A (as LoraFAOptimizer does).
  const m = c.corrected ? T.cast(GramSolver.forRows(layerInputA(c)).inverseMatrix(), 'float32') : null;
  const inverseGram = m ? T.fromFlat(m.dataSync(), m.shape, { dtype: 'float32', backend }) : null;
  const tape = new A.Tape();
  const y = A.withTape(tape, () => loraFaLinear(x, w0, a, b, bias, c.scaling, inverseGram));
  const savedBytes = tape.savedBytes().live;
  A.sum(A.mul(y, new A.Variable(upstream))).backward();
  return { y: y.value, savedBytes, gradients: [x.grad, b.grad, bias?.grad ?? null] };
}

/** The same A as layerOn draws (the third tensor from the same seed), on the host's default backend. */
function layerInputA(c: Case): T.Tensor {
  const rng = new T.Rng(c.seed);
  const on = { rng, dtype: 'float32' as const, backend: T.getBackend().name };
  T.randn([...c.lead, c.inFeatures], on);
  T.randn([c.outFeatures, c.inFeatures], on);
  return T.randn([c.rank, c.inFeatures], on);
}

async function expectClose(got: T.Tensor, want: T.Tensor, what: string): Promise<void> {
  expect(got.shape, what).toEqual(want.shape);
  const [g, w] = [await got.data(), want.dataSync()];
  const scale = Math.max(...Array.from(w, Math.abs), 1e-30);
  const error = Math.max(0, ...Array.from(w, (v, i) => Math.abs(g[i]! - v)));
  if (!(error <= 1e-5 * scale)) throw new Error(`${what}: max|Δ| ${error} > 1e-5 · ${scale}`);
}

export function fusedLoraFaSuite(backend: () => GpuBackend, numRuns: number): void {
  describe(`fused LoRA-FA kernels on ${'gpu'}`, () => {
    it('the backend offers them', () => expect(backend().loraFa).toBeDefined());

    it('match the composed op: Y, dX, dB (raw and corrected), db; the ledger sees H alone', async () => {
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          // float32 inputs to M = (A Aᵀ)⁻¹ amplify rounding by κ; compare where κ is moderate.
          fc.pre(!c.corrected || GramSolver.forRows(layerInputA(c)).condition < 1e3);
          const [got, want] = [layerOn(c, backend().name), layerOn(c, 'cpu')];
          const tokens = c.lead.reduce((p, d) => p * d, 1);
          const hBytes = savedBytesPerLinear('lora-fa', { tokens, inFeatures: c.inFeatures, rank: c.rank, bytes: 4 });
          expect(got.savedBytes).toBe(hBytes);
          expect(want.savedBytes).toBe(hBytes);
          await expectClose(got.y, want.y, 'Y');
          const names = ['dX', 'dB', 'db'];
          for (let i = 0; i < 3; i++) {
            if (want.gradients[i] === null) expect(got.gradients[i]).toBeNull();
            else await expectClose(got.gradients[i]!, want.gradients[i]!, names[i]!);
          }
        }),
        { numRuns },
      );
    });
  });
}
