/**
 * The saved-bytes chart's kinds, measured on the tape (savedBytesByKind), equal the memory
 * model's breakdown (gpt2SavedActivations) term by term, for random small GPT-2 shapes, every
 * method, ranks, numbers of adapted blocks and both attentions; nothing is left unnamed.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { causalLmLoss, GPT2 } from '@lorafa/nn';
import type { AttentionKind } from '@lorafa/lorafa';
import { gpt2SavedActivations, gpt2Spec, injectLora, LORA_METHODS } from '@lorafa/lorafa';
import { SAVED_KINDS } from '../src/protocol.js';
import { savedBytesByKind } from '../src/worker/saved-kinds.js';

const LINEARS = 'attn\\.c_attn|attn\\.c_proj|mlp\\.c_fc|mlp\\.c_proj';

const pointArb = fc
  .record({
    headDim: fc.integer({ min: 1, max: 4 }),
    nHead: fc.integer({ min: 1, max: 3 }),
    nLayer: fc.integer({ min: 1, max: 3 }),
    vocab: fc.integer({ min: 2, max: 11 }),
    batch: fc.integer({ min: 1, max: 3 }),
    seq: fc.integer({ min: 2, max: 6 }),
    rank: fc.integer({ min: 1, max: 5 }),
    method: fc.constantFrom(...LORA_METHODS),
    adaptedFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    attention: fc.constantFrom<AttentionKind>('standard', 'memory-efficient'),
  })
  .map(({ headDim, adaptedFraction, ...p }) => ({
    ...p,
    nEmbd: headDim * p.nHead,
    adaptedBlocks: Math.round(adaptedFraction * p.nLayer),
  }));
type Point = typeof pointArb extends fc.Arbitrary<infer P> ? P : never;

/** The tape's saved bytes by kind after one forward and the causal-LM loss. */
function measured(p: Point) {
  const model = new GPT2(
    {
      vocab_size: p.vocab,
      n_positions: 16,
      n_embd: p.nEmbd,
      n_layer: p.nLayer,
      n_head: p.nHead,
      layer_norm_epsilon: 1e-5,
      activation_function: 'gelu_new',
      attention: p.attention,
    },
    { seed: 3 },
  );
  if (p.method === 'full' || p.adaptedBlocks > 0) {
    const blocks = Array.from({ length: p.adaptedBlocks }, (_, i) => i).join('|');
    const targets = p.method === 'full' ? ['c_attn'] : [new RegExp(`transformer\\.h\\.(${blocks})\\.(${LINEARS})`)];
    injectLora(model, { method: p.method, rank: p.rank, alpha: 2 * p.rank, targets });
  } else {
    for (const parameter of model.parameters()) parameter.requiresGrad = false;
  }
  const ids = T.fromFlat(
    Array.from({ length: p.batch * p.seq }, (_, i) => (i * 7) % p.vocab),
    [p.batch, p.seq],
    { dtype: 'int32' },
  );
  const tape = new A.Tape();
  A.withTape(tape, () => causalLmLoss(model.call(ids), ids));
  return { byKind: savedBytesByKind(tape.savedBytes()), live: tape.savedBytes().live };
}

function modelled(p: Point) {
  const spec = gpt2Spec({
    name: 'tiny',
    nEmbd: p.nEmbd,
    nLayer: p.nLayer,
    nHead: p.nHead,
    vocab: p.vocab,
    nPositions: 16,
  });
  return gpt2SavedActivations(spec, { ...p, floatBytes: 4 });
}

describe("the tape's saved bytes by kind equal gpt2SavedActivations' breakdown", () => {
  it('for random shapes, methods, ranks, adapted blocks and attentions', () => {
    fc.assert(
      fc.property(pointArb, (p) => {
        const { byKind, live } = measured(p);
        const model = modelled(p);
        for (const kind of SAVED_KINDS) expect(byKind[kind], kind).toBe(model[kind]);
        expect(byKind.other).toBe(0);
        expect(SAVED_KINDS.reduce((sum, kind) => sum + byKind[kind], 0)).toBe(live);
        expect(model.linearX + model.linearH).toBe(model.linears);
      }),
      { numRuns: 40 },
    );
  });

  it('Table 1 by kind: LoRA-FA keeps H alone, LoRA X and H, LoRA-FB and Full-FT X alone', () => {
    const base: Point = {
      nEmbd: 8,
      nHead: 2,
      nLayer: 2,
      vocab: 7,
      batch: 1,
      seq: 5,
      rank: 3,
      method: 'lora-fa',
      adaptedBlocks: 2,
      attention: 'standard',
    };
    const N = 5;
    const perBlockX = N * (8 + 8 + 8 + 32) * 4; // the four linears' inputs: d, d, d, 4d
    const perBlockH = N * 4 * 3 * 4; // four adapters, r = 3
    const kinds = (method: Point['method']) => {
      const { byKind } = measured({ ...base, method });
      return [byKind.linearX, byKind.linearH];
    };
    expect(kinds('lora-fa')).toEqual([0, 2 * perBlockH]);
    expect(kinds('lora')).toEqual([2 * perBlockX, 2 * perBlockH]);
    expect(kinds('lora-fb')).toEqual([2 * perBlockX, 0]);
    expect(kinds('full')).toEqual([2 * perBlockX, 0]);
  });
});
