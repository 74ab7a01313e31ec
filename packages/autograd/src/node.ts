import type { Tensor } from '@lorafa/tensor';
import type { OpContext } from './context.js';
import type { Variable } from './variable.js';

/**
 * Where a gradient flows: into another node (the input was computed by a recorded op), into
 * a leaf variable's `.grad`, or nowhere (the input needs no gradient).
 */
export type Edge = { node: Node } | { leaf: Variable } | null;

/** One recorded op on the tape: its backward function, its context and its input edges. */
export class Node {
  constructor(
    readonly sequence: number,
    readonly opName: string,
    readonly ctx: OpContext,
    readonly inputs: readonly Edge[],
    readonly outputShape: readonly number[],
    /** Maps the gradient of the output to one gradient (or null) per input. */
    readonly backward: (gradOutput: Tensor) => readonly (Tensor | null)[],
  ) {}
}
