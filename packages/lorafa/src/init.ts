import * as T from '@lorafa/tensor';
import type { LoraInit, LoraMethod } from './config.js';

/** The inits that draw one factor from a distribution (`mixed` picks one of them per module; `pissa` draws nothing). */
export type RandomInit = Exclude<LoraInit, 'mixed' | 'pissa'>;

/** A random matrix of shape `shape` (fan-in = its second dimension) drawn by `init`. */
export function randomFactor(
  shape: [number, number],
  init: RandomInit,
  rank: number,
  options: { dtype: T.FloatDType; rng?: T.Rng },
): T.Tensor {
  const fanIn = shape[1];
  switch (init) {
    case 'orthogonal':
      return orthogonalFactor(shape, rank, options);
    case 'gaussian':
      return T.randn(shape, { ...options, std: 1 / rank });
    case 'kaiming-uniform':
      return T.kaimingUniform(shape, options);
    case 'uniform': {
      const bound = Math.sqrt(3 / fanIn);
      return T.uniform(shape, -bound, bound, options);
    }
    case 'anisotropic': {
      const rows = shape[0];
      const scales = T.fromFlat(
        Array.from({ length: rows }, (_, i) => 10 ** (rows > 1 ? (-2 * i) / (rows - 1) : 0)),
        [rows, 1],
        { dtype: options.dtype },
      );
      return T.mul(T.randn(shape, { ...options, std: 1 / rank }), scales);
    }
  }
}

/**
 * Orthonormal rows (wide factor) or columns (tall factor) from the QR of a Gaussian matrix,
 * scaled by √max(m, n)/r — the norm a row of the `gaussian` init has on average — so that
 * A Aᵀ = (in/r²) I exactly where the Gaussian's is so only in expectation.
 */
function orthogonalFactor(shape: [number, number], rank: number, options: { dtype: T.FloatDType; rng?: T.Rng }) {
  const [rows, cols] = shape;
  const [long, short] = rows <= cols ? [cols, rows] : [rows, cols];
  const { q } = T.linalg.qr(T.randn([long, short], { dtype: 'float64', rng: options.rng }));
  const scaled = T.mul(q, Math.sqrt(long) / rank);
  return T.cast(rows <= cols ? scaled.transpose().contiguous() : scaled, options.dtype);
}

/** The MLP's down-projection, where `mixed` draws Gaussian (GPT-2's mlp.c_proj, Llama's down_proj). */
export function isDownProjection(modulePath: string): boolean {
  return /(^|\.)(mlp\.c_proj|down_proj)$/.test(modulePath);
}

/**
 * PiSSA's factors of W0 (out x in) = U S Vᵀ: A = √S_r V_rᵀ, B = U_r √S_r, and the residual
 * W0 − s B A that replaces W0, so that W0 + s B A is unchanged. Computed in float64.
 */
export function pissaFactors(
  weight: T.Tensor,
  rank: number,
  scaling: number,
): { A: T.Tensor; B: T.Tensor; residualWeight: T.Tensor } {
  const [out, inFeatures] = weight.shape as [number, number];
  if (rank > Math.min(out, inFeatures))
    throw new Error(
      `pissa init: rank ${rank} exceeds min(out, in) = ${Math.min(out, inFeatures)} of W0 ${out} x ${inFeatures}`,
    );
  const { u, s, v } = T.linalg.svd(T.cast(weight, 'float64'));
  const root = T.sqrt(s.slice([{ stop: rank }])).reshape([1, rank]);
  const b = T.mul(u.slice([null, { stop: rank }]), root); // U_r √S_r
  const a = T.mul(v.slice([null, { stop: rank }]), root).transpose(); // √S_r V_rᵀ
  const residual = T.sub(T.cast(weight, 'float64'), T.mul(T.matmul(b, a), scaling));
  const dtype = weight.dtype;
  return { A: T.cast(a, dtype), B: T.cast(b, dtype), residualWeight: T.cast(residual, dtype) };
}

/** Options for {@link initialFactors}: dtype, Rng, and what `mixed` and `pissa` need. */
export interface InitialFactorOptions {
  dtype: T.FloatDType;
  rng?: T.Rng;
  /** The adapted module's path (`mixed` picks its distribution by it). */
  modulePath?: string;
  /** W0 and the scaling s (`pissa` factors W0 and returns the residual W0 − s B A). */
  baseWeight?: T.Tensor;
  scaling?: number;
}

/**
 * A (r x in) and B (out x r) at the start. The trained side of a frozen pair must start at
 * zero and the frozen side random, or B A would stay zero for ever: lora and lora-fa draw A
 * and zero B; lora-fb draws B and zeroes A. `pissa` sets both from W0 and returns the residual
 * weight that must replace W0.
 */
export function initialFactors(
  method: Exclude<LoraMethod, 'full'>,
  shape: { inFeatures: number; outFeatures: number; rank: number },
  init: LoraInit,
  options: InitialFactorOptions,
): { A: T.Tensor; B: T.Tensor; residualWeight?: T.Tensor } {
  const { inFeatures, outFeatures, rank } = shape;
  if (init === 'pissa') {
    if (!options.baseWeight || options.scaling === undefined)
      throw new Error('pissa init: needs the base weight W0 and the scaling s');
    return pissaFactors(options.baseWeight, rank, options.scaling);
  }
  const drawn: RandomInit =
    init === 'mixed' ? (isDownProjection(options.modulePath ?? '') ? 'gaussian' : 'uniform') : init;
  const random = { dtype: options.dtype, rng: options.rng };
  if (method === 'lora-fb') {
    return { A: T.zeros([rank, inFeatures], random), B: randomFactor([outFeatures, rank], drawn, rank, random) };
  }
  return { A: randomFactor([rank, inFeatures], drawn, rank, random), B: T.zeros([outFeatures, rank], random) };
}
