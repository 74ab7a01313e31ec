import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { AdamW } from '@lorafa/nn';

/**
 * AdamW gives each step's replaced moments back to the backend, so that after the first steps
 * the moments cost no new memory — but never moments someone else may hold: those handed out by
 * stateDict, or taken in by loadStateDict, stay readable and unchanged.
 */
const SIZE = [64, 64]; // 16 KiB in float32: large enough for the buffer pool to keep
const BYTES = 64 * 64 * 4;

function setup(seed: number) {
  const rng = new T.Rng(seed);
  const p = A.parameter(T.uniform(SIZE, -1, 1, { rng, backend: 'cpu-fast' }), 'p');
  const optimizer = new AdamW([p], { lr: 0.05 });
  const step = () => {
    optimizer.zeroGrad();
    p.grad = T.uniform(SIZE, -2, 2, { rng, backend: 'cpu-fast' });
    optimizer.step();
  };
  return { p, optimizer, step };
}

describe('AdamW recycles its moments', () => {
  it('allocates no new memory for the moments after the first steps (only the new parameter value)', () => {
    const { step } = setup(1);
    const backend = T.getBackend('cpu-fast');
    step();
    step();
    const before = backend.allocatedBytes!();
    step();
    // The gradient (made by the test) and the new value are new; m and v come from the pool.
    expect(backend.allocatedBytes!() - before).toBe(2 * BYTES);
  });

  it('keeps the moments a stateDict handed out readable and unchanged through later steps', () => {
    const { optimizer, step } = setup(2);
    step();
    const state = optimizer.stateDict();
    const saved = Object.fromEntries(Object.entries(state.tensors).map(([k, t]) => [k, t.dataSync().slice()]));
    step();
    step();
    for (const [key, tensor] of Object.entries(state.tensors)) expect(tensor.dataSync()).toEqual(saved[key]);
  });

  it('keeps the moments given to loadStateDict readable and unchanged through later steps', () => {
    const source = setup(3);
    source.step();
    const state = source.optimizer.stateDict();
    const copies = Object.fromEntries(Object.entries(state.tensors).map(([k, t]) => [k, T.mul(t, 1)]));
    const target = setup(3);
    target.optimizer.loadStateDict({ step: state.step, tensors: copies });
    const saved = Object.fromEntries(Object.entries(copies).map(([k, t]) => [k, t.dataSync().slice()]));
    target.step();
    target.step();
    for (const [key, tensor] of Object.entries(copies)) expect(tensor.dataSync()).toEqual(saved[key]);
  });

  it('follows the same trajectory as before recycling: moments match an optimizer whose state was exported every step', () => {
    const recycling = setup(4);
    const exporting = setup(4);
    for (let i = 0; i < 4; i++) {
      recycling.step();
      exporting.step();
      exporting.optimizer.stateDict(); // exported moments are never recycled
    }
    expect(recycling.p.value.dataSync()).toEqual(exporting.p.value.dataSync());
  });
});
