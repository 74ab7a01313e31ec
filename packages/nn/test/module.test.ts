import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import { Dropout, Linear, Module, ReLU, Sequential, Tanh } from '@lorafa/nn';

class Block extends Module {
  fc1 = this.registerModule('fc1', new Linear(3, 4, { rng: new T.Rng(1) }));
  act = this.registerModule('act', new Tanh());
  fc2 = this.registerModule('fc2', new Linear(4, 2, { bias: false, rng: new T.Rng(2) }));
  drop = this.registerModule('drop', new Dropout(0.5, { seed: 1 }));
  forward(x: Variable): Variable {
    return this.drop.call(this.fc2.call(this.act.call(this.fc1.call(x))));
  }
}

describe('Module', () => {
  it('names parameters by dotted path, with a trainable flag', () => {
    const block = new Block();
    expect([...block.namedParameters()].map(([n]) => n)).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight']);
    expect(block.trainableParameters()).toHaveLength(3);
    block.fc1.weight.requiresGrad = false;
    expect(block.trainableParameters()).toHaveLength(2);
    expect([...block.namedModules()].map(([n]) => n)).toEqual(['', 'fc1', 'act', 'fc2', 'drop']);
  });

  it('round-trips a state dict and reports every problem in one error', () => {
    const a = new Block();
    const b = new Block();
    b.fc1.weight.assign(T.zeros([4, 3]));
    b.loadStateDict(a.stateDict());
    expect(b.fc1.weight.value.dataSync()).toEqual(a.fc1.weight.value.dataSync());
    const broken = { ...a.stateDict(), extra: T.zeros([1]), 'fc2.weight': T.zeros([3, 3]) } as Record<string, T.Tensor>;
    delete broken['fc1.bias'];
    expect(() => b.loadStateDict(broken)).toThrow(
      /loadStateDict: missing keys: fc1\.bias; unexpected keys: extra; fc2\.weight: expected shape \[2, 4\], got \[3, 3\]/,
    );
    expect(() => b.loadStateDict({ 'fc1.weight': T.zeros([4, 3]) }, { strict: false })).not.toThrow();
  });

  it('casts loaded tensors to the parameter dtype', () => {
    const layer = new Linear(2, 1);
    layer.loadStateDict({
      weight: T.tensor([[0.1, 0.2]], { dtype: 'float64' }),
      bias: T.tensor([1], { dtype: 'float64' }),
    });
    expect(layer.weight.dtype).toBe('float32');
    expect(layer.weight.value.dataSync()[0]).toBe(Math.fround(0.1));
  });

  it('switches train/eval for the whole tree (dropout is the identity in eval)', () => {
    const block = new Block().eval();
    expect([...block.namedModules()].every(([, m]) => !m.training)).toBe(true);
    const x = A.variable(T.ones([2, 3]));
    expect(block.call(x).value.dataSync()).toEqual(block.fc2.call(block.act.call(block.fc1.call(x))).value.dataSync());
  });

  it('attributes saved bytes to module paths through call()', () => {
    const block = new Block().eval();
    const tape = new A.Tape();
    const x = A.variable(T.ones([5, 3]), { requiresGrad: true });
    A.withTape(tape, () => block.call(x));
    const scopes = tape.savedBytes().scopes;
    expect(scopes['fc1']).toEqual({ live: 60, peak: 60 }); // x (5x3 float32), for dW1
    expect(scopes['act']).toEqual({ live: 80, peak: 80 }); // tanh output (5x4), saved once
  });

  it('Sequential names children 0, 1, ... and applies them in order', () => {
    const net = new Sequential(new Linear(2, 3), new ReLU(), new Linear(3, 1));
    expect([...net.namedParameters()].map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(net.call(A.variable(T.ones([4, 2]))).shape).toEqual([4, 1]);
  });
});
