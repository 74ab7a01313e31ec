/**
 * A module's forward runs in its tape scope whether it is called as `module.call(x)` or
 * `module.forward(x)`: both paths charge saved bytes to the same module path.
 */
import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import { Linear, Module } from '@lorafa/nn';

/** Two linears; `wrapped` stands for its inner layer (registered without a scope of its own). */
class Pair extends Module {
  readonly first = this.registerModule('first', new Linear(3, 4));
  readonly wrapped = this.registerModule('wrapped', new Wrapper(new Linear(4, 2)));

  forward(x: Variable): Variable {
    return this.wrapped.forward(this.first.forward(x)); // direct calls, no `call`
  }
}

class Wrapper extends Module {
  readonly inner: Linear;
  constructor(inner: Linear) {
    super();
    this.inner = this.registerModule('inner', inner, { ownScope: false });
  }
  forward(x: Variable): Variable {
    return this.inner.forward(x);
  }
}

function scopesOf(run: (pair: Pair, x: Variable) => Variable): Record<string, number> {
  const pair = new Pair();
  const tape = new A.Tape();
  const x = A.variable(T.ones([5, 3]), { requiresGrad: true });
  A.withTape(tape, () => A.withScope('net', () => run(pair, x)));
  return Object.fromEntries(Object.entries(tape.savedBytes().scopes).map(([name, count]) => [name, count.live]));
}

describe('module scopes', () => {
  it('forward and call charge the same module paths', () => {
    const direct = scopesOf((pair, x) => pair.forward(x));
    expect(direct).toEqual(scopesOf((pair, x) => pair.call(x)));
    // x (5x3) saved by first for its weight gradient; first's output (5x4) by the wrapped linear.
    expect(direct).toEqual({ 'net.first': 5 * 3 * 4, 'net.wrapped': 5 * 4 * 4 });
  });

  it('an unregistered module opens no scope', () => {
    const layer = new Linear(3, 4);
    const tape = new A.Tape();
    A.withTape(tape, () => layer.forward(A.variable(T.ones([2, 3]), { requiresGrad: true })));
    expect(Object.keys(tape.savedBytes().scopes)).toEqual(['']);
  });
});
