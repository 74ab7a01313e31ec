/**
 * End to end across packages: tensor + autograd train a real model, deterministically, and a
 * training step runs on an asynchronous backend with values read back only when awaited.
 */
import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { trainMlp } from '../examples/train-mlp.js';
import { createDeferredBackend } from './support/deferred-backend.js';

describe('training an MLP with the autograd', () => {
  it('lowers the loss by more than 10x in 150 steps', () => {
    const losses = trainMlp({ steps: 150 });
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! / 10);
  });

  it('reproduces a run bit for bit from its seed', () => {
    expect(trainMlp({ steps: 20, seed: 3 })).toEqual(trainMlp({ steps: 20, seed: 3 }));
    expect(trainMlp({ steps: 20, seed: 3 })).not.toEqual(trainMlp({ steps: 20, seed: 4 }));
  });
});

describe('an awaited training step on an asynchronous backend', () => {
  it('runs forward, backward and update on the device, reading back only the loss', async () => {
    const device = createDeferredBackend('async-device');
    T.registerBackend(device);
    const on = { backend: 'async-device', dtype: 'float64' as const };
    const rng = new T.Rng(1);
    const x = new A.Variable(T.randn([16, 4], { ...on, rng }));
    const y = new A.Variable(T.randn([16, 1], { ...on, rng }));
    const w = A.parameter(T.randn([1, 4], { ...on, rng, std: 0.1 }));

    async function step(): Promise<number> {
      const loss = A.mean(A.square(A.sub(A.matmul(x, A.transpose(w)), y)));
      A.zeroGrad([w]);
      loss.backward();
      w.assign(T.sub(w.value, T.mul(w.grad!, 0.1)));
      return (await loss.data())[0]!;
    }

    const before = device.reads;
    const first = await step();
    for (let i = 0; i < 30; i++) await step();
    const last = await step();
    expect(device.reads - before).toBe(32); // one read per step: the loss
    expect(w.value.backend.name).toBe('async-device');
    expect(last).toBeLessThan(first);
  });
});
