import type { Storage, Tensor } from '@lorafa/tensor';
import { add, formatShape, onesLike, releaseStorage, trackAllocations } from '@lorafa/tensor';
import type { GradientSink, Node } from './node.js';

/** What backward starts from: a variable's value, the node that made it, and its `.grad`. */
export interface BackwardRoot extends GradientSink {
  readonly value: Tensor;
  readonly gradFn: Node | null;
  readonly requiresGrad: boolean;
}

/** Options of `Variable.backward`. */
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

function accumulate(leaf: GradientSink, grad: Tensor): void {
  leaf.grad = leaf.grad ? add(leaf.grad, grad) : grad.contiguous();
}

/**
 * The gradients in flight during one backward pass, with the memory they own.
 *
 * Storages allocated by backward functions (and by the sums that join gradients) belong to
 * this pass alone: no tensor outside it can refer to them. Each is released for reuse as soon
 * as nothing refers to it any more — a backward function's temporaries right after it returns,
 * a gradient once the node that consumes it has run. Storages that end up in a leaf's `.grad`
 * are kept, as is the seed gradient the caller passed. References are counted per storage,
 * because gradients alias: add's backward hands the same tensor to both inputs, and reshape's
 * returns a view of its input.
 */
class GradientMemory {
  private readonly owned = new Map<Storage, number>(); // storage → references from pending gradients

  /**
   * Adopts the storages allocated by `compute`; those not reachable from its result are released
   * at once. Only storages of the result's own backends are touched: a backend that delegates to
   * another (a device emulated on the CPU, say) allocates inner storages that its own storages
   * hold, and those are not this pass's to release.
   */
  adopt<R>(compute: () => R, reachable: (result: R) => readonly (Tensor | null | undefined)[]): R {
    const { result, allocated } = trackAllocations(compute);
    const tensors = reachable(result).filter((t): t is Tensor => !!t);
    const kept = new Set(tensors.map((t) => t.storage));
    const backends = new Set(tensors.map((t) => t.storage.backend));
    for (const storage of allocated) {
      if (!backends.has(storage.backend)) continue;
      if (kept.has(storage)) this.owned.set(storage, 0);
      else releaseStorage(storage);
    }
    return result;
  }

  hold(tensor: Tensor): void {
    const count = this.owned.get(tensor.storage);
    if (count !== undefined) this.owned.set(tensor.storage, count + 1);
  }

  drop(tensor: Tensor): void {
    const count = this.owned.get(tensor.storage);
    if (count !== undefined) this.owned.set(tensor.storage, count - 1);
  }

  /** Never release this storage: a leaf's gradient lives in it. */
  pin(tensor: Tensor): void {
    this.owned.delete(tensor.storage);
  }

  /** Releases every owned storage no pending gradient refers to. */
  releaseUnreferenced(): void {
    for (const [storage, count] of this.owned) {
      if (count > 0) continue;
      this.owned.delete(storage);
      releaseStorage(storage);
    }
  }
}

/** Backpropagates from `root` (see `Variable.backward`). */
export function runBackward(root: BackwardRoot, gradient: Tensor | undefined, options: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new Error(
      'backward: this variable does not require a gradient (no input had requiresGrad, or it was computed under noGrad)',
    );
  }
  if (gradient === undefined && root.value.size !== 1) {
    throw new Error(
      `backward: output has shape ${formatShape(root.value.shape)}; pass an explicit gradient of that shape for a non-scalar output`,
    );
  }
  const seed = gradient ?? onesLike(root.value);
  if (seed.rank !== root.value.rank || seed.shape.some((d, i) => d !== root.value.shape[i])) {
    throw new Error(
      `backward: gradient has shape ${formatShape(seed.shape)} but the output has shape ${formatShape(root.value.shape)}`,
    );
  }
  if (!root.gradFn) {
    accumulate(root, seed);
    return;
  }
  const pending = new Map<Node, Tensor>([[root.gradFn, seed]]);
  const memory = new GradientMemory();
  for (const node of reachableNodes(root.gradFn)) {
    const gradOutput = pending.get(node);
    pending.delete(node);
    if (!gradOutput) continue;
    const grads = memory.adopt(
      () => node.backward(gradOutput),
      (result) => result,
    );
    if (!options.retainGraph) node.ctx.release(new Set(grads.flatMap((g) => (g ? [g.storage] : []))));
    node.inputs.forEach((edge, i) => {
      const grad = grads[i];
      if (!edge || !grad) return;
      if ('leaf' in edge) {
        accumulate(edge.leaf, grad);
        memory.pin(edge.leaf.grad!);
        return;
      }
      const previous = pending.get(edge.node);
      if (previous) {
        const sum = memory.adopt(
          () => add(previous, grad),
          (t) => [t],
        );
        memory.drop(previous);
        memory.hold(sum);
        pending.set(edge.node, sum);
      } else {
        memory.hold(grad);
        pending.set(edge.node, grad);
      }
    });
    memory.drop(gradOutput);
    memory.releaseUnreferenced();
  }
}
