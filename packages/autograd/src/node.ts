import type { Tensor } from '@lorafa/tensor';
import type { OpContext } from './context.js';

/**
 * A leaf as backward sees it: the `.grad` it accumulates into. `Variable` is one; declaring
 * only this much keeps the node from importing the variable that imports it.
 */
export interface GradientSink {
  grad: Tensor | null;
}

/**
 * Where a gradient flows: into another node (the input was computed by a recorded op), into
 * a leaf variable's `.grad`, or nowhere (the input needs no gradient).
 */
export type Edge = { node: Node } | { leaf: GradientSink } | null;

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
