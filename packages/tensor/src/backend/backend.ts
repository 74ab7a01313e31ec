import type { DType, TypedArray } from '../dtype.js';
import type { Shape } from '../shape.js';

/**
 * The backend seam. A backend owns storage (a flat buffer of one dtype, which may live off the
 * JavaScript heap, on a GPU say) and runs kernels on strided views of it. Ops in `../ops` check
 * shapes and dtypes, lay out views, then call exactly one kernel; they never touch elements.
 *
 * Every kernel returns new storage synchronously. A backend on an asynchronous device returns a
 * handle at once and lets the work complete later; only `read` has to wait. So a training step
 * runs as a queue of kernels, and values reach JavaScript only when someone awaits `data()`.
 */
export interface Storage {
  readonly backend: Backend;
  readonly dtype: DType;
  /** Number of elements in the buffer (not bytes). */
  readonly length: number;
}

/** A strided view of a storage: element `[i0, i1, ...]` sits at `offset + Σ ik * strides[k]`. */
export interface View {
  readonly storage: Storage;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

/** Elementwise one-operand kernels (float only). */
export type UnaryOp = 'neg' | 'exp' | 'log' | 'sqrt' | 'tanh' | 'relu' | 'sigmoid' | 'abs' | 'sign' | 'erf';
/** Elementwise two-operand kernels; the output has the operands' dtype. */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';
/** Elementwise comparisons (==, !=, <, <=, >, >=); the output is `bool`. */
export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
/** Reductions over trailing axes. */
export type ReduceOp = 'sum' | 'max' | 'min';
/** Index-of-extreme reductions along the last axis (output int32). */
export type ArgReduceOp = 'argmax' | 'argmin';

/** A set of kernels over its own storage; ops validate, lay out views, and call one kernel each. */
export interface Backend {
  readonly name: string;

  /** Copies host data into new storage. */
  upload(data: TypedArray): Storage;
  /** Reads a whole storage back to the host. Always available; may wait for queued kernels. */
  read(storage: Storage): Promise<TypedArray>;
  /** Synchronous read, offered only by backends whose storage lives on the JavaScript heap. */
  readSync?(storage: Storage): TypedArray;
  /**
   * Frees (or keeps for reuse) the storage's memory now rather than when it is garbage-collected.
   * The caller promises that no tensor will use the storage again.
   */
  release?(storage: Storage): void;
  /** Bytes of new storage this backend has allocated since it was created (monotonic). */
  allocatedBytes?(): number;
  /** Bytes of storage it has produced by reusing released memory instead (monotonic). */
  reusedBytes?(): number;

  /** Kernels. Inputs are views whose shapes already match the output (broadcast by stride 0). */
  unary(op: UnaryOp, x: View): Storage;
  /** Elementwise `op(a, b)`; `a` and `b` share a dtype, which the output keeps. */
  binary(op: BinaryOp, a: View, b: View): Storage;
  /** Elementwise comparison `a op b`, as `bool` storage. */
  compare(op: CompareOp, a: View, b: View): Storage;
  /** Elementwise `condition ? a : b`, with a `bool` condition. */
  where(condition: View, a: View, b: View): Storage;
  /** A copy of `x` converted to `dtype` (float → int32 truncates toward zero; nonzero → true). */
  cast(x: View, dtype: DType): Storage;
  /** Reduces over the trailing `reducedRank` axes of `x` (ops move the reduced axes last). */
  reduce(op: ReduceOp, x: View, reducedRank: number): Storage;
  /** Index of the extreme along the last axis, as int32. */
  argReduce(op: ArgReduceOp, x: View): Storage;
  /** Batched matrix product of views `[...batch, m, k]` and `[...batch, k, n]` (same batch shape). */
  matmul(a: View, b: View): Storage;
  /**
   * a b + c, c a view broadcast to the product's `[...batch, m, n]`: the same bits as matmul then
   * add (each sum rounded, then c added) in one pass over the output — a Linear's bias, or LoRA's
   * update onto the base output. Optional: `matmulAdd` composes the two where a backend has none.
   */
  matmulAdd?(a: View, b: View, c: View): Storage;
  /** A contiguous (row-major) copy of a view. */
  copy(x: View): Storage;
  /** Writes `source` into the destination view element by element (shapes are equal). */
  assign(destination: View, source: View): void;
  /** `out[..., i, ...] = x[..., indices[i], ...]` along `axis`, `indices` int32 of any shape. */
  gather(x: View, axis: number, indices: View): Storage;
  /** The adjoint of gather: adds `source` rows into zeros of `shape` at `indices` along `axis`. */
  scatterAdd(shape: Shape, axis: number, indices: View, source: View): Storage;

  /** Fused LoRA-FA kernels, for backends that offer them (the LoRA-FA op composes them otherwise). */
  readonly loraFa?: LoraFaKernels;
  /** Fused GELU, LayerNorm and softmax cross-entropy kernels (the autograd primitives compose them otherwise). */
  readonly fused?: FusedKernels;
  /** AdamW's update of one parameter in one pass, for backends that offer it (nn's AdamW composes tensor ops otherwise). */
  readonly adamW?: AdamWKernel;
}

/** One AdamW update's constants: the rule (nn's `AdamWRule`), η, β₁, β₂, ε, λ and the step t (from 1). */
export interface AdamWStep {
  rule: 'torch' | 'peft';
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  step: number;
}

/**
 * m ← β₁m + (1 − β₁)g and v ← β₂v + (1 − β₂)g² (m and v null: zeros, before the first step), then
 * the parameter's update from the new m and v as stored (rounded to the dtype), by `rule`:
 * - torch: p ← p(1 − ηλ) − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε);
 * - peft: p̃ = p − η√(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε), then p ← p̃ − ηλp̃.
 * All views are row-major and equally shaped; returns the new parameter and moments.
 */
export type AdamWKernel = (
  param: View,
  grad: View,
  m: View | null,
  v: View | null,
  step: AdamWStep,
) => { param: Storage; m: Storage; v: Storage };

/** Which GELU: exact, x·Φ(x), or GPT-2's tanh approximation (`gelu_new`). */
export type GeluApproximation = 'none' | 'tanh';

/**
 * One pass each for the layers a training step spends most elementwise time in, computing in
 * float64 and writing the operands' dtype. Rows are the last axis; `rstd` = 1/√(σ² + ε) and
 * x̂ = (x − μ)·rstd with the biased variance σ². Each returns exactly what the autograd
 * primitive saves, so a backend without them (composing tensor ops) saves the same tensors.
 */
export interface FusedKernels {
  /** gelu(x) elementwise. */
  gelu(x: View, approximate: GeluApproximation): Storage;
  /** g · gelu′(x) elementwise (x and g equally shaped). */
  geluBackward(x: View, g: View, approximate: GeluApproximation): Storage;
  /** LayerNorm of x `[..., d]`: y = x̂·γ + β, with x̂ `[..., d]` and rstd `[...]` for backward. */
  layerNorm(x: View, weight: View, bias: View, eps: number): { y: Storage; normalized: Storage; rstd: Storage };
  /** dx = rstd·(dŷ − mean(dŷ) − x̂·mean(dŷ·x̂)) per row, dŷ = g·γ. */
  layerNormInputGradient(g: View, normalized: View, rstd: View, weight: View): Storage;
  /** dγ = Σ g·x̂ and dβ = Σ g over every row. */
  layerNormWeightGradients(g: View, normalized: View): { weight: Storage; bias: Storage };
  /**
   * Cross-entropy of logits `[R, C]` against int32 targets `[R]`: the mean over rows whose
   * target is not `ignoreIndex` of logSumExp(row) − row[target] (a scalar), and for backward
   * each row's maximum m `[R]` and log Σ exp(x − m) `[R]` (logSumExp = m + that; kept apart,
   * since a large logSumExp rounded to float32 would lose the softmax's precision).
   */
  softmaxCrossEntropy(
    logits: View,
    targets: View,
    ignoreIndex: number,
  ): { loss: Storage; rowMax: Storage; rowLogSum: Storage };
  /**
   * d loss/d logits = (softmax − onehot(target))·g/count on counted rows, 0 on ignored ones,
   * with softmax = exp(x − m − rowLogSum); g is a scalar.
   */
  softmaxCrossEntropyBackward(
    logits: View,
    targets: View,
    rowMax: View,
    rowLogSum: View,
    g: View,
    ignoreIndex: number,
  ): Storage;
  /**
   * Attention's weights y = softmax(scale · x) over the last axis of x `[..., T_q, T_k]`; when
   * `causal`, query i sees keys j ≤ i + T_k − T_q only (the others get weight exactly 0).
   */
  attentionSoftmax(x: View, scale: number, causal: boolean): Storage;
  /** Its gradient from the weights: scale · y ⊙ (g − Σ_j g_j y_j) per row. */
  attentionSoftmaxBackward(y: View, g: View, scale: number): Storage;
}

/**
 * LoRA-FA's layer as fused kernels (operands are 2-D views: N rows of tokens). s is the scaling.
 * - forward: H = X Aᵀ, then Y = X W0ᵀ + b + s H Bᵀ in one kernel (the low-rank product as the
 *   base matmul's epilogue); returns both, H to be saved for backward.
 * - inputGradient: dX = G W0 + s (G B) A, the second product as the first one's epilogue.
 * - weightGradient: dB = c Gᵀ (H M) with M = (A Aᵀ)⁻¹ and c = 1/s when `inverseGram` is given
 *   (Theorem 4.1's corrected gradient, g_B M / s², without forming g_B), else dB = s Gᵀ H.
 */
export interface LoraFaKernels {
  /** Y = X W0ᵀ + b + s H Bᵀ with H = X Aᵀ; returns H (saved for backward) and Y. */
  forward(x: View, w0: View, a: View, b: View, bias: View | null, scaling: number): { h: Storage; y: Storage };
  /** dX = G W0 + s (G B) A. */
  inputGradient(g: View, w0: View, a: View, b: View, scaling: number): Storage;
  /** dB = s Gᵀ H, or Gᵀ (H M) / s with M = `inverseGram` = (A Aᵀ)⁻¹ when given. */
  weightGradient(g: View, h: View, scaling: number, inverseGram: View | null): Storage;
}
