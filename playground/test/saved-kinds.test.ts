/**
 * The saved-bytes chart's kinds, measured on the tape (savedBytesByKind), equal the memory
 * model's breakdown (gpt2SavedActivations) term by term, for random small GPT-2 shapes, every
 * method, ranks, numbers of adapted blocks and both attentions; nothing is left unnamed.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SAVED_KINDS } from '../src/protocol.js';
import { savedBytesByKind } from '../src/worker/saved-kinds.js';
import type { Gpt2Point as Point } from '../../test/support/gpt2-points.js';
import {
  gpt2PointArb as pointArb,
  modelledActivations as modelled,
  tapeAfterLoss,
} from '../../test/support/gpt2-points.js';

/** The tape's saved bytes by kind after one forward and the causal-LM loss. */
function measured(p: Point) {
  const saved = tapeAfterLoss(p).savedBytes();
  return { byKind: savedBytesByKind(saved), live: saved.live };
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
