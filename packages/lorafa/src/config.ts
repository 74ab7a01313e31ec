/**
 * - `full`: the base weight is trained, no adapter.
 * - `lora`: A and B are trained (Hu et al.).
 * - `lora-fa`: A is frozen, B is trained; backward needs H = X Aᵀ, never X.
 * - `lora-fb`: B is frozen, A is trained (the mirror image, Appendix A).
 */
export type LoraMethod = 'full' | 'lora' | 'lora-fa' | 'lora-fb';
/** Every {@link LoraMethod}, in the order the memory model reports them. */
export const LORA_METHODS: readonly LoraMethod[] = ['full', 'lora', 'lora-fa', 'lora-fb'];

/**
 * How the random matrix of a pair starts (A for lora and lora-fa, B for lora-fb; the other
 * starts at zero so that B A = 0 and the adapted model equals the base model):
 * - `gaussian`: N(0, 1/r²), PEFT's `init_lora_weights="gaussian"`, the paper's choice;
 * - `kaiming-uniform`: U(±1/√fanIn), PEFT's default (kaiming_uniform_ with a = √5);
 * - `uniform`: U(±√(3/fanIn)), unit variance per output (LeCun uniform);
 * - `anisotropic`: `gaussian` with row i scaled by 10^(−2i/(r−1)), so A Aᵀ has condition
 *   number about 10⁴ — where the LoRA-FA correction changes the update's direction;
 * - `orthogonal`: orthonormal rows (or columns, for a tall factor) scaled to the Gaussian's
 *   norm, √fan/r: A Aᵀ = (in/r²) I exactly, condition number 1;
 * - `mixed`: `uniform`, except `gaussian` on the MLP down-projection (mlp.c_proj, down_proj):
 *   the paper's "Uniform + D Gaussian" (Table 5);
 * - `pissa`: A = √S Vᵀ and B = U √S from the top-r singular triplets of W0, with W0 replaced
 *   by W0 − s B A so that the model starts unchanged (Meng et al.; the paper's Table 12).
 *   Both factors start non-zero; the method then freezes what it freezes (A for LoRA-FA).
 */
export type LoraInit = 'gaussian' | 'kaiming-uniform' | 'uniform' | 'anisotropic' | 'orthogonal' | 'mixed' | 'pissa';
/** Every supported {@link LoraInit}. */
export const LORA_INITS: readonly LoraInit[] = [
  'gaussian',
  'kaiming-uniform',
  'uniform',
  'anisotropic',
  'orthogonal',
  'mixed',
  'pissa',
];

/** A LoRA setup: the method, rank r, α, and optionally rsLoRA scaling and the initialisation. */
export interface LoraConfig {
  method: LoraMethod;
  rank: number;
  alpha: number;
  /** rsLoRA scaling α/√r instead of α/r. */
  rsLora?: boolean;
  init?: LoraInit;
}

/** s = α/r, or α/√r with rsLoRA. */
export function loraScaling(config: Pick<LoraConfig, 'rank' | 'alpha' | 'rsLora'>): number {
  return config.rsLora ? config.alpha / Math.sqrt(config.rank) : config.alpha / config.rank;
}

/** Throws if the method or init is unknown, the rank is not a positive integer, or α is not positive. */
export function validateLoraConfig(config: LoraConfig): void {
  if (!LORA_METHODS.includes(config.method))
    throw new Error(`lora: unknown method '${config.method}' (expected ${LORA_METHODS.join(', ')})`);
  if (!Number.isInteger(config.rank) || config.rank < 1)
    throw new Error(`lora: rank must be a positive integer, got ${config.rank}`);
  if (!(config.alpha > 0)) throw new Error(`lora: alpha must be positive, got ${config.alpha}`);
  if (config.init !== undefined && !LORA_INITS.includes(config.init))
    throw new Error(`lora: unknown init '${config.init}' (expected ${LORA_INITS.join(', ')})`);
}
