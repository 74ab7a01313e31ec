import type * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import { geluTanh, gelu } from '../activations.js';
import { LayerNorm } from '../layer-norm.js';
import { Linear } from '../linear.js';
import { Module } from '../module.js';
import type { Layer } from '../sequential.js';
import { CausalSelfAttention } from './attention.js';
import type { GPT2Config } from './config.js';

function activation(name: GPT2Config['activation_function']): (x: Variable) => Variable {
  switch (name) {
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
      return geluTanh;
    case 'gelu':
      return gelu;
    case 'relu':
      return A.relu;
  }
}

/** c_fc → activation → c_proj. */
export class GPT2MLP extends Module {
  c_fc: Layer;
  c_proj: Layer;
  private readonly act: (x: Variable) => Variable;

  constructor(config: GPT2Config, options: { rng?: T.Rng; dtype?: T.FloatDType } = {}) {
    super();
    const inner = config.n_inner ?? 4 * config.n_embd;
    this.c_fc = this.registerModule('c_fc', new Linear(config.n_embd, inner, options));
    this.c_proj = this.registerModule('c_proj', new Linear(inner, config.n_embd, options));
    this.act = activation(config.activation_function);
  }

  /** c_proj(act(c_fc(x))): [..., n_embd] → [..., n_embd]. */
  forward(x: Variable): Variable {
    return this.c_proj.call(this.act(this.c_fc.call(x)));
  }
}

/** A pre-LayerNorm block: x + attn(ln_1(x)), then + mlp(ln_2(·)). */
export class GPT2Block extends Module {
  readonly ln_1: LayerNorm;
  readonly attn: CausalSelfAttention;
  readonly ln_2: LayerNorm;
  readonly mlp: GPT2MLP;

  constructor(config: GPT2Config, options: { rng?: T.Rng; dtype?: T.FloatDType } = {}) {
    super();
    this.ln_1 = this.registerModule(
      'ln_1',
      new LayerNorm(config.n_embd, config.layer_norm_epsilon, { dtype: options.dtype }),
    );
    this.attn = this.registerModule(
      'attn',
      new CausalSelfAttention(config.n_embd, config.n_head, { ...options, attention: config.attention }),
    );
    this.ln_2 = this.registerModule(
      'ln_2',
      new LayerNorm(config.n_embd, config.layer_norm_epsilon, { dtype: options.dtype }),
    );
    this.mlp = this.registerModule('mlp', new GPT2MLP(config, options));
  }

  /** Applies the block to hidden states [batch, seq, n_embd] with both residual connections. */
  forward(x: Variable): Variable {
    const h = A.add(x, this.attn.call(this.ln_1.call(x)));
    return A.add(h, this.mlp.call(this.ln_2.call(h)));
  }
}
