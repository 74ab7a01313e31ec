import type * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { causalLmLoss } from '@lorafa/nn';
import { gpt2SavedActivations, gpt2Spec, injectLora, LORA_METHODS } from '@lorafa/lorafa';
import type { SavedBytesRow } from '../protocol.js';
import type { Assets } from './assets.js';
import { loadModel } from './assets.js';
import { SAVED_KINDS } from '../protocol.js';
import { savedBytesByKind } from './saved-kinds.js';

/** Every block linear (c_proj names both attn.c_proj and mlp.c_proj). */
const TARGETS = ['c_attn', 'c_proj', 'c_fc'];

/**
 * What one forward pass and its loss save for backward, per method, read from the tape's ledger
 * on the host backend and named by kind (`savedBytesByKind`: X, H, attention, LayerNorms, GELU,
 * embeddings/head/loss); beside it the memory model's breakdown (`gpt2SavedActivations`) for
 * the same batch, sequence, rank and attention.
 */
export function measureSavedBytes(assets: Assets, ids: T.Tensor, rank: number): SavedBytesRow[] {
  const [batch, seq] = ids.shape as [number, number];
  const c = assets.config;
  const spec = gpt2Spec({
    name: 'brown-base',
    nEmbd: c.n_embd,
    nLayer: c.n_layer,
    nHead: c.n_head,
    vocab: c.vocab_size,
    nPositions: c.n_positions,
    nInner: c.n_inner ?? undefined,
  });
  return LORA_METHODS.map((method) => {
    const model = loadModel(assets);
    injectLora(model, { targets: TARGETS, method, rank, alpha: 2 * rank, seed: 0 });
    const tape = new A.Tape();
    A.withTape(tape, () => causalLmLoss(model.call(ids), ids));
    const modelled = gpt2SavedActivations(spec, { method, batch, seq, rank, attention: c.attention, floatBytes: 4 });
    return {
      method,
      measured: savedBytesByKind(tape.savedBytes()),
      modelled: Object.fromEntries(SAVED_KINDS.map((kind) => [kind, modelled[kind]])) as SavedBytesRow['modelled'],
    };
  });
}
