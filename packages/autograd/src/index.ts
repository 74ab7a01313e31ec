/**
 * @lorafa/autograd: reverse-mode automatic differentiation on a tape. Variables wrap tensors;
 * each op records a node that keeps only what its forward saved; backward replays the tape.
 */
export { Variable, variable, parameter } from './variable.js';
export type { VariableOptions } from './variable.js';
export { Tape, currentTape, withTape, withScope, withSavedKind } from './tape.js';
export type { SavedBytesReport, ByteCount } from './saved-ledger.js';
export { OpContext } from './context.js';
export { applyOp, customOp } from './define-op.js';
export type { OpDefinition } from './define-op.js';
export { noGrad, isGradEnabled } from './grad-mode.js';
export type { BackwardOptions } from './backward.js';
export { gradcheck, gradcheckDetailed } from './gradcheck.js';
export type { GradcheckOptions, GradcheckResult } from './gradcheck.js';
export * from './ops/index.js';
export { primitives } from './ops/table.js';
export type { Primitive, PrimitiveAttrs } from './ops/table.js';
export * from './non-differentiable.js';
export { unbroadcast } from './ops/unbroadcast.js';

import type { Variable } from './variable.js';
/** Clears the gradients of the given variables. */
export function zeroGrad(variables: Iterable<Variable>): void {
  for (const v of variables) v.zeroGrad();
}
