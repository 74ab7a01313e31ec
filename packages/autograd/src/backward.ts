import type { Tensor } from '@lorafa/tensor';
import { add, formatShape, onesLike } from '@lorafa/tensor';
import type { Node } from './node.js';
import type { Variable } from './variable.js';

export interface BackwardOptions {
  /** Keep saved tensors so backward can run through this graph again. */
  retainGraph?: boolean;
}

/** All nodes reachable from `root`, latest first: reverse tape order is a topological order. */
function reachableNodes(root: Node): Node[] {
  const seen = new Set<Node>([root]);
  const stack = [root];
  while (stack.length > 0) {
    for (const edge of stack.pop()!.inputs) {
      if (edge && 'node' in edge && !seen.has(edge.node)) {
        seen.add(edge.node);
        stack.push(edge.node);
      }
    }
  }
  return [...seen].sort((a, b) => b.sequence - a.sequence);
}

function accumulate(leaf: Variable, grad: Tensor): void {
  leaf.grad = leaf.grad ? add(leaf.grad, grad) : grad.contiguous();
}

export function runBackward(root: Variable, gradient: Tensor | undefined, options: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new Error('backward: this variable does not require a gradient (no input had requiresGrad, or it was computed under noGrad)');
  }
  if (gradient === undefined && root.size !== 1) {
    throw new Error(`backward: output has shape ${formatShape(root.shape)}; pass an explicit gradient of that shape for a non-scalar output`);
  }
  const seed = gradient ?? onesLike(root.value);
  if (seed.rank !== root.rank || seed.shape.some((d, i) => d !== root.shape[i])) {
    throw new Error(`backward: gradient has shape ${formatShape(seed.shape)} but the output has shape ${formatShape(root.shape)}`);
  }
  if (!root.gradFn) {
    accumulate(root, seed);
    return;
  }
  const pending = new Map<Node, Tensor>([[root.gradFn, seed]]);
  for (const node of reachableNodes(root.gradFn)) {
    const gradOutput = pending.get(node);
    pending.delete(node);
    if (!gradOutput) continue;
    const grads = node.backward(gradOutput);
    if (!options.retainGraph) node.ctx.release();
    node.inputs.forEach((edge, i) => {
      const grad = grads[i];
      if (!edge || !grad) return;
      if ('leaf' in edge) return accumulate(edge.leaf, grad);
      const previous = pending.get(edge.node);
      pending.set(edge.node, previous ? add(previous, grad) : grad);
    });
  }
}
