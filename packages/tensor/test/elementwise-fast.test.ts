import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import { coalesce } from '../src/backend/cpu/elementwise-fast.js';

/**
 * The fast elementwise and reduction kernels of cpu-fast against the specification backend:
 * bit-identical on views of every kind (permuted, strided, offset, broadcast), special values
 * included. A tensor is built on both backends from the same values and walked the same way.
 */
const SPECIAL = [Number.NaN, Infinity, -Infinity, -0, 0, 1e-40, 3e38];

type ViewRecipe = {
  shape: number[];
  permutation: number[];
  step: number;
  seed: number;
  dtype: T.FloatDType;
  specials: boolean;
};

const viewArb: fc.Arbitrary<ViewRecipe> = fc
  .record({
    shape: fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 4 }),
    step: fc.integer({ min: 1, max: 2 }),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    dtype: fc.constantFrom('float32' as const, 'float64' as const),
    specials: fc.boolean(),
  })
  .chain((r) =>
    fc
      .shuffledSubarray([...r.shape.keys()], { minLength: r.shape.length, maxLength: r.shape.length })
      .map((permutation) => ({ ...r, permutation })),
  );

/** The recipe's view on `backend`: values of a larger tensor, sliced with a step along its last axis, then permuted. */
function build(r: ViewRecipe, backend: string): T.Tensor {
  const stored = [...r.shape];
  if (stored.length > 0) stored[stored.length - 1] = stored[stored.length - 1]! * r.step;
  const rng = new T.Rng(r.seed);
  const values = Array.from({ length: T.sizeOf(stored) }, () =>
    r.specials && rng.nextFloat64() < 0.2
      ? SPECIAL[Math.floor(rng.nextFloat64() * SPECIAL.length)]!
      : rng.nextFloat64() * 6 - 3,
  );
  let t = T.fromFlat(values, stored, { dtype: r.dtype, backend });
  if (stored.length > 0) t = t.slice([...r.shape.slice(0, -1).map(() => null), { step: r.step }]);
  return t.permute(r.permutation);
}

const both = (r: ViewRecipe) => [build(r, 'cpu-fast'), build(r, 'cpu')] as const;
const bits = (t: T.Tensor) => t.dataSync();

describe('the fast elementwise kernels of cpu-fast', () => {
  it.each(['neg', 'exp', 'log', 'sqrt', 'tanh', 'relu', 'sigmoid', 'abs', 'sign', 'erf'] as const)(
    '%s is bit-identical to the specification on any view',
    (op) => {
      fc.assert(
        fc.property(viewArb, (r) => {
          const [fast, spec] = both(r);
          expect(bits(T[op](fast))).toEqual(bits(T[op](spec)));
        }),
        { numRuns: 40 },
      );
    },
  );

  it.each(['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'] as const)(
    '%s is bit-identical on views broadcast against each other',
    (op) => {
      fc.assert(
        fc.property(viewArb, fc.array(fc.boolean(), { maxLength: 4 }), fc.integer(), (r, ones, seed) => {
          // The second operand: the same view's shape with some axes set to 1 (broadcast).
          const shape = r.permutation.map((axis) => r.shape[axis]!).map((d, i) => (ones[i] ? 1 : d));
          const other = { ...r, shape, permutation: [...shape.keys()], seed: seed >>> 1, step: 1 };
          const [fastA, specA] = both(r);
          const [fastB, specB] = both(other);
          expect(bits(T[op](fastA, fastB))).toEqual(bits(T[op](specA, specB)));
          expect(bits(T[op](fastB, fastA))).toEqual(bits(T[op](specB, specA)));
        }),
        { numRuns: 40 },
      );
    },
  );

  it('where, copies and reductions are bit-identical on any view', () => {
    fc.assert(
      fc.property(viewArb, fc.integer({ min: 0, max: 4 }), (r, reduced) => {
        const [fast, spec] = both(r);
        expect(bits(T.where(T.greater(fast, 0), fast, T.neg(fast)))).toEqual(
          bits(T.where(T.greater(spec, 0), spec, T.neg(spec))),
        );
        expect(bits(fast.contiguous())).toEqual(bits(spec.contiguous()));
        const axes = [...fast.shape.keys()].slice(fast.rank - Math.min(reduced, fast.rank));
        for (const reduce of [T.sum, T.max, T.min]) expect(bits(reduce(fast, axes))).toEqual(bits(reduce(spec, axes)));
      }),
      { numRuns: 60 },
    );
  });

  it('assign (sliceScatter, concat) writes any view into a strided slice as the specification does', () => {
    fc.assert(
      fc.property(viewArb, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 2 }), (r, pad, step) => {
        const [fast, spec] = both(r);
        if (fast.rank === 0) return;
        // The view written along its last axis into a wider tensor, every `step`-th place from `pad`.
        const last = fast.rank - 1;
        const d = fast.shape[last]!;
        const wide = fast.shape.map((size, axis) => (axis === last ? pad + d * step : size));
        const specs = [...fast.shape.slice(0, last).map(() => null), { start: pad, stop: pad + d * step, step }];
        const scatter = (t: T.Tensor) => T.sliceScatterZeros(wide, specs, t);
        expect(bits(scatter(fast))).toEqual(bits(scatter(spec)));
        expect(bits(T.concat([fast, fast], last))).toEqual(bits(T.concat([spec, spec], last)));
      }),
      { numRuns: 60 },
    );
  });

  it('squares with pow(x, 2) exactly as Math.pow does, special values included', () => {
    fc.assert(
      fc.property(viewArb, (r) => {
        const [fast, spec] = both({ ...r, specials: true });
        expect(bits(T.pow(fast, 2))).toEqual(bits(T.pow(spec, 2)));
        expect(bits(T.pow(fast, 3))).toEqual(bits(T.pow(spec, 3)));
      }),
      { numRuns: 40 },
    );
  });

  it('handles empty tensors and scalars', () => {
    const empty = T.zeros([3, 0], { backend: 'cpu-fast' });
    expect(T.exp(empty).shape).toEqual([3, 0]);
    expect(bits(T.sum(empty, 1))).toEqual(new Float32Array([0, 0, 0]));
    expect(T.add(T.scalar(2, { backend: 'cpu-fast' }), T.scalar(3, { backend: 'cpu-fast' })).item()).toBe(5);
  });
});

/**
 * float32 add, sub and mul run loops of their own (elementwise-float32.ts): unrolled by eight
 * where both operands are walked with stride 1, plain otherwise; the strided rows of a float32
 * copy have one too. Long rows whose length is not a multiple of eight, and every kind of second
 * operand, against the specification.
 */
describe('the float32 loops of add, sub, mul and copy', () => {
  const FLOAT32_OPS = ['add', 'sub', 'mul'] as const;
  const values = (seed: number, n: number, dtype: T.DType) => {
    const rng = new T.Rng(seed);
    return Array.from({ length: n }, () =>
      dtype === 'int32'
        ? Math.floor(rng.nextFloat64() * 2000) - 1000
        : rng.nextFloat64() < 0.1
          ? SPECIAL[Math.floor(rng.nextFloat64() * SPECIAL.length)]!
          : rng.nextFloat64() * 6 - 3,
    );
  };
  /** `x ⊕ other` on both backends, where other is x's shape, a bias row, a column, a scalar or a transpose. */
  const pair = (rows: number, length: number, other: string, dtype: T.DType, seed: number) =>
    (['cpu-fast', 'cpu'] as const).map((backend) => {
      const x = T.fromFlat(values(seed, rows * length, dtype), [rows, length], { dtype, backend });
      const make = (shape: number[]) => T.fromFlat(values(seed + 1, T.sizeOf(shape), dtype), shape, { dtype, backend });
      const y =
        other === 'same'
          ? make([rows, length])
          : other === 'bias'
            ? make([length])
            : other === 'column'
              ? make([rows, 1])
              : other === 'scalar'
                ? make([])
                : make([length, rows]).transpose();
      return [x, y] as const;
    });
  const OTHERS = ['same', 'bias', 'column', 'scalar', 'transposed'] as const;

  it.each(FLOAT32_OPS)('%s is bit-identical on long rows against any second operand', (op) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 67 }),
        fc.constantFrom(...OTHERS),
        fc.integer({ min: 0, max: 2 ** 30 }),
        (rows, length, other, seed) => {
          const [[fastX, fastY], [specX, specY]] = pair(rows, length, other, 'float32', seed);
          expect(bits(T[op](fastX, fastY))).toEqual(bits(T[op](specX, specY)));
          expect(bits(T[op](fastY, fastX))).toEqual(bits(T[op](specY, specX)));
          expect(bits(fastY.contiguous())).toEqual(bits(specY.contiguous()));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('stay bit-identical when float64 and int32 operands come between float32 ones', () => {
    // Enough calls of each for V8 to optimise every loop, in turns of dtype, so the general loops
    // have seen all three array kinds and the float32 loops are called after them.
    for (let turn = 0; turn < 2; turn++) {
      for (const dtype of ['float64', 'int32', 'float32'] as const) {
        for (let call = 0; call < 30; call++) {
          const op = FLOAT32_OPS[call % 3]!;
          const other = OTHERS[call % OTHERS.length]!;
          const [[fastX, fastY], [specX, specY]] = pair(3, 333, other, dtype, 1000 * turn + call);
          const fast = T[op](fastX, fastY);
          expect(fast.dtype).toBe(dtype);
          expect(bits(fast)).toEqual(bits(T[op](specX, specY)));
          expect(bits(fastY.contiguous())).toEqual(bits(specY.contiguous()));
        }
      }
    }
  });
});

describe('coalesce', () => {
  it('merges axes every view walks contiguously and drops length-1 axes', () => {
    expect(coalesce([2, 3, 4], [[12, 4, 1]])).toEqual({ shape: [24], strides: [[1]] });
    // Two whole contiguous tensors (a same-shape sum): one row, so one tight loop over all of it.
    expect(
      coalesce(
        [2, 3, 4],
        [
          [12, 4, 1],
          [12, 4, 1],
        ],
      ),
    ).toEqual({ shape: [24], strides: [[1], [1]] });
    expect(
      coalesce(
        [2, 1, 4],
        [
          [4, 99, 1],
          [0, 7, 1],
        ],
      ),
    ).toEqual({
      shape: [2, 4],
      strides: [
        [4, 1],
        [0, 1],
      ],
    });
    expect(coalesce([3, 4], [[1, 3]])).toEqual({ shape: [3, 4], strides: [[1, 3]] }); // a transpose stays two axes
    expect(
      coalesce(
        [2, 3, 4],
        [
          [0, 0, 1],
          [12, 4, 1],
        ],
      ),
    ).toEqual({
      shape: [6, 4],
      strides: [
        [0, 1],
        [4, 1],
      ],
    });
    expect(coalesce([1, 1], [[5, 5]])).toEqual({ shape: [], strides: [[]] });
  });
});
