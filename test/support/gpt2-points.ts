import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { causalLmLoss, GPT2 } from '@lorafa/nn';
import type { AttentionKind, LoraMethod } from '@lorafa/lorafa';
import { gpt2SavedActivations, gpt2Spec, injectLora, LORA_METHODS } from '@lorafa/lorafa';

/**
 * Small GPT-2 configurations for checking the memory model against the tape: a shape, a
 * method, a rank, how many leading blocks are adapted, and the attention.
 */
export interface Gpt2Point {
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

/** Random points: up to 3 blocks and heads, head size 1–4, batch 1–3 x 2–6 tokens, rank 1–5. */
export const gpt2PointArb: fc.Arbitrary<Gpt2Point> = fc
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

const LINEARS = ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'];

/** The point's model, adapted (the first adaptedBlocks blocks; every block for full), after one forward and the causal-LM loss under a tape. */
export function tapeAfterLoss(p: Gpt2Point): A.Tape {
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
  return tape;
}

/** What gpt2SavedActivations predicts for the point (float32). */
export function modelledActivations(p: Gpt2Point) {
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
