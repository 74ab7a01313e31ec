import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import { Embedding } from '../embedding.js';
import { LayerNorm } from '../layer-norm.js';
import { Module } from '../module.js';
import { ModuleList } from '../module-list.js';
import { GPT2Block } from './block.js';
import type { GPT2Config } from './config.js';

/** The transformer body, named as in Hugging Face: wte, wpe, h.{i}, ln_f. */
export class GPT2Transformer extends Module {
  readonly wte: Embedding;
  readonly wpe: Embedding;
  readonly h: ModuleList<GPT2Block>;
  readonly ln_f: LayerNorm;

  constructor(
    readonly config: GPT2Config,
    options: { rng?: T.Rng; dtype?: T.FloatDType } = {},
  ) {
    super();
    this.wte = this.registerModule('wte', new Embedding(config.vocab_size, config.n_embd, options));
    this.wpe = this.registerModule('wpe', new Embedding(config.n_positions, config.n_embd, { ...options, std: 0.01 }));
    this.h = this.registerModule(
      'h',
      new ModuleList(Array.from({ length: config.n_layer }, () => new GPT2Block(config, options))),
    );
    this.ln_f = this.registerModule(
      'ln_f',
      new LayerNorm(config.n_embd, config.layer_norm_epsilon, { dtype: options.dtype }),
    );
  }

  /** Hidden states [batch, seq, n_embd] for int32 ids [batch, seq]. */
  forward(ids: T.Tensor): Variable {
    if (ids.rank !== 2 || ids.dtype !== 'int32') {
      throw new Error(`GPT2: input ids must be int32 [batch, seq], got ${ids.dtype} ${T.formatShape(ids.shape)}`);
    }
    const length = ids.shape[1]!;
    if (length > this.config.n_positions)
      throw new Error(`GPT2: sequence of ${length} tokens exceeds n_positions ${this.config.n_positions}`);
    const positions = T.arange(0, length, 1, { dtype: 'int32', backend: ids.backend.name });
    let h = A.add(this.wte.call(ids), this.wpe.call(positions));
    for (const block of this.h) h = block.call(h);
    return this.ln_f.call(h);
  }
}

/**
 * GPT-2 with its language-model head tied to the token embedding: logits = h · wteᵀ.
 * Module paths match Hugging Face's GPT2LMHeadModel (`transformer.h.0.attn.c_attn`), so
 * checkpoints and PEFT adapters map key for key. HF stores c_attn, c_proj and c_fc as Conv1D
 * (weight in x out); here they are `Linear` (out x in), transposed on load and save.
 * `loadGpt2(dir)` (gpt2/pretrained.ts) loads a Hugging Face checkpoint into one.
 */
export class GPT2 extends Module {
  readonly transformer: GPT2Transformer;

  constructor(
    readonly config: GPT2Config,
    options: { rng?: T.Rng; seed?: number; dtype?: T.FloatDType } = {},
  ) {
    super();
    const rng = options.rng ?? new T.Rng(options.seed ?? 0);
    this.transformer = this.registerModule('transformer', new GPT2Transformer(config, { rng, dtype: options.dtype }));
  }

  /** Logits [batch, seq, vocab]. */
  forward(ids: T.Tensor): Variable {
    const hidden = this.transformer.call(ids);
    return A.withScope('lm_head', () => A.matmul(hidden, A.transpose(this.transformer.wte.weight)));
  }
}
