/**
 * Tier 2: every differentiable op's backward against fourth-order central differences in
 * float64, by fast-check properties over random shapes (broadcast pairs, batched matmul,
 * random axes). Inputs keep clear of kinks and ties where an op has them.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import type { Variable } from '@lorafa/autograd';
import {
  broadcastPairArb,
  dim,
  distinctTensor,
  matmulShapesArb,
  randomTensor,
  seedArb,
  shapeArb,
} from '../../../test/support/arbitraries.js';

const TOLERANCE = 1e-6;

interface Case {
  inputs: T.Tensor[];
  fn: (...v: Variable[]) => Variable;
}

function checkProperty(arb: fc.Arbitrary<Case>, numRuns = 25): void {
  fc.assert(
    fc.property(arb, ({ inputs, fn }) => {
      expect(A.gradcheck(fn, inputs)).toBeLessThan(TOLERANCE);
    }),
    { numRuns },
  );
}

const pairArb = fc.tuple(broadcastPairArb, seedArb);
const unaryArb = fc.tuple(shapeArb(0, 3), seedArb);
const positive = (t: T.Tensor) => T.abs(t);

const binaryCases: [string, (sa: number[], sb: number[], seed: number) => Case][] = [
  ['add', (sa, sb, s) => ({ inputs: [randomTensor(sa, s), randomTensor(sb, s + 1)], fn: A.add })],
  ['sub', (sa, sb, s) => ({ inputs: [randomTensor(sa, s), randomTensor(sb, s + 1)], fn: A.sub })],
  ['mul', (sa, sb, s) => ({ inputs: [randomTensor(sa, s), randomTensor(sb, s + 1)], fn: A.mul })],
  ['div', (sa, sb, s) => ({ inputs: [randomTensor(sa, s), distinctTensor(sb, s + 1)], fn: A.div })],
  [
    'pow',
    (sa, sb, s) => ({
      inputs: [positive(distinctTensor(sa, s)), randomTensor(sb, s + 1, { low: -1.5, high: 1.5 })],
      fn: A.pow,
    }),
  ],
  // b is offset by 0.05 from a's grid, so a and b never tie.
  [
    'maximum',
    (sa, sb, s) => ({ inputs: [distinctTensor(sa, s), T.add(distinctTensor(sb, s + 1), 0.05)], fn: A.maximum }),
  ],
  [
    'minimum (composed)',
    (sa, sb, s) => ({ inputs: [distinctTensor(sa, s), T.add(distinctTensor(sb, s + 1), 0.05)], fn: A.minimum }),
  ],
  [
    'where',
    (sa, sb, s) => ({
      inputs: [T.greater(randomTensor(sa, s + 2), 0), randomTensor(sa, s), randomTensor(sb, s + 1)],
      fn: (c, a, b) => A.where(c!, a!, b!),
    }),
  ],
];

const unaryCases: [string, (shape: number[], seed: number) => Case][] = [
  ['neg', (sh, s) => ({ inputs: [randomTensor(sh, s)], fn: A.neg })],
  ['exp', (sh, s) => ({ inputs: [randomTensor(sh, s)], fn: A.exp })],
  ['log', (sh, s) => ({ inputs: [positive(distinctTensor(sh, s))], fn: A.log })],
  ['sqrt', (sh, s) => ({ inputs: [positive(distinctTensor(sh, s))], fn: A.sqrt })],
  ['tanh', (sh, s) => ({ inputs: [randomTensor(sh, s)], fn: A.tanh })],
  ['relu', (sh, s) => ({ inputs: [distinctTensor(sh, s)], fn: A.relu })],
  ['sigmoid', (sh, s) => ({ inputs: [randomTensor(sh, s, { low: -6, high: 6 })], fn: A.sigmoid })],
  ['abs', (sh, s) => ({ inputs: [distinctTensor(sh, s)], fn: A.abs })],
  ['erf', (sh, s) => ({ inputs: [randomTensor(sh, s, { low: -3.5, high: 3.5 })], fn: A.erf })],
  ['mulScalar', (sh, s) => ({ inputs: [randomTensor(sh, s)], fn: (x) => A.mul(x!, -1.7) })],
  ['divScalar', (sh, s) => ({ inputs: [randomTensor(sh, s)], fn: (x) => A.div(x!, 0.3) })],
  ['powScalar', (sh, s) => ({ inputs: [positive(distinctTensor(sh, s))], fn: (x) => A.pow(x!, 2.5) })],
  ['square (composed)', (sh, s) => ({ inputs: [randomTensor(sh, s)], fn: A.square })],
  [
    'cast float64 → float64 round trip through reshape',
    (sh, s) => ({ inputs: [randomTensor(sh, s)], fn: (x) => A.cast(A.reshape(x!, [-1]), 'float64') }),
  ],
];

describe('gradients of elementwise ops match finite differences (float64, 1e-6)', () => {
  it.each(binaryCases)('%s over random broadcast pairs', (_name, make) => {
    checkProperty(pairArb.map(([[sa, sb], seed]) => make(sa, sb, seed)));
  });
  it.each(unaryCases)('%s over random shapes', (_name, make) => {
    checkProperty(unaryArb.map(([shape, seed]) => make(shape, seed)));
  });
});

/** A random non-empty shape with a random subset of its axes and keepdims. */
const reductionArb = fc.tuple(shapeArb(1, 3), seedArb, fc.boolean()).chain(([shape, seed, keepdims]) =>
  fc
    .subarray(
      shape.map((_, i) => i),
      { minLength: 1 },
    )
    .map((axes) => ({ shape, seed, keepdims, axes })),
);

describe('gradients of reductions match finite differences', () => {
  it('sum over random axes', () => {
    checkProperty(
      reductionArb.map(({ shape, seed, keepdims, axes }) => ({
        inputs: [randomTensor(shape, seed)],
        fn: (x) => A.sum(x!, axes, keepdims),
      })),
    );
  });
  it('mean over random axes (composed)', () => {
    checkProperty(
      reductionArb.map(({ shape, seed, keepdims, axes }) => ({
        inputs: [randomTensor(shape, seed)],
        fn: (x) => A.mean(x!, axes, keepdims),
      })),
    );
  });
  it('max and min over random axes', () => {
    checkProperty(
      reductionArb.map(({ shape, seed, keepdims, axes }) => ({
        inputs: [distinctTensor(shape, seed)],
        fn: (x) => A.max(x!, axes, keepdims),
      })),
    );
    checkProperty(
      reductionArb.map(({ shape, seed, keepdims, axes }) => ({
        inputs: [distinctTensor(shape, seed)],
        fn: (x) => A.min(x!, axes, keepdims),
      })),
    );
  });
  it('logSumExp, softmax and logSoftmax along a random axis', () => {
    const axisArb = fc
      .tuple(shapeArb(1, 3), seedArb, fc.boolean())
      .chain(([shape, seed, keepdims]) =>
        fc.integer({ min: -shape.length, max: shape.length - 1 }).map((axis) => ({ shape, seed, keepdims, axis })),
      );
    checkProperty(
      axisArb.map(({ shape, seed, keepdims, axis }) => ({
        inputs: [randomTensor(shape, seed, { low: -4, high: 4 })],
        fn: (x) => A.logSumExp(x!, axis, keepdims),
      })),
    );
    checkProperty(
      axisArb.map(({ shape, seed, axis }) => ({
        inputs: [randomTensor(shape, seed, { low: -4, high: 4 })],
        fn: (x) => A.softmax(x!, axis),
      })),
    );
    checkProperty(
      axisArb.map(({ shape, seed, axis }) => ({
        inputs: [randomTensor(shape, seed, { low: -4, high: 4 })],
        fn: (x) => A.logSoftmax(x!, axis),
      })),
    );
  });
});

describe('gradients of matmul and shape ops match finite differences', () => {
  it('matmul over 2-D and batched operands with broadcast batch dims', () => {
    checkProperty(
      fc
        .tuple(matmulShapesArb, seedArb)
        .map(([[sa, sb], seed]) => ({ inputs: [randomTensor(sa, seed), randomTensor(sb, seed + 1)], fn: A.matmul })),
      40,
    );
  });
  it('matmulAdd, with c the shape of the product or broadcast along any of its axes', () => {
    checkProperty(
      fc.tuple(matmulShapesArb, seedArb, fc.integer({ min: 0, max: 3 })).map(([[sa, sb], seed, form]) => {
        const shape = [...T.broadcastShapes('test', sa.slice(0, -2), sb.slice(0, -2)), sa.at(-2)!, sb.at(-1)!];
        // c: the whole product, a bias [n], a column [m, 1], or [1, n] with the batch axes dropped
        const cShape = [shape, shape.slice(-1), [shape.at(-2)!, 1], [1, shape.at(-1)!]][form]!;
        return {
          inputs: [randomTensor(sa, seed), randomTensor(sb, seed + 1), randomTensor(cShape, seed + 2)],
          fn: (a, b, c) => A.matmulAdd(a!, b!, c!),
        };
      }),
      40,
    );
  });
  it('reshape, permute (and transpose), expand', () => {
    checkProperty(
      unaryArb.map(([shape, seed]) => ({ inputs: [randomTensor(shape, seed)], fn: (x) => A.reshape(x!, [-1, 1]) })),
    );
    checkProperty(
      unaryArb.map(([shape, seed]) => ({
        inputs: [randomTensor(shape, seed)],
        fn: (x) =>
          A.permute(
            x!,
            shape.map((_, i) => shape.length - 1 - i),
          ),
      })),
    );
    checkProperty(
      shapeArb(2, 3).chain((shape) =>
        seedArb.map((seed) => ({ inputs: [randomTensor(shape, seed)], fn: (x: Variable) => A.transpose(x, 0, -1) })),
      ),
    );
    checkProperty(
      broadcastPairArb.chain(([sa, sb]) =>
        seedArb.map((seed) => ({
          inputs: [randomTensor(sa, seed)],
          fn: (x: Variable) => A.expand(x, T.broadcastShapes('test', sa, sb)),
        })),
      ),
    );
  });
  it('slice with ranges, steps and picked indices', () => {
    const sliceArb = fc
      .tuple(shapeArb(1, 3), seedArb)
      .chain(([shape, seed]) =>
        fc
          .tuple(
            ...shape.map((d) =>
              fc.oneof(
                fc.integer({ min: 0, max: d - 1 }),
                fc.record({ start: fc.integer({ min: 0, max: d - 1 }), step: fc.integer({ min: 1, max: 2 }) }),
              ),
            ),
          )
          .map((specs) => ({ inputs: [randomTensor(shape, seed)], fn: (x: Variable) => A.slice(x, specs) })),
      );
    checkProperty(sliceArb);
  });
  it('concat and stack (composed) along a random axis', () => {
    const joinArb = fc.tuple(shapeArb(1, 3), seedArb, fc.integer({ min: 1, max: 3 })).chain(([shape, seed, extra]) =>
      fc.integer({ min: 0, max: shape.length - 1 }).map((axis) => {
        const other = shape.map((d, i) => (i === axis ? extra : d));
        return { shape, other, seed, axis };
      }),
    );
    checkProperty(
      joinArb.map(({ shape, other, seed, axis }) => ({
        inputs: [randomTensor(shape, seed), randomTensor(other, seed + 1)],
        fn: (a, b) => A.concat([a!, b!], axis),
      })),
    );
    checkProperty(
      joinArb.map(({ shape, seed, axis }) => ({
        inputs: [randomTensor(shape, seed), randomTensor(shape, seed + 1)],
        fn: (a, b) => A.stack([a!, b!], axis),
      })),
    );
  });
  it('indexSelect (embedding lookup) with repeated indices', () => {
    const lookupArb = fc
      .tuple(shapeArb(1, 3), seedArb, fc.array(fc.nat(), { minLength: 1, maxLength: 6 }))
      .chain(([shape, seed, raw]) =>
        fc.integer({ min: 0, max: shape.length - 1 }).map((axis) => {
          const ids = T.tensor(
            raw.map((r) => r % shape[axis]!),
            { dtype: 'int32' },
          );
          return {
            inputs: [randomTensor(shape, seed), ids],
            fn: (x: Variable, i: Variable) => A.indexSelect(x, axis, i.value),
          };
        }),
      );
    checkProperty(lookupArb);
  });
});

/** A shape with at least one axis (the last is the normalised or class axis). */
const rowsArb = fc.tuple(shapeArb(1, 3), seedArb);

describe('gradients of the fused layers match finite differences', () => {
  it.each(['none', 'tanh'] as const)('gelu (approximate %s), including large |x|', (approximate) => {
    checkProperty(
      rowsArb.map(([shape, seed]) => ({
        inputs: [randomTensor(shape, seed, { low: -6, high: 6 })],
        fn: (x) => A.gelu(x!, approximate),
      })),
    );
  });
  // Distinct entries keep every row's spread well above the step (a row of near-equal values
  // has σ ≪ h, and finite differences of x̂ = (x − μ)/σ there measure truncation, not the rule).
  it('layerNorm: x, weight and bias together', () => {
    checkProperty(
      rowsArb.map(([shape, seed]) => {
        const d = shape[shape.length - 1]!;
        return {
          inputs: [distinctTensor(shape, seed), randomTensor([d], seed + 1), randomTensor([d], seed + 2)],
          fn: (x, w, b) => A.layerNorm(x!, w!, b!, 1e-5),
        };
      }),
    );
  });
  it('softmaxCrossEntropy with some rows ignored', () => {
    const lossArb = fc.tuple(dim, fc.integer({ min: 1, max: 6 }), seedArb).chain(([rows, classes, seed]) =>
      fc
        .array(fc.integer({ min: -1, max: classes - 1 }), { minLength: rows, maxLength: rows })
        .filter((ts) => ts.some((t) => t >= 0))
        .map((ts) => {
          const targets = T.tensor(ts, { dtype: 'int32' });
          return {
            inputs: [randomTensor([rows, classes], seed, { low: -4, high: 4 })],
            fn: (x: Variable) => A.softmaxCrossEntropy(x, targets, -1),
          };
        }),
    );
    checkProperty(lossArb);
  });
});

describe('gradcheck itself', () => {
  it('catches a wrong gradient rule', () => {
    const wrongSquare = A.customOp({
      name: 'wrongSquare',
      forward(ctx, x) {
        ctx.save(x);
        return T.mul(x, x);
      },
      backward: (ctx, g) => [T.mul(g, ctx.saved[0]!)], // missing the factor 2
    });
    expect(A.gradcheck(wrongSquare, [randomTensor([3, 2], 1)])).toBeGreaterThan(0.4);
  });

  it('insists on float64 inputs', () => {
    expect(() => A.gradcheck(A.exp, [T.zeros([2])])).toThrow(
      /gradcheck: input 0 is float32; finite differences need float64 inputs/,
    );
  });
});
