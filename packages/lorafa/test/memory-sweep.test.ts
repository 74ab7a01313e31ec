/**
 * The whole-model activation model (gpt2SavedActivations) against the tape: for random small
 * GPT-2 shapes, methods, ranks, numbers of adapted blocks and both attentions, the bytes the
 * tape holds after forward and loss equal the model's total, byte for byte.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { causalLmLoss, GPT2 } from '@lorafa/nn';
import type { GPT2Config } from '@lorafa/nn';
import type { AttentionKind, LoraMethod } from '@lorafa/lorafa';
import { gpt2SavedActivations, gpt2Spec, injectLora, LORA_METHODS } from '@lorafa/lorafa';

const LINEARS = ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'];

interface Point {
  nEmbd: number;
  nHead: number;
  nLayer: number;
  vocab: number;
  batch: number;
  seq: number;
  rank: number;
  method: LoraMethod;
  adaptedBlocks: number;
  attention: AttentionKind;
}

/** The tape's live saved bytes after one forward and the causal-LM loss. */
function measured(p: Point): number {
  const config: GPT2Config = {
    vocab_size: p.vocab,
    n_positions: 16,
    n_embd: p.nEmbd,
    n_layer: p.nLayer,
    n_head: p.nHead,
    layer_norm_epsilon: 1e-5,
    activation_function: 'gelu_new',
    attention: p.attention,
  };
  const model = new GPT2(config, { seed: 3 });
  if (p.method === 'full' || p.adaptedBlocks > 0) {
    const blocks = Array.from({ length: p.method === 'full' ? p.nLayer : p.adaptedBlocks }, (_, i) => i).join('|');
    const target = new RegExp(`transformer\\.h\\.(${blocks})\\.(${LINEARS.join('|').replaceAll('.', '\\.')})`);
    injectLora(model, { method: p.method, rank: p.rank, alpha: 2 * p.rank, targets: [target] });
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
  return tape.savedBytes().live;
}

function predicted(p: Point): number {
  const spec = gpt2Spec({
    name: 'tiny',
    nEmbd: p.nEmbd,
    nLayer: p.nLayer,
    nHead: p.nHead,
    vocab: p.vocab,
    nPositions: 16,
  });
  return gpt2SavedActivations(spec, { ...p, floatBytes: 4 }).total;
}

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

describe("gpt2SavedActivations equals the tape's saved bytes", () => {
  it('for random shapes, methods, ranks, adapted blocks and attentions', () => {
    fc.assert(
      fc.property(pointArb, (p) => {
        expect(predicted(p)).toBe(measured(p));
      }),
      { numRuns: 60 },
    );
  });

  it('each step of rank adds N per adapted linear to LoRA and LoRA-FA, nothing to LoRA-FB', () => {
    const base: Point = {
      nEmbd: 8,
      nHead: 2,
      nLayer: 2,
      vocab: 7,
      batch: 1,
      seq: 5,
      rank: 1,
      method: 'lora-fa',
      adaptedBlocks: 2,
      attention: 'standard',
    };
    const step = (p: Point) => predicted({ ...p, rank: 2 }) - predicted(p);
    expect(step(base)).toBe(2 * 4 * 5 * 4); // 2 blocks x 4 linears x 5 tokens x 4 bytes
    expect(step({ ...base, method: 'lora' })).toBe(2 * 4 * 5 * 4);
    expect(step({ ...base, method: 'lora-fb' })).toBe(0);
    for (const p of [base, { ...base, method: 'lora' as const }, { ...base, method: 'full' as const }])
      expect(predicted(p)).toBe(measured(p));
  });

  it('with no adapted block nothing is saved; Full-FT ignores adaptedBlocks', () => {
    const spec = gpt2Spec({ name: 'tiny', nEmbd: 8, nLayer: 2, nHead: 2, vocab: 7, nPositions: 16 });
    const o = { batch: 2, seq: 4, rank: 2, adaptedBlocks: 0 };
    expect(gpt2SavedActivations(spec, { ...o, method: 'lora-fa' }).total).toBe(0);
    expect(gpt2SavedActivations(spec, { ...o, method: 'full' }).total).toBe(
      gpt2SavedActivations(spec, { ...o, method: 'full', adaptedBlocks: 2 }).total,
    );
  });

  it('names bad arguments', () => {
    const spec = gpt2Spec({ name: 'tiny', nEmbd: 8, nLayer: 2, nHead: 2, vocab: 7, nPositions: 16 });
    const o = { method: 'lora' as const, batch: 1, seq: 4, rank: 2 };
    expect(() => gpt2SavedActivations(spec, { ...o, adaptedBlocks: 3 })).toThrow(
      /adaptedBlocks must be .* 0 to 2, got 3/,
    );
    expect(() => gpt2SavedActivations(spec, { ...o, seq: 0 })).toThrow(/seq must be a positive integer, got 0/);
    expect(() => gpt2SavedActivations(spec, { ...o, targets: ['q_proj'] })).toThrow(/has no linear q_proj/);
    expect(() => gpt2SavedActivations(spec, { ...o, attention: 'flash' as AttentionKind })).toThrow(
      /unknown attention 'flash'/,
    );
  });
});
