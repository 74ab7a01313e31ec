import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import { Module } from './module.js';

/** GELU, exact: x · Φ(x) = ½ x (1 + erf(x/√2)). */
export function gelu(x: Variable): Variable {
  return A.mul(A.mul(x, 0.5), A.add(A.erf(A.mul(x, Math.SQRT1_2)), 1));
}

/** GELU, tanh approximation (GPT-2's `gelu_new`): ½ x (1 + tanh(√(2/π) (x + 0.044715 x³))). */
export function geluTanh(x: Variable): Variable {
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
