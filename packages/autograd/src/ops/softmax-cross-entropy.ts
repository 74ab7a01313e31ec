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
 * targets and each row's log-sum-exp (one number per row), so backward forms
 * (softmax − onehot)·g/count in one pass with softmax = exp(x − lse), without a second reduction
 * and without ever materialising the log-softmax. Targets get no gradient.
 */
export const softmaxCrossEntropyOp: OpDefinition<CrossEntropyAttrs, 'softmaxCrossEntropy'> = {
  name: 'softmaxCrossEntropy',
  forward(ctx, [logits, targets], { ignoreIndex }) {
    checkOperands(logits!, targets!);
    const out = fusedKernelsOf(logits!).softmaxCrossEntropy(logits!, targets!, ignoreIndex);
    ctx.save(logits!, targets!, new T.Tensor(out.logSumExp, [logits!.shape[0]!]));
    return new T.Tensor(out.loss, []);
  },
  backward(ctx, g, { ignoreIndex }) {
    const [logits, targets, logSumExp] = ctx.saved as T.Tensor[];
    const grad = fusedKernelsOf(logits!).softmaxCrossEntropyBackward(logits!, targets!, logSumExp!, g, ignoreIndex);
    return [new T.Tensor(grad, logits!.shape), null];
  },
};
