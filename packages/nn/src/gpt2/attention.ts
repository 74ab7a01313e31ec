import type * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import { Linear } from '../linear.js';
import { Module } from '../module.js';
import type { Layer } from '../sequential.js';
import type { GPT2Attention } from './config.js';
import { memoryEfficientAttention } from './memory-efficient-attention.js';

/**
 * GPT-2's causal multi-head self-attention: one projection c_attn to q, k, v (n_embd each),
 * softmax(q kᵀ / √d_head) over past and present positions only, then c_proj. The scale, the
 * causal mask and the softmax are one fused primitive (A.attentionSoftmax) that saves the weights
 * alone; future positions get weight exactly 0.
 * With `attention: 'memory-efficient'` the softmax and the product with v run as one custom op
 * that saves q, k, v, the output and a log-sum-exp per row instead of the seq x seq weights.
 */
export class CausalSelfAttention extends Module {
  c_attn: Layer;
  c_proj: Layer;
  readonly attention: GPT2Attention;

  constructor(
    readonly nEmbd: number,
    readonly nHead: number,
    options: { rng?: T.Rng; dtype?: T.FloatDType; attention?: GPT2Attention } = {},
  ) {
    super();
    this.c_attn = this.registerModule('c_attn', new Linear(nEmbd, 3 * nEmbd, options));
    this.c_proj = this.registerModule('c_proj', new Linear(nEmbd, nEmbd, options));
    this.attention = options.attention ?? 'standard';
  }

  /** Self-attention over x [batch, seq, nEmbd], returning [batch, seq, nEmbd]. */
  forward(x: Variable): Variable {
    const [batch, length] = x.shape as [number, number, number];
    const headDim = this.nEmbd / this.nHead;
    const qkv = this.c_attn.call(x);
    const heads = (part: number) =>
      A.permute(
        A.reshape(A.slice(qkv, [null, null, { start: part * this.nEmbd, stop: (part + 1) * this.nEmbd }]), [
          batch,
          length,
          this.nHead,
          headDim,
        ]),
        [0, 2, 1, 3],
      );
    const [q, k, v] = [heads(0), heads(1), heads(2)];
    const attended =
      this.attention === 'memory-efficient'
        ? memoryEfficientAttention(q, k, v, { causal: true })
        : this.composedAttention(q, k, v);
    const context = A.reshape(A.permute(attended, [0, 2, 1, 3]), [batch, length, this.nEmbd]);
    return this.c_proj.call(context);
  }

  /** softmax(q kᵀ/√d, future masked) v: saves q, k, the weights and v. */
  private composedAttention(q: Variable, k: Variable, v: Variable): Variable {
    const weights = A.attentionSoftmax(A.matmul(q, A.transpose(k)), 1 / Math.sqrt(q.shape[3]!), true);
    return A.matmul(weights, v);
  }
}
