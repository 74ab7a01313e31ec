/**
 * On a backend without fused kernels (here the deferred stand-in for a device: no `fused`, no
 * synchronous reads, like the gpu backend) the fused primitives compose the same math from
 * tensor ops. Values and gradients must equal the CPU kernels', and the tape must save exactly
 * the same bytes, so the memory model holds on every backend.
 */
import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import { crossEntropy } from '@lorafa/nn';
import { randomTensor } from '../../../test/support/arbitraries.js';
import { createDeferredBackend } from '../../../test/support/deferred-backend.js';
import { relativeError } from '../../../test/support/matchers.js';

const device = createDeferredBackend('deferred-unfused');
T.registerBackend(device);

interface Run {
  out: ArrayLike<number>;
  grads: ArrayLike<number>[];
  savedBytes: number;
}

/** Runs the layer on `backend` with every input trained; returns values, gradients, saved bytes. */
async function run(layer: (...v: Variable[]) => Variable, inputs: readonly T.Tensor[], backend: string): Promise<Run> {
  const moved = await Promise.all(inputs.map((t) => T.toBackend(t, backend)));
  const variables = moved.map((t) => A.variable(t, { requiresGrad: true }));
  const tape = new A.Tape();
  const out = A.withTape(tape, () => layer(...variables));
  const savedBytes = tape.savedBytes().live;
  const cotangent = await T.toBackend(randomTensor(out.shape, 99), backend);
  A.withTape(tape, () => A.sum(A.mul(out, cotangent))).backward();
  return { out: await out.value.data(), grads: await Promise.all(variables.map((v) => v.grad!.data())), savedBytes };
}

async function expectSameOnBothBackends(layer: (...v: Variable[]) => Variable, inputs: readonly T.Tensor[]) {
  expect(device.fused).toBeUndefined();
  expect(T.getBackend('cpu').fused).toBeDefined();
  const cpu = await run(layer, inputs, 'cpu');
  const composed = await run(layer, inputs, device.name);
  expect(composed.savedBytes).toBe(cpu.savedBytes);
  expect(cpu.savedBytes).toBeGreaterThan(0);
  expect(relativeError(composed.out, cpu.out)).toBeLessThan(1e-13);
  composed.grads.forEach((g, i) => expect(relativeError(g, cpu.grads[i]!)).toBeLessThan(1e-13));
}

describe('fused primitives without fused kernels (composed from tensor ops)', () => {
  it.each(['none', 'tanh'] as const)('gelu (%s)', async (approximate) => {
    await expectSameOnBothBackends((x) => A.gelu(x!, approximate), [randomTensor([3, 5], 1, { low: -4, high: 4 })]);
  });

  it('layerNorm', async () => {
    const inputs = [randomTensor([2, 3, 6], 2), randomTensor([6], 3), randomTensor([6], 4)];
    await expectSameOnBothBackends((x, w, b) => A.layerNorm(x!, w!, b!), inputs);
  });

  it('crossEntropy with an ignored row', async () => {
    const targets = T.tensor([4, -100, 0, 2], { dtype: 'int32' });
    const onDevice = await T.toBackend(targets, device.name);
    const layer = (x: Variable) => crossEntropy(x, x.value.backend === device ? onDevice : targets);
    await expectSameOnBothBackends(layer, [randomTensor([4, 5], 5, { low: -5, high: 5 })]);
  });
});
