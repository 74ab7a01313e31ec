import { afterEach, describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import { createDeferredBackend } from '../../../test/support/deferred-backend.js';

const deferred = createDeferredBackend();
T.registerBackend(deferred);

afterEach(() => {
  T.setBackend('cpu-fast');
});

/** The same computation on any backend: results must agree with the CPU specification. */
function workload(backend: string) {
  const options = { dtype: 'float64' as const, backend };
  const a = T.fromFlat(
    Array.from({ length: 24 }, (_, i) => Math.sin(i)),
    [2, 3, 4],
    options,
  );
  const b = T.fromFlat(
    Array.from({ length: 20 }, (_, i) => Math.cos(i)),
    [4, 5],
    options,
  );
  const ids = T.tensor(
    [
      [1, 0],
      [2, 2],
    ],
    { dtype: 'int32', backend },
  );
  // Big enough (69,120 multiply-adds) for cpu-fast's WebAssembly kernel; b transposed.
  const wide = T.fromFlat(
    Array.from({ length: 48 * 40 }, (_, i) => Math.sin(0.3 * i)),
    [48, 40],
    { dtype: 'float32', backend },
  );
  const tall = T.fromFlat(
    Array.from({ length: 36 * 40 }, (_, i) => Math.cos(0.7 * i)),
    [36, 40],
    { dtype: 'float32', backend },
  );
  return [
    T.matmul(a, b),
    T.matmul(wide, tall.transpose()),
    T.softmax(T.add(a, T.sum(a, 2, true)), 1),
    T.max(a.permute([2, 0, 1]), [0, 2]),
    T.argmax(a, 1),
    T.concat([a, a.slice([null, { step: 2 }])], 1),
    T.indexSelect(b, 0, ids),
    T.scatterAdd([4, 5], 0, ids, T.indexSelect(b, 0, ids)),
    T.where(T.greater(a, 0), a, T.neg(a)),
  ];
}

describe.each(['cpu', 'cpu-fast', 'deferred'])('conformance on the %s backend', (name) => {
  it('computes what the CPU specification computes', async () => {
    const ours = workload(name);
    const spec = workload('cpu');
    for (let i = 0; i < ours.length; i++) {
      expect(ours[i]!.backend.name).toBe(name);
      expect(ours[i]!.shape).toEqual(spec[i]!.shape);
      expect([...(await ours[i]!.data())]).toEqual([...spec[i]!.dataSync()]);
    }
  });
});

describe('the backend seam', () => {
  it('keeps asynchronous storage off the host until data() is awaited', async () => {
    T.setBackend('deferred');
    const before = deferred.reads;
    const x = T.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'float64' },
    );
    const y = T.sum(T.matmul(x, x), 1);
    expect(deferred.reads).toBe(before); // a chain of kernels, nothing read back yet
    expect(y.backend.name).toBe('deferred');
    expect(() => y.dataSync()).toThrow(
      /dataSync: backend 'deferred' keeps data off the JavaScript heap; use await tensor.data\(\)/,
    );
    expect(await y.array()).toEqual([17, 37]);
    expect(deferred.reads).toBe(before + 1);
  });

  it('moves tensors between backends explicitly and refuses mixed operands', async () => {
    const host = T.tensor([1, 2]);
    const device = await T.toBackend(host, 'deferred');
    expect(device.backend.name).toBe('deferred');
    expect(() => T.add(host, device)).toThrow(/add: operands live on different backends \(cpu-fast, deferred\)/);
    const back = await T.toBackend(T.mul(device, 3), 'cpu');
    expect(back.arraySync()).toEqual([3, 6]);
  });

  it('counts the bytes of storage the CPU backends allocate', () => {
    const backend = T.getBackend('cpu');
    const before = backend.allocatedBytes!();
    T.add(T.zeros([10], { backend: 'cpu', dtype: 'float64' }), 1); // zeros (80) + the scalar 1 (8) + the sum (80)
    expect(backend.allocatedBytes!() - before).toBe(168);
  });

  it('lists and selects registered backends by name', () => {
    expect(T.listBackends()).toEqual(expect.arrayContaining(['cpu', 'cpu-fast', 'deferred']));
    expect(() => T.setBackend('nope')).toThrow(/getBackend: no backend named 'nope'/);
    expect(T.setBackend('deferred').name).toBe('cpu-fast'); // the default
    expect(T.zeros([1]).backend.name).toBe('deferred');
  });
});
