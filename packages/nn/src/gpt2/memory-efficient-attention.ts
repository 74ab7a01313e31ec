import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';

/** Options for the memory-efficient attention op: causal masking and the key block size. */
export interface MemoryEfficientAttentionOptions {
  /** Query i sees keys j ≤ i only (GPT-2). */
  causal: boolean;
  /** Keys per block (default 64): the largest score tensor is [batch, heads, seq, blockSize]. */
  blockSize?: number;
}

/** Scores S = scale · Q Kⱼᵀ for the keys [start, stop), with future keys at −∞ when causal. */
function blockScores(q: T.Tensor, k: T.Tensor, start: number, stop: number, scale: number, causal: boolean): T.Tensor {
  const scores = T.mul(T.matmul(q, k.slice([null, null, { start, stop }]).transpose()), scale);
  if (!causal) return scores;
  const backend = q.backend.name;
  const rows = T.arange(0, q.shape[2]!, 1, { dtype: 'int32', backend }).reshape([-1, 1]);
  const columns = T.arange(start, stop, 1, { dtype: 'int32', backend }).reshape([1, -1]);
  return T.where(T.greater(columns, rows), -Infinity, scores);
}

function keyBlocks(length: number, blockSize: number): [number, number][] {
  const blocks: [number, number][] = [];
  for (let start = 0; start < length; start += blockSize) blocks.push([start, Math.min(length, start + blockSize)]);
  return blocks;
}

/**
 * softmax(Q Kᵀ/√d) V as one custom op, in the manner of FlashAttention (Dao et al., 2022;
 * the backward of FlashAttention-2). Forward walks the keys block by block with an online
 * softmax: per query row it keeps the running maximum m, the running sum ℓ of exp(s − m) and
 * the unnormalised output O, and on each block rescales them by exp(m_old − m_new). It saves
 * Q, K, V, the output and the row log-sum-exp L = m + log ℓ — never the seq x seq
 * probabilities. Backward recomputes P = exp(S − L) block by block, with D = rowsum(dO ∘ O):
 *   dVⱼ = Pᵀ dO,   dS = P ∘ (dO Vⱼᵀ − D),   dQ += scale · dS Kⱼ,   dKⱼ = scale · dSᵀ Q.
 * Only keys are blocked: every query row is processed at once, so the causal case computes
 * (and masks) the future blocks as well; the saving is in memory, not in work.
 */
const attentionOp = (causal: boolean, blockSize: number) =>
  A.customOp({
    name: 'memoryEfficientAttention',
    forward(ctx, q, k, v) {
      const scale = 1 / Math.sqrt(q!.shape[3]!);
      let max: T.Tensor | null = null;
      let total: T.Tensor | null = null;
      let output: T.Tensor | null = null;
      for (const [start, stop] of keyBlocks(k!.shape[2]!, blockSize)) {
        const scores = blockScores(q!, k!, start, stop, scale, causal);
        const newMax: T.Tensor = max ? T.maximum(max, T.max(scores, -1, true)) : T.max(scores, -1, true);
        const weights = T.exp(T.sub(scores, newMax)); // the first block holds key 0, so newMax is finite
        const blockOutput = T.matmul(weights, v!.slice([null, null, { start, stop }]));
        const rescale = max ? T.exp(T.sub(max, newMax)) : null;
        total = rescale ? T.add(T.mul(total!, rescale), T.sum(weights, -1, true)) : T.sum(weights, -1, true);
        output = rescale ? T.add(T.mul(output!, rescale), blockOutput) : blockOutput;
        max = newMax;
      }
      const result = T.div(output!, total!);
      const logSumExp = T.add(max!, T.log(total!));
      ctx.save(q!, k!, v!, result, logSumExp);
      return result;
    },
    backward(ctx, gradOutput) {
      const [q, k, v, output, logSumExp] = ctx.saved as T.Tensor[];
      const scale = 1 / Math.sqrt(q!.shape[3]!);
      const rowDot = T.sum(T.mul(gradOutput, output!), -1, true); // D = rowsum(dO ∘ O)
      let gradQ: T.Tensor | null = null;
      const gradK: T.Tensor[] = [];
      const gradV: T.Tensor[] = [];
      for (const [start, stop] of keyBlocks(k!.shape[2]!, blockSize)) {
        const probabilities = T.exp(T.sub(blockScores(q!, k!, start, stop, scale, causal), logSumExp!));
        const vBlock = v!.slice([null, null, { start, stop }]);
        gradV.push(T.matmul(probabilities.transpose(), gradOutput));
        const gradScores = T.mul(probabilities, T.sub(T.matmul(gradOutput, vBlock.transpose()), rowDot));
        const kBlock = k!.slice([null, null, { start, stop }]);
        const blockGradQ = T.mul(T.matmul(gradScores, kBlock), scale);
        gradQ = gradQ ? T.add(gradQ, blockGradQ) : blockGradQ;
        gradK.push(T.mul(T.matmul(gradScores.transpose(), q!), scale));
      }
      return [
        ctx.needsInputGrad[0] ? gradQ : null,
        ctx.needsInputGrad[1] ? T.concat(gradK, 2) : null,
        ctx.needsInputGrad[2] ? T.concat(gradV, 2) : null,
      ];
    },
  });

/**
 * Attention of q [batch, heads, seq_q, d] over k, v [batch, heads, seq_k, d] (scale 1/√d),
 * computed and differentiated without materialising the seq_q x seq_k probabilities. With
 * `causal`, seq_q must equal seq_k.
 */
export function memoryEfficientAttention(
  q: Variable,
  k: Variable,
  v: Variable,
  options: MemoryEfficientAttentionOptions,
): Variable {
  const { causal, blockSize = 64 } = options;
  if (!Number.isInteger(blockSize) || blockSize < 1)
    throw new Error(`memoryEfficientAttention: blockSize must be a positive integer, got ${blockSize}`);
  const [qs, ks, vs] = [q.shape, k.shape, v.shape];
  const shapes = `q ${T.formatShape(qs)}, k ${T.formatShape(ks)}, v ${T.formatShape(vs)}`;
  if (qs.length !== 4 || ks.length !== 4 || vs.length !== 4)
    throw new Error(`memoryEfficientAttention: q, k and v must be [batch, heads, seq, d], got ${shapes}`);
  const sameBatchHeads = qs[0] === ks[0] && ks[0] === vs[0] && qs[1] === ks[1] && ks[1] === vs[1];
  if (!sameBatchHeads || qs[3] !== ks[3] || ks[2] !== vs[2])
    throw new Error(`memoryEfficientAttention: q, k, v disagree (${shapes})`);
  if (ks[2] === 0) throw new Error(`memoryEfficientAttention: no keys to attend to (${shapes})`);
  if (causal && qs[2] !== ks[2])
    throw new Error(`memoryEfficientAttention: causal attention needs as many queries as keys (${shapes})`);
  return attentionOp(causal, blockSize)(q, k, v);
}
