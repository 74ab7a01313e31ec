import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import { Module } from './module.js';

/** GELU, exact: x · Φ(x) = ½ x (1 + erf(x/√2)), as one fused primitive that saves x alone. */
export function gelu(x: Variable): Variable {
  return A.gelu(x, 'none');
}

/**
 * GELU, tanh approximation (GPT-2's `gelu_new`): ½ x (1 + tanh(√(2/π) (x + 0.044715 x³))), as one
 * fused primitive that saves x alone (the composed form saves four tensors the size of x).
 */
export function geluTanh(x: Variable): Variable {
  return A.gelu(x, 'tanh');
}

/** {@link gelu} composed from primitives: the reference the fused primitive is tested against. */
export function geluComposed(x: Variable): Variable {
  return A.mul(A.mul(x, 0.5), A.add(A.erf(A.mul(x, Math.SQRT1_2)), 1));
}

/** {@link geluTanh} composed from primitives: the reference the fused primitive is tested against. */
export function geluTanhComposed(x: Variable): Variable {
  const inner = A.mul(A.add(x, A.mul(A.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
  return A.mul(A.mul(x, 0.5), A.add(A.tanh(inner), 1));
}

/** Element-wise tanh as a module. */
export class Tanh extends Module {
  /** Applies tanh element-wise. */
  forward(x: Variable): Variable {
    return A.tanh(x);
  }
}

/** Element-wise ReLU, max(x, 0), as a module. */
export class ReLU extends Module {
  /** Applies ReLU element-wise. */
  forward(x: Variable): Variable {
    return A.relu(x);
  }
}

/** GELU as a module: exact (`'none'`, default) or the tanh approximation (`'tanh'`). */
export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
  }
  /** Applies GELU element-wise, exact or tanh-approximated per `approximate`. */
  forward(x: Variable): Variable {
    return this.approximate === 'tanh' ? geluTanh(x) : gelu(x);
  }
}
