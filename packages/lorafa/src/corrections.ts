import * as T from '@lorafa/tensor';
import { gramCondition } from './condition.js';

/**
 * LoRA-FA's corrected gradients (the paper's Theorems 4.1 and A.1), as pure functions.
 *
 * With A frozen, the update s·ΔB·A can only move W inside A's row space. The ΔB that makes
 * s·ΔB·A closest to the full gradient g (in Frobenius norm) solves the normal equations
 * (s X A − g) Aᵀ = 0, i.e. X = g Aᵀ (A Aᵀ)⁻¹ / s. Since LoRA-FA's raw gradient is
 * g_B = s g Aᵀ, this is X = g_B (A Aᵀ)⁻¹ / s²  (Theorem 4.1). Symmetrically, with B frozen,
 * g_A = s Bᵀ g and the best ΔA is (Bᵀ B)⁻¹ g_A / s²  (Theorem A.1).
 *
 * The r x r Gram matrix is factored once per frozen matrix (Cholesky, float64) and reused.
 * When its exact condition number reaches CONDITION_LIMIT (or Cholesky fails) the solver uses
 * pinv(G + δI) instead: the inverse would amplify rounding by κ.
 */

const CONDITION_LIMIT = 1e12;
const warnedLayers = new Set<string>();

/** Options for {@link GramSolver}: the layer name for warnings, ridges for the pinv fallback, and the warning sink. */
export interface GramSolverOptions {
  /** Names the layer in the one-time warning when the Gram matrix is ill-conditioned. */
  name?: string;
  /** Ridge δ of the fallback pinv(G + δI), relative to G's mean diagonal (default 1e-8). */
  ridge?: number;
  /** Skip Cholesky and always use pinv(G + δ·I) with absolute δ (PEFT's behaviour). */
  pinvRidge?: number;
  /** Where warnings go (default console.warn). */
  warn?: (message: string) => void;
}

/** `t` on `like`'s backend (linalg results land on the default host backend). */
function onBackendOf(like: T.Tensor, t: T.Tensor): T.Tensor {
  return t.backend === like.backend
    ? t
    : T.fromFlat(t.dataSync(), t.shape, { dtype: t.dtype, backend: like.backend.name });
}

/** Solves against the r x r Gram matrix G of a frozen factor: x ↦ x G⁻¹ (or G⁻¹ x). */
export class GramSolver {
  private constructor(
    private readonly inverse: T.Tensor,
    readonly method: 'cholesky' | 'pinv',
    /** The exact condition number κ(G) = λ_max / λ_min (∞ when G is singular). */
    readonly condition: number,
  ) {}

  /** For A (r x in): G = A Aᵀ. */
  static forRows(a: T.Tensor, options: GramSolverOptions = {}): GramSolver {
    const a64 = T.cast(a, 'float64');
    return GramSolver.of(T.matmul(a64, a64.transpose()), options);
  }

  /** For B (out x r): G = Bᵀ B. */
  static forColumns(b: T.Tensor, options: GramSolverOptions = {}): GramSolver {
    const b64 = T.cast(b, 'float64');
    return GramSolver.of(T.matmul(b64.transpose(), b64), options);
  }

  /**
   * For a given r x r Gram matrix G: its Cholesky inverse if well-conditioned, else pinv(G + δI)
   * (or always pinv when `pinvRidge` is set), warning once per layer name on the fallback.
   */
  static of(gram: T.Tensor, options: GramSolverOptions): GramSolver {
    const r = gram.shape[0]!;
    const identity = T.eye(r, r, { dtype: 'float64', backend: gram.backend.name });
    const condition = gramCondition(gram);
    if (options.pinvRidge !== undefined) {
      return new GramSolver(
        onBackendOf(gram, T.linalg.pinv(T.add(gram, T.mul(identity, options.pinvRidge)))),
        'pinv',
        condition,
      );
    }
    if (condition < CONDITION_LIMIT) {
      try {
        return new GramSolver(
          onBackendOf(gram, T.linalg.choleskySolve(T.linalg.cholesky(gram), identity)),
          'cholesky',
          condition,
        );
      } catch (error) {
        if (!(error instanceof T.linalg.NotPositiveDefiniteError)) throw error;
      }
    }
    const name = options.name ?? '<unnamed layer>';
    if (!warnedLayers.has(name)) {
      warnedLayers.add(name);
      (options.warn ?? console.warn)(
        `LoRA-FA correction for ${name}: the ${r}x${r} Gram matrix is singular or ill-conditioned (condition number ${condition.toExponential(1)}); using pinv(G + δI) instead of its inverse`,
      );
    }
    const meanDiagonal = T.sum(T.mul(gram, identity)).item() / r;
    const delta = (options.ridge ?? 1e-8) * (meanDiagonal > 0 ? meanDiagonal : 1);
    return new GramSolver(onBackendOf(gram, T.linalg.pinv(T.add(gram, T.mul(identity, delta)))), 'pinv', condition);
  }

  /**
   * G⁻¹ (or the pinv fallback), r x r, float64 on the host: the matrix M that the fused
   * LoRA-FA kernels apply on the device (LoraFAOptimizer uploads it once per frozen A).
   */
  inverseMatrix(): T.Tensor {
    return this.inverse;
  }

  /** x G⁻¹ in float64. */
  solveRight(x: T.Tensor): T.Tensor {
    return T.matmul(T.cast(x, 'float64'), this.inverse);
  }

  /** G⁻¹ x in float64. */
  solveLeft(x: T.Tensor): T.Tensor {
    return T.matmul(this.inverse, T.cast(x, 'float64'));
  }
}

function checkPair(
  op: string,
  gradient: T.Tensor,
  frozen: T.Tensor,
  gradientRankAxis: number,
  frozenRankAxis: number,
  s: number,
): void {
  if (gradient.rank !== 2 || frozen.rank !== 2 || gradient.shape[gradientRankAxis] !== frozen.shape[frozenRankAxis]) {
    throw new Error(
      `${op}: gradient ${T.formatShape(gradient.shape)} and frozen matrix ${T.formatShape(frozen.shape)} do not share the rank dimension`,
    );
  }
  if (!(s > 0)) throw new Error(`${op}: scaling must be positive, got ${s}`);
}

/** Theorem 4.1: g̃_B = g_B (A Aᵀ)⁻¹ / s², for g_B (out x r) and frozen A (r x in); float64 inside. */
export function correctB(gB: T.Tensor, a: T.Tensor, s: number, solver = GramSolver.forRows(a)): T.Tensor {
  checkPair('correctB', gB, a, 1, 0, s);
  return T.cast(T.div(solver.solveRight(gB), s * s), gB.dtype);
}

/** Theorem A.1: g̃_A = (Bᵀ B)⁻¹ g_A / s², for g_A (r x in) and frozen B (out x r). */
export function correctA(gA: T.Tensor, b: T.Tensor, s: number, solver = GramSolver.forColumns(b)): T.Tensor {
  checkPair('correctA', gA, b, 0, 1, s);
  return T.cast(T.div(solver.solveLeft(gA), s * s), gA.dtype);
}
