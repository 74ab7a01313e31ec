import * as T from '@lorafa/tensor';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_TANH_CUBIC = 0.044715;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

const tensorOf = (v: T.View): T.Tensor => new T.Tensor(v.storage, v.shape, v.strides, v.offset);

/** The storage of a tensor holding exactly its elements in row-major order (copied if not). */
function storageOf(t: T.Tensor): T.Storage {
  const compact = t.isContiguous && t.offset === 0 && t.storage.length === t.size;
  return compact ? t.storage : t.backend.copy(t);
}

/** The row-wise mean over the last axis, kept as length 1. */
const rowMean = (x: T.Tensor): T.Tensor => T.mean(x, -1, true);

/** t = tanh(√(2/π)(x + 0.044715x³)), the tanh GELU's inner function (x³ as x·x·x). */
const geluTanhInner = (x: T.Tensor, square: T.Tensor): T.Tensor =>
  T.tanh(T.mul(T.add(x, T.mul(T.mul(square, x), GELU_TANH_CUBIC)), SQRT_2_OVER_PI));

/**
 * The fused kernels' math composed from tensor ops, for a backend without `fused` (the gpu
 * backend): the same formulas as the CPU kernels (packages/tensor/src/backend/cpu/fused), with
 * each intermediate rounded to the dtype. The primitives call these without recording, so the
 * tape saves the same tensors on every backend.
 */
const composedKernels: T.FusedKernels = {
  gelu(view, approximate) {
    const x = tensorOf(view);
    const half = T.mul(x, 0.5);
    if (approximate === 'tanh') return storageOf(T.mul(half, T.add(geluTanhInner(x, T.mul(x, x)), 1)));
    return storageOf(T.mul(half, T.add(T.erf(T.mul(x, Math.SQRT1_2)), 1)));
  },
  geluBackward(view, gView, approximate) {
    const [x, g] = [tensorOf(view), tensorOf(gView)];
    const square = T.mul(x, x);
    if (approximate === 'tanh') {
      const t = geluTanhInner(x, square);
      const sech2 = T.mul(T.sub(1, t), T.add(1, t));
      const dInner = T.mul(T.add(T.mul(square, 3 * GELU_TANH_CUBIC), 1), SQRT_2_OVER_PI);
      const slope = T.where(T.equal(sech2, 0), 0, T.mul(T.mul(T.mul(x, 0.5), sech2), dInner));
      return storageOf(T.mul(g, T.add(T.mul(T.add(t, 1), 0.5), slope)));
    }
    const cdf = T.mul(T.add(T.erf(T.mul(x, Math.SQRT1_2)), 1), 0.5);
    const density = T.mul(T.exp(T.mul(square, -0.5)), INV_SQRT_2PI);
    return storageOf(T.mul(g, T.add(cdf, T.mul(x, density))));
  },
  layerNorm(view, weight, bias, eps) {
    const x = tensorOf(view);
    const centered = T.sub(x, rowMean(x));
    const rstd = T.div(1, T.sqrt(T.add(rowMean(T.mul(centered, centered)), eps)));
    const normalized = T.mul(centered, rstd);
    const y = T.add(T.mul(normalized, tensorOf(weight)), tensorOf(bias));
    return { y: storageOf(y), normalized: storageOf(normalized), rstd: storageOf(rstd) };
  },
  layerNormInputGradient(gView, normalizedView, rstdView, weight) {
    const [g, normalized] = [tensorOf(gView), tensorOf(normalizedView)];
    const rstd = tensorOf(rstdView).unsqueeze(-1);
    const dy = T.mul(g, tensorOf(weight));
    const centered = T.sub(dy, rowMean(dy));
    return storageOf(T.mul(rstd, T.sub(centered, T.mul(normalized, rowMean(T.mul(dy, normalized))))));
  },
  layerNormWeightGradients(gView, normalizedView) {
    const d = gView.shape[gView.shape.length - 1]!;
    const g = tensorOf(gView).reshape([-1, d]);
    const normalized = tensorOf(normalizedView).reshape([-1, d]);
    return { weight: storageOf(T.sum(T.mul(g, normalized), 0)), bias: storageOf(T.sum(g, 0)) };
  },
  softmaxCrossEntropy(logitsView, targetsView, ignoreIndex) {
    const logits = tensorOf(logitsView);
    const { weights, picked } = pickTargets(logits, tensorOf(targetsView), ignoreIndex);
    const { rowMax, rowLogSum } = rowStatistics(logits);
    const perRow = T.add(T.sub(rowMax, picked), rowLogSum);
    const loss = T.div(T.sum(T.mul(perRow, weights)), T.sum(weights));
    return { loss: storageOf(loss), rowMax: storageOf(rowMax), rowLogSum: storageOf(rowLogSum) };
  },
  softmaxCrossEntropyBackward(logitsView, targetsView, rowMaxView, rowLogSumView, gView, ignoreIndex) {
    const logits = tensorOf(logitsView);
    const { weights, safeTargets } = pickTargets(logits, tensorOf(targetsView), ignoreIndex);
    const [rowMax, rowLogSum] = [tensorOf(rowMaxView).unsqueeze(-1), tensorOf(rowLogSumView).unsqueeze(-1)];
    const softmax = T.exp(T.sub(T.sub(logits, rowMax), rowLogSum));
    const oneHot = T.oneHot(safeTargets, logits.shape[1]!, logits.dtype);
    const scale = T.mul(weights, T.div(tensorOf(gView), T.sum(weights)));
    return storageOf(T.mul(T.sub(softmax, oneHot), scale.unsqueeze(-1)));
  },
  attentionSoftmax(view, scale, causal) {
    const scaled = T.mul(tensorOf(view), scale);
    if (!causal) return storageOf(T.softmax(scaled, -1));
    const [queries, keys] = view.shape.slice(-2) as [number, number];
    const backend = view.storage.backend.name;
    const query = T.arange(0, queries, 1, { dtype: 'int32', backend }).reshape([queries, 1]);
    const key = T.arange(0, keys, 1, { dtype: 'int32', backend }).reshape([1, keys]);
    const future = T.greater(key, T.add(query, keys - queries));
    return storageOf(T.where(future, 0, T.softmax(T.where(future, -Infinity, scaled), -1)));
  },
  attentionSoftmaxBackward(yView, gView, scale) {
    const [y, g] = [tensorOf(yView), tensorOf(gView)];
    const dot = T.sum(T.mul(g, y), -1, true);
    return storageOf(T.mul(T.mul(y, T.sub(g, dot)), scale));
  },
};

/** Each row's maximum m (0 for an all −∞ row) and log Σ exp(x − m). */
function rowStatistics(logits: T.Tensor) {
  const peak = T.max(logits, -1, true);
  const rowMax = T.where(T.equal(peak, -Infinity), 0, peak);
  const rowLogSum = T.log(T.sum(T.exp(T.sub(logits, rowMax)), -1));
  return { rowMax: rowMax.squeeze(-1), rowLogSum };
}

/** Per row: weight 1 where the target counts (0 where it is ignoreIndex), and x[target] by a flat gather. */
function pickTargets(logits: T.Tensor, targets: T.Tensor, ignoreIndex: number) {
  const [rows, classes] = logits.shape as [number, number];
  const valid = T.notEqual(targets, ignoreIndex);
  const safeTargets = T.where(valid, targets, 0);
  const rowStarts = T.mul(T.arange(0, rows, 1, { dtype: 'int32', backend: logits.backend.name }), classes);
  const picked = T.indexSelect(logits.reshape([rows * classes]), 0, T.add(rowStarts, safeTargets));
  return { weights: T.cast(valid, logits.dtype), safeTargets, picked };
}

/** The backend's fused kernels, or these compositions where it has none. */
export const fusedKernelsOf = (t: T.Tensor): T.FusedKernels => t.backend.fused ?? composedKernels;
