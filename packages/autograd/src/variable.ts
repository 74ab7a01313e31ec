import type { DType, NestedArray, Tensor, TypedArray } from '@lorafa/tensor';
import { formatShape, tensor as makeTensor } from '@lorafa/tensor';
import type { Node } from './node.js';
import { markParameterStorage } from './parameter-registry.js';
import { runBackward } from './backward.js';
import type { BackwardOptions } from './backward.js';

/** How a leaf variable is made. */
export interface VariableOptions {
  requiresGrad?: boolean;
  name?: string;
  /** A model parameter (trainable or frozen): its storage is not counted as an activation. */
  parameter?: boolean;
}

/**
 * A tensor tracked by autograd. A leaf (created by the user) with `requiresGrad` collects
 * gradients in `.grad`; a variable made by an op remembers the node that made it (`gradFn`).
 *
 * Ops are functions over variables (`add(a, b)`, `matmul(x, w)` in ops/index.ts), not methods:
 * a method per op would make this class import every op, and every op this class.
 */
export class Variable {
  /** Accumulated gradient (leaves only), the same shape and dtype as `value`. */
  grad: Tensor | null = null;
  readonly name: string | undefined;
  readonly isParameter: boolean;

  requiresGrad: boolean;
  private current: Tensor;

  constructor(
    value: Tensor,
    options: VariableOptions = {},
    readonly gradFn: Node | null = null,
  ) {
    this.current = value;
    this.requiresGrad = gradFn !== null || (options.requiresGrad ?? false);
    this.name = options.name;
    this.isParameter = gradFn === null && (options.parameter ?? false);
    if (this.isParameter) markParameterStorage(value.storage);
  }

  get value(): Tensor {
    return this.current;
  }

  /**
   * Replaces a leaf's value (an optimizer step). The new tensor must have the same shape and
   * dtype; graphs recorded earlier keep the tensors they saved, so they are unaffected.
   */
  assign(value: Tensor): void {
    if (!this.isLeaf)
      throw new Error(`assign: only a leaf variable can be assigned${this.name ? ` (${this.name})` : ''}`);
    if (value.dtype !== this.dtype || value.rank !== this.rank || value.shape.some((d, i) => d !== this.shape[i])) {
      throw new Error(
        `assign: expected ${this.dtype} ${formatShape(this.shape)}${this.name ? ` for ${this.name}` : ''}, got ${value.dtype} ${formatShape(value.shape)}`,
      );
    }
    this.current = value;
    if (this.isParameter) markParameterStorage(value.storage);
  }

  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  get shape(): readonly number[] {
    return this.value.shape;
  }
  get dtype(): DType {
    return this.value.dtype;
  }
  get rank(): number {
    return this.value.rank;
  }
  get size(): number {
    return this.value.size;
  }

  /**
   * Backpropagates from this variable: from a scalar with gradient 1 by default, or with an
   * explicit upstream `gradient` of this variable's shape. Leaf gradients accumulate.
   */
  backward(gradient?: Tensor, options?: BackwardOptions): void {
    runBackward(this, gradient, options);
  }

  /** The same value cut off from the graph. */
  detach(): Variable {
    return new Variable(this.value);
  }

  /** Clears the accumulated gradient. */
  zeroGrad(): void {
    this.grad = null;
  }

  /** The value of a one-element variable. */
  item(): number {
    return this.value.item();
  }
  /** The values, read asynchronously (works on every backend). */
  data(): Promise<TypedArray> {
    return this.value.data();
  }
}

/** A leaf variable from a tensor or nested numbers. */
export function variable(value: Tensor | NestedArray, options: VariableOptions & { dtype?: DType } = {}): Variable {
  const t =
    typeof value === 'object' && value !== null && 'storage' in value
      ? value
      : makeTensor(value, { dtype: options.dtype });
  return new Variable(t, options);
}

/** A model parameter: a leaf that requires a gradient unless `trainable` is false. */
export function parameter(value: Tensor, name?: string, options: { trainable?: boolean } = {}): Variable {
  return new Variable(value, { requiresGrad: options.trainable ?? true, name, parameter: true });
}
