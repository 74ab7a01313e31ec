import type { Tensor } from '@lorafa/tensor';
import type { Variable } from '@lorafa/autograd';
import type { LoraMethod } from './config.js';

/**
 * One adapted layer's low-rank pair, typed: the optimizer finds A and B here, never by pairing
 * parameter names. ΔW = scaling · B A, with A r x in and B out x r.
 */
export interface LoraAdapter {
  /** The adapted module's path, e.g. `fc1` or `h.0.attn.c_attn`. */
  readonly name: string;
  readonly method: Exclude<LoraMethod, 'full'>;
  readonly A: Variable;
  readonly B: Variable;
  readonly scaling: number;
  /**
   * LoRA-FA only. When set — by LoraFAOptimizer, on a backend with fused LoRA-FA kernels — it is
   * M = (A Aᵀ)⁻¹ on B's backend, and the layer's backward yields B's corrected gradient
   * Gᵀ (H M) / s directly (Theorem 4.1), which the optimizer then uses as it is.
   */
  inverseGram?: Tensor | null;
}
