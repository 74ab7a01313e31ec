import type * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { causalLmLoss } from '@lorafa/nn';
import { estimateMemory, gpt2Spec, injectLora, LORA_METHODS } from '@lorafa/lorafa';
import type { SavedBytesRow } from '../protocol.js';
import type { Assets } from './assets.js';
import { loadModel } from './assets.js';

const TARGETS = ['c_attn', 'c_proj', 'c_fc'];
/** The kinds of block linear, as the memory model names them. */
export const LINEAR_KINDS = ['c_attn', 'attn.c_proj', 'c_fc', 'mlp.c_proj'];

/**
 * What one forward pass saves for backward, per method, read from the tape's ledger
 * (`tape.savedBytes().scopes`, by module path) on the host backend: the adapted linears'
 * bytes by kind, and the rest; beside it the memory model's activation bytes (Table 1 of the
 * paper, `estimateMemory` with float32 activations) for the same batch, sequence and rank.
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
  });
  const modelled = estimateMemory(spec, { batch, seq, rank, activationBytes: 4, weightBytes: 4 });
  return LORA_METHODS.map((method) => {
    const model = loadModel(assets);
    injectLora(model, { targets: TARGETS, method, rank, alpha: 2 * rank, seed: 0 });
    const tape = new A.Tape();
    A.withTape(tape, () => causalLmLoss(model.call(ids), ids));
    const adapted: Record<string, number> = Object.fromEntries(LINEAR_KINDS.map((kind) => [kind, 0]));
    let other = 0;
    for (const [scope, bytes] of Object.entries(tape.savedBytes().scopes)) {
      const kind = LINEAR_KINDS.find((k) => scope.endsWith(`.${k}`));
      if (kind) adapted[kind]! += bytes.live;
      else other += bytes.live;
    }
    return { method, adapted, other, model: modelled.find((m) => m.method === method)!.activations };
  });
}
