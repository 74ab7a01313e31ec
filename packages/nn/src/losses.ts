import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';

/** Mean squared error over all elements: mean((prediction − target)²). */
export function mseLoss(prediction: Variable, target: Variable | T.Tensor): Variable {
  const t = target instanceof T.Tensor ? target : target.value;
  if (!T.shapesEqual(prediction.shape, t.shape)) {
    throw new Error(
      `mseLoss: prediction ${T.formatShape(prediction.shape)} and target ${T.formatShape(t.shape)} differ`,
    );
  }
  return A.mean(A.square(A.sub(prediction, target)));
}

/**
 * Checks the targets as far as the backend allows (see crossEntropy) and returns how many
 * count, or null on a device backend, where nothing is read.
 */
function checkTargets(logits: Variable, targets: T.Tensor, ignoreIndex: number): number | null {
  const classes = logits.shape[logits.rank - 1]!;
  if (targets.dtype !== 'int32') throw new Error(`crossEntropy: targets must be int32, got ${targets.dtype}`);
  if (!T.shapesEqual(targets.shape, logits.shape.slice(0, -1))) {
    throw new Error(
      `crossEntropy: logits ${T.formatShape(logits.shape)} need targets of shape ${T.formatShape(logits.shape.slice(0, -1))}, got ${T.formatShape(targets.shape)}`,
    );
  }
  if (targets.backend.readSync === undefined) return null;
  const valid = T.notEqual(targets, ignoreIndex);
  const safeTargets = T.where(valid, targets, 0);
  const [lowest, highest] = [T.min(safeTargets).item(), T.max(safeTargets).item()];
  if (lowest < 0 || highest >= classes) {
    throw new Error(
      `crossEntropy: target ${lowest < 0 ? lowest : highest} is out of range for ${classes} classes (and is not ignoreIndex ${ignoreIndex})`,
    );
  }
  const count = T.sum(T.cast(valid, logits.dtype)).item();
  if (count === 0) throw new Error('crossEntropy: every target equals ignoreIndex; the mean is undefined');
  return count;
}

/** Flat int32 targets in a storage of their own, so that what the loss saves is `rows` int32s. */
function compactTargets(targets: T.Tensor): T.Tensor {
  const flat = targets.reshape([targets.size]);
  if (flat.offset === 0 && flat.storage.length === flat.size) return flat;
  return new T.Tensor(flat.backend.copy(flat), flat.shape);
}

/**
 * Cross-entropy from logits `[..., C]` and int32 class targets `[...]`, averaged over the
 * targets that are not `ignoreIndex` (PyTorch's default −100), as one fused primitive
 * (`A.softmaxCrossEntropy`): stable (row log-sum-exp in float64), it saves the logits, the
 * targets and two numbers per row (the maximum and log Σ exp(x − max)). On a host backend it reads the targets' range and count
 * synchronously to name bad targets; on a device backend (no synchronous reads, the gpu
 * backend) it reads nothing, and targets out of range are not detected there (check them where
 * they are made, on the host). {@link crossEntropyComposed} is its reference.
 */
export function crossEntropy(logits: Variable, targets: T.Tensor, options: { ignoreIndex?: number } = {}): Variable {
  const ignoreIndex = options.ignoreIndex ?? -100;
  checkTargets(logits, targets, ignoreIndex);
  const classes = logits.shape[logits.rank - 1]!;
  return A.softmaxCrossEntropy(A.reshape(logits, [targets.size, classes]), compactTargets(targets), ignoreIndex);
}

/**
 * {@link crossEntropy} composed from primitives: log-softmax = x − logSumExp(x), each row's
 * target log-probability picked with a flat index gather, the mean over counted rows. The
 * reference the fused primitive is tested against.
 */
export function crossEntropyComposed(
  logits: Variable,
  targets: T.Tensor,
  options: { ignoreIndex?: number } = {},
): Variable {
  const ignoreIndex = options.ignoreIndex ?? -100;
  const count = checkTargets(logits, targets, ignoreIndex);
  const classes = logits.shape[logits.rank - 1]!;
  const rows = targets.size;
  const flatTargets = targets.reshape([rows]);
  const valid = T.notEqual(flatTargets, ignoreIndex);
  const safeTargets = T.where(valid, flatTargets, 0);
  const logProbabilities = A.logSoftmax(A.reshape(logits, [rows, classes]), -1);
  const backend = targets.backend.name;
  const flatIndex = T.add(T.mul(T.arange(0, rows, 1, { dtype: 'int32', backend }), classes), safeTargets);
  const picked = A.indexSelect(A.reshape(logProbabilities, [rows * classes]), 0, flatIndex);
  const weights = T.cast(valid, logits.dtype);
  const total = A.neg(A.sum(A.mul(picked, weights)));
  return count === null ? A.div(total, new A.Variable(T.sum(weights))) : A.div(total, count);
}
