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
 * Cross-entropy from logits `[..., C]` and int32 class targets `[...]`, averaged over the
 * targets that are not `ignoreIndex` (PyTorch's default −100). Stable: it works on
 * log-softmax = x − logSumExp(x), and picks each row's target log-probability with a flat
 * index gather, which saves only the indices. On a host backend it reads the targets' range
 * and count synchronously to name bad targets; on a device backend (no synchronous reads, the
 * gpu backend) it reads nothing: the mean divides by the count as a tensor, and targets out of
 * range are not detected there (check them where they are made, on the host).
 */
export function crossEntropy(logits: Variable, targets: T.Tensor, options: { ignoreIndex?: number } = {}): Variable {
  const ignoreIndex = options.ignoreIndex ?? -100;
  const classes = logits.shape[logits.rank - 1]!;
  if (targets.dtype !== 'int32') throw new Error(`crossEntropy: targets must be int32, got ${targets.dtype}`);
  if (!T.shapesEqual(targets.shape, logits.shape.slice(0, -1))) {
    throw new Error(
      `crossEntropy: logits ${T.formatShape(logits.shape)} need targets of shape ${T.formatShape(logits.shape.slice(0, -1))}, got ${T.formatShape(targets.shape)}`,
    );
  }
  const rows = targets.size;
  const flatTargets = targets.reshape([rows]);
  const valid = T.notEqual(flatTargets, ignoreIndex);
  const safeTargets = T.where(valid, flatTargets, 0);
  const onHost = targets.backend.readSync !== undefined;
  if (onHost) {
    const [lowest, highest] = [T.min(safeTargets).item(), T.max(safeTargets).item()];
    if (lowest < 0 || highest >= classes) {
      throw new Error(
        `crossEntropy: target ${lowest < 0 ? lowest : highest} is out of range for ${classes} classes (and is not ignoreIndex ${ignoreIndex})`,
      );
    }
  }
  const logProbabilities = A.logSoftmax(A.reshape(logits, [rows, classes]), -1);
  const backend = targets.backend.name;
  const flatIndex = T.add(T.mul(T.arange(0, rows, 1, { dtype: 'int32', backend }), classes), safeTargets);
  const picked = A.indexSelect(A.reshape(logProbabilities, [rows * classes]), 0, flatIndex);
  const weights = T.cast(valid, logits.dtype);
  const total = A.neg(A.sum(A.mul(picked, weights)));
  if (!onHost) return A.div(total, new A.Variable(T.sum(weights)));
  const count = T.sum(weights).item();
  if (count === 0) throw new Error('crossEntropy: every target equals ignoreIndex; the mean is undefined');
  return A.div(total, count);
}
