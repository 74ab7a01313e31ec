import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import { broadcastPairArb, randomTensor, ravelBroadcast, seedArb, unravel } from '../../../test/support/arbitraries.js';
import { expectTensorClose } from '../../../test/support/matchers.js';

/** The reference: NumPy broadcasting written out as index arithmetic over plain arrays. */
function referenceBinary(a: T.Tensor, b: T.Tensor, f: (x: number, y: number) => number) {
  const shape = T.broadcastShapes('ref', a.shape, b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  const data = Array.from({ length: T.sizeOf(shape) }, (_, flat) => {
    const index = unravel(flat, shape);
    return f(x[ravelBroadcast(index, a.shape)]!, y[ravelBroadcast(index, b.shape)]!);
  });
  return { shape, data };
}

const binaryOps: [string, (a: T.Tensor, b: T.Tensor) => T.Tensor, (x: number, y: number) => number][] = [
  ['add', T.add, (x, y) => x + y],
  ['sub', T.sub, (x, y) => x - y],
  ['mul', T.mul, (x, y) => x * y],
  ['div', T.div, (x, y) => x / y],
  ['pow', (a, b) => T.pow(T.abs(a), b), (x, y) => Math.pow(Math.abs(x), y)],
  ['maximum', T.maximum, Math.max],
  ['minimum', T.minimum, Math.min],
];

describe('binary ops broadcast like NumPy', () => {
  it.each(binaryOps)('%s matches the reference loop on random broadcast pairs', (_name, op, f) => {
    fc.assert(
      fc.property(broadcastPairArb, seedArb, ([sa, sb], seed) => {
        const a = randomTensor(sa, seed);
        const b = randomTensor(sb, seed + 1);
        expectTensorClose(op(a, b), referenceBinary(a, b, f), 0);
      }),
      { numRuns: 60 },
    );
  });

  it('also works on strided (transposed, sliced) operands', () => {
    const a = randomTensor([3, 4], 1).transpose();
    const b = randomTensor([4, 6], 2).slice([null, { step: 2 }]);
    expectTensorClose(
      T.mul(a, b),
      referenceBinary(a, b, (x, y) => x * y),
      0,
    );
  });

  it('comparisons give bool tensors with broadcasting', () => {
    const a = T.tensor([[1, 2, 3]]);
    const b = T.tensor([[2], [1]]);
    const cases: [(x: T.Tensor, y: T.Tensor) => T.Tensor, (x: number, y: number) => boolean][] = [
      [T.equal, (x, y) => x === y],
      [T.notEqual, (x, y) => x !== y],
      [T.less, (x, y) => x < y],
      [T.lessEqual, (x, y) => x <= y],
      [T.greater, (x, y) => x > y],
      [T.greaterEqual, (x, y) => x >= y],
    ];
    for (const [op, f] of cases) {
      const out = op(a, b);
      expect(out.dtype).toBe('bool');
      expectTensorClose(
        out,
        referenceBinary(a, b, (x, y) => (f(x, y) ? 1 : 0)),
        0,
      );
    }
  });

  it('where selects with a broadcast condition', () => {
    const condition = T.greater(T.tensor([[1], [-1]]), 0);
    expect(T.where(condition, T.tensor([1, 2, 3]), 0).arraySync()).toEqual([
      [1, 2, 3],
      [0, 0, 0],
    ]);
    expect(() => T.where(T.tensor([1]), 1, 2 as unknown as T.Tensor)).toThrow(
      /where: condition must be a bool tensor, got float32/,
    );
  });

  it('names the op and the shapes when shapes do not broadcast', () => {
    expect(() => T.add(T.zeros([2, 3]), T.zeros([4, 3]))).toThrow(
      /add: shapes \[2, 3\], \[4, 3\] cannot be broadcast together/,
    );
    expect(() => T.mul(T.zeros([2]), T.zeros([3]))).toThrow(/^mul: /);
  });

  it('names the op and the dtypes when dtypes differ', () => {
    expect(() => T.add(T.zeros([2]), T.zeros([2], { dtype: 'float64' }))).toThrow(
      /add: dtype mismatch \(float32 vs float64\)/,
    );
    expect(() => T.exp(T.zeros([2], { dtype: 'int32' }))).toThrow(
      /exp: expected a float32 or float64 tensor, got int32/,
    );
    expect(() => T.div(T.ones([2], { dtype: 'int32' }), 2)).toThrow(
      /div: expected a float32 or float64 tensor, got int32/,
    );
  });

  it('does exact index arithmetic on int32 (add, sub, mul, maximum, minimum)', () => {
    const rows = T.arange(0, 3, 1, { dtype: 'int32' });
    const flat = T.add(T.mul(rows, 10), T.tensor([2, 0, 9], { dtype: 'int32' }));
    expect(flat.dtype).toBe('int32');
    expect(flat.arraySync()).toEqual([2, 10, 29]);
  });
});

describe('unary ops', () => {
  const unaryOps: [string, (x: T.Tensor) => T.Tensor, (x: number) => number][] = [
    ['neg', T.neg, (x) => -x],
    ['exp', T.exp, Math.exp],
    ['log', (x) => T.log(T.abs(x)), (x) => Math.log(Math.abs(x))],
    ['sqrt', (x) => T.sqrt(T.abs(x)), (x) => Math.sqrt(Math.abs(x))],
    ['tanh', T.tanh, Math.tanh],
    ['relu', T.relu, (x) => Math.max(x, 0)],
    ['sigmoid', T.sigmoid, (x) => 1 / (1 + Math.exp(-x))],
    ['abs', T.abs, Math.abs],
  ];
  it.each(unaryOps)('%s matches Math on random values', (_name, op, f) => {
    const x = randomTensor([5, 7], 3, { low: -5, high: 5 });
    expectTensorClose(op(x), { shape: [5, 7], data: Array.from(x.dataSync(), f) }, 1e-15);
  });

  it('sigmoid stays finite and exact at extremes', () => {
    expect(T.sigmoid(T.tensor([-800, 800], { dtype: 'float64' })).arraySync()).toEqual([0, 1]);
  });

  it('propagates NaN through relu, maximum and max', () => {
    const x = T.tensor([NaN, 1]);
    expect(Number.isNaN(T.relu(x).dataSync()[0]!)).toBe(true);
    expect(Number.isNaN(T.maximum(x, T.tensor([0, 0])).dataSync()[0]!)).toBe(true);
    expect(Number.isNaN(T.max(x).item())).toBe(true);
  });

  it('float32 results are rounded to float32', () => {
    const x = T.tensor([1.5]);
    expect(T.exp(x).item()).toBe(Math.fround(Math.exp(Math.fround(1.5))));
  });

  it('cast converts between dtypes', () => {
    expect(T.cast(T.tensor([1.7, -1.7, 0]), 'int32').dataSync()).toEqual(new Int32Array([1, -1, 0]));
    expect(T.cast(T.tensor([2, 0]), 'bool').dataSync()).toEqual(new Uint8Array([1, 0]));
  });
});

describe('erf at its limits', () => {
  it('is ±1 at ±∞, NaN at NaN, and matches known values (float64)', () => {
    const x = T.tensor([-Infinity, Infinity, Number.NaN, 0, 1, -2.5, 5], { dtype: 'float64', backend: 'cpu' });
    const got = Array.from(T.erf(x).dataSync());
    expect(got.slice(0, 2)).toEqual([-1, 1]);
    expect(got[2]).toBeNaN();
    expect(got[3]).toBe(0);
    expect(got[4]).toBeCloseTo(0.8427007929497149, 14);
    expect(got[5]).toBeCloseTo(-0.999593047982555, 14);
    expect(got[6]).toBeCloseTo(0.9999999999984626, 14);
  });
});
