import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';
import { fusedKernelsOf } from './composed-kernels.js';

/** The target value whose rows are left out of the mean (PyTorch's default is −100). */
export interface CrossEntropyAttrs {
  ignoreIndex: number;
}

function checkOperands(logits: T.Tensor, targets: T.Tensor): void {
  if (logits.rank !== 2 || targets.rank !== 1 || targets.shape[0] !== logits.shape[0]) {
    throw new Error(
      `softmaxCrossEntropy: needs logits [rows, classes] and targets [rows], got ${T.formatShape(logits.shape)} and ${T.formatShape(targets.shape)}`,
    );
  }
  if (!T.isFloat(logits.dtype)) throw new Error(`softmaxCrossEntropy: logits must be float, got ${logits.dtype}`);
  if (targets.dtype !== 'int32') throw new Error(`softmaxCrossEntropy: targets must be int32, got ${targets.dtype}`);
}

/**
 * Cross-entropy of logits `[R, C]` against int32 targets `[R]`, the mean over rows whose target
 * is not ignoreIndex of logSumExp(row) − row[target], as one primitive. It saves the logits, the
 * targets and two numbers per row, the maximum m and log Σ exp(x − m), so backward forms
 * (softmax − onehot)·g/count in one pass with softmax = exp(x − m − log Σ exp(x − m)): no
 * second reduction, no log-softmax the size of the logits, and no precision lost to a large
 * logSumExp rounded to the dtype. Targets get no gradient.
 */
export const softmaxCrossEntropyOp: OpDefinition<CrossEntropyAttrs, 'softmaxCrossEntropy'> = {
  name: 'softmaxCrossEntropy',
  forward(ctx, [logits, targets], { ignoreIndex }) {
    checkOperands(logits!, targets!);
    const out = fusedKernelsOf(logits!).softmaxCrossEntropy(logits!, targets!, ignoreIndex);
    const rows = [logits!.shape[0]!];
    ctx.save(logits!, targets!, new T.Tensor(out.rowMax, rows), new T.Tensor(out.rowLogSum, rows));
    return new T.Tensor(out.loss, []);
  },
  backward(ctx, g, { ignoreIndex }) {
    const [logits, targets, rowMax, rowLogSum] = ctx.saved as T.Tensor[];
    const kernels = fusedKernelsOf(logits!);
    const grad = kernels.softmaxCrossEntropyBackward(logits!, targets!, rowMax!, rowLogSum!, g, ignoreIndex);
    return [new T.Tensor(grad, logits!.shape), null];
  },
};
