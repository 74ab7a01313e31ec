import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import type { GpuBackend, GpuMode } from '@lorafa/gpu';
import { build, recipeFor, shapeArb, viewArb, viewShape } from './views.js';
import type { Tolerance } from './tolerance.js';
import { EPSILON, ERF, EXACT, firstMismatch, ROUNDED, TRANSCENDENTAL, within } from './tolerance.js';

/**
 * One conformance suite for the gpu backend, run on every mode that exists where it runs:
 * gpu:cpu and gpu:webasm in Node, gpu:webgpu and gpu:webgl2 in Chromium. Each kernel is checked
 * against the `cpu` specification on random shapes, strides, offsets, broadcasts and special
 * values (NaN, ±∞, ±0, ±3e38), with the float32 tolerance stated per kernel in tolerance.ts.
 */
export interface ConformanceOptions {
  /** fast-check runs per property (kernels compile per layout, so GPU modes use fewer). */
  numRuns: number;
}

const SPEC = 'cpu';
/** Small integers, so that ties and equal pairs occur. */
const ints = (rng: T.Rng): number => Math.floor(rng.nextFloat64() * 5) - 2;

async function agree(
  got: T.Tensor,
  want: T.Tensor,
  bound: (want: ArrayLike<number>) => (i: number) => number,
): Promise<void> {
  expect(got.shape).toEqual(want.shape);
  expect(got.dtype).toBe(want.dtype);
  const [g, w] = [await got.data(), want.dataSync()];
  const mismatch = firstMismatch(g, w, bound(w));
  if (mismatch) throw new Error(`${got.backend.name} vs specification, shape [${want.shape}]: ${mismatch}`);
}
const tol = (t: Tolerance) => (w: ArrayLike<number>) => within(t, w);

/** A partner for a binary op: the same shape with some axes (or all) broadcast. */
const partnerShape = (shape: number[]) =>
  fc
    .array(fc.boolean(), { minLength: shape.length, maxLength: shape.length })
    .map((keep) => shape.map((d, k) => (keep[k] ? d : 1)));

export function conformanceSuite(mode: GpuMode, backend: () => GpuBackend, options: ConformanceOptions): void {
  const run = <A>(arb: fc.Arbitrary<A>, check: (a: A) => Promise<void>) =>
    fc.assert(fc.asyncProperty(arb, check), { numRuns: options.numRuns });

  describe(`gpu:${mode} conformance with the cpu specification`, () => {
    it('runs every kernel in the mode it was asked for', () => {
      expect(backend().mode).toBe(mode);
      expect(backend().name).toBe(`gpu:${mode}`);
    });

    const unary: [string, (x: T.Tensor) => T.Tensor, Tolerance, boolean][] = [
      ['neg', T.neg, EXACT, true],
      ['abs', T.abs, EXACT, true],
      ['sign', T.sign, EXACT, true],
      ['relu', T.relu, EXACT, true],
      ['exp', T.exp, TRANSCENDENTAL, true],
      ['log', T.log, TRANSCENDENTAL, true],
      ['sqrt', T.sqrt, TRANSCENDENTAL, true],
      ['tanh', T.tanh, TRANSCENDENTAL, true],
      ['sigmoid', T.sigmoid, TRANSCENDENTAL, true],
      ['erf', T.erf, ERF, true],
    ];
    it.each(unary)('%s on any view', async (_name, op, tolerance, specials) => {
      await run(viewArb({ specials: specials ? undefined : false }), async (r) => {
        await agree(op(build(r, backend().name)), op(build(r, SPEC)), tol(tolerance));
      });
    });

    const binary: [string, (a: T.Tensor, b: T.Tensor) => T.Tensor, Tolerance][] = [
      ['add', T.add, ROUNDED],
      ['sub', T.sub, ROUNDED],
      ['mul', T.mul, ROUNDED],
      ['div', T.div, ROUNDED],
      ['maximum', T.maximum, EXACT],
      ['minimum', T.minimum, EXACT],
    ];
    const pairArb = (specials?: boolean) =>
      shapeArb().chain((shape) =>
        fc.tuple(
          recipeFor(shape, { specials }),
          partnerShape(shape).chain((s) => recipeFor(s, { specials })),
        ),
      );
    it.each(binary)('%s with broadcasting, on any views', async (_name, op, tolerance) => {
      await run(pairArb(), async ([ra, rb]) => {
        const bOn = (backend: string) => build(rb, backend).permute(invert(rb.permutation)).permute(ra.permutation);
        await agree(op(build(ra, backend().name), bOn(backend().name)), op(build(ra, SPEC), bOn(SPEC)), tol(tolerance));
      });
    });

    it('pow, including negative bases with integer exponents (GELU’s x³)', async () => {
      const exponent = fc.constantFrom(0, 1, 2, 3, 0.5, -1, 2.5);
      await run(fc.tuple(viewArb({ specials: false }), exponent), async ([r, e]) => {
        const base = (b: string) => (Number.isInteger(e) ? build(r, b) : T.abs(build(r, b)));
        await agree(T.pow(base(backend().name), e), T.pow(base(SPEC), e), tol(TRANSCENDENTAL));
      });
    });

    const compare: [string, (a: T.Tensor, b: T.Tensor) => T.Tensor][] = [
      ['equal', T.equal],
      ['notEqual', T.notEqual],
      ['less', T.less],
      ['lessEqual', T.lessEqual],
      ['greater', T.greater],
      ['greaterEqual', T.greaterEqual],
    ];
    it.each(compare)('%s gives bool masks, NaN included', async (_name, op) => {
      await run(pairArb(), async ([ra, rb]) => {
        const bOn = (backend: string) =>
          build(rb, backend, ints).permute(invert(rb.permutation)).permute(ra.permutation);
        await agree(
          op(build(ra, backend().name, ints), bOn(backend().name)),
          op(build(ra, SPEC, ints), bOn(SPEC)),
          tol(EXACT),
        );
      });
    });

    it('where selects through a broadcast mask', async () => {
      await run(pairArb(), async ([ra, rb]) => {
        const mask = (b: string) => T.greater(build(rb, b).permute(invert(rb.permutation)).permute(ra.permutation), 0);
        const on = (b: string) => T.where(mask(b), build(ra, b), T.neg(build(ra, b)));
        await agree(on(backend().name), on(SPEC), tol(EXACT));
      });
    });

    it('cast to int32 truncates, to bool tests non-zero, and back to float32', async () => {
      await run(viewArb({ specials: false }), async (r) => {
        for (const dtype of ['int32', 'bool'] as const) {
          const on = (b: string) => T.cast(T.mul(build(r, b), 100), dtype);
          await agree(on(backend().name), on(SPEC), tol(EXACT));
          await agree(T.cast(on(backend().name), 'float32'), T.cast(on(SPEC), 'float32'), tol(EXACT));
        }
      });
    });

    it('copy makes any view contiguous', async () => {
      await run(viewArb(), async (r) => {
        await agree(build(r, backend().name).contiguous(), build(r, SPEC).contiguous(), tol(EXACT));
      });
    });

    it('sum, max and min over any set of axes', async () => {
      const arb = viewArb({ maxRank: 4 }).chain((r) =>
        fc.tuple(
          fc.constant(r),
          fc.subarray([...viewShape(r).keys()]),
          fc.constantFrom('sum', 'max', 'min') as fc.Arbitrary<'sum' | 'max' | 'min'>,
        ),
      );
      await run(arb, async ([r, axes, op]) => {
        const got = T[op](build(r, backend().name), axes);
        const want = T[op](build(r, SPEC), axes);
        if (op !== 'sum') return agree(got, want, tol(EXACT));
        // Partial sums of ±3e38 overflow in float32 but not in the specification's float64
        // accumulator, so huge finite values are left out of sums (NaN and ±∞ stay in).
        if (
          build(r, SPEC)
            .dataSync()
            .some((x) => Number.isFinite(x) && Math.abs(x) > 1e30)
        )
          return;
        // Σ|x| bounds the float32 rounding error of a sum of n terms: n·ε·Σ|x|.
        const magnitude = T.sum(T.abs(build(r, SPEC)), axes).dataSync();
        const n = axes.length === 0 ? T.sizeOf(viewShape(r)) : axes.reduce((p, k) => p * viewShape(r)[k]!, 1);
        await agree(got, want, () => (i) => n * EPSILON * magnitude[i]! + 1e-30);
      });
    });

    it('argmax and argmin: the first extreme, NaN counting as the extreme', async () => {
      await run(
        viewArb().filter((r) => r.shape.length > 0),
        async (r) => {
          for (const op of [T.argmax, T.argmin]) {
            await agree(op(build(r, backend().name, ints)), op(build(r, SPEC, ints)), tol(EXACT));
          }
        },
      );
    });

    it('matmul: batched, broadcast and transposed views, within √k·ε·Σ|a||b|', async () => {
      const arb = fc.record({
        batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
        m: fc.integer({ min: 1, max: 9 }),
        k: fc.integer({ min: 1, max: 40 }),
        n: fc.integer({ min: 1, max: 9 }),
        transposeA: fc.boolean(),
        transposeB: fc.boolean(),
        broadcastB: fc.boolean(),
        seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      });
      await run(arb, async (c) => {
        const on = (b: string, abs = false) => {
          const rng = new T.Rng(c.seed);
          const make = (shape: number[], transpose: boolean) => {
            const stored = transpose ? [...shape.slice(0, -2), shape.at(-1)!, shape.at(-2)!] : shape;
            const t = T.randn(stored, { rng, dtype: 'float32', backend: b });
            const v = transpose ? t.transpose() : t;
            return abs ? T.abs(v) : v;
          };
          const a = make([...c.batch, c.m, c.k], c.transposeA);
          const bShape = c.broadcastB ? [c.k, c.n] : [...c.batch, c.k, c.n];
          return T.matmul(a, make(bShape, c.transposeB));
        };
        const bound = on(SPEC, true).dataSync();
        await agree(on(backend().name), on(SPEC), () => (i) => Math.sqrt(c.k) * EPSILON * bound[i]! + 1e-30);
      });
    });

    it('gather (indexSelect) and its adjoint scatterAdd, along any axis', async () => {
      const arb = viewArb({ specials: false })
        .filter((r) => r.shape.length > 0)
        .chain((r) =>
          fc.tuple(
            fc.constant(r),
            fc.integer({ min: 0, max: r.shape.length - 1 }),
            fc.array(fc.nat(), { minLength: 1, maxLength: 7 }),
          ),
        );
      await run(arb, async ([r, axis, raw]) => {
        const size = viewShape(r)[axis]!;
        const indices = (b: string) =>
          T.tensor(
            raw.map((i) => i % size),
            { dtype: 'int32', backend: b },
          );
        const x = (b: string) => build(r, b);
        await agree(
          T.indexSelect(x(backend().name), axis, indices(backend().name)),
          T.indexSelect(x(SPEC), axis, indices(SPEC)),
          tol(EXACT),
        );
        const source = (b: string) => T.indexSelect(x(b), axis, indices(b));
        const scatter = (b: string) => T.scatterAdd(viewShape(r), axis, indices(b), source(b));
        const magnitude = T.scatterAdd(viewShape(r), axis, indices(SPEC), T.abs(source(SPEC))).dataSync();
        await agree(scatter(backend().name), scatter(SPEC), () => (i) => raw.length * EPSILON * magnitude[i]! + 1e-30);
      });
    });

    it('assign writes through any view (sliceScatter, concat)', async () => {
      await run(
        viewArb({ specials: false }).filter((r) => r.shape.length > 0),
        async (r) => {
          const shape = viewShape(r);
          const on = (b: string) => {
            const base = T.zeros([...shape.slice(0, -1), shape.at(-1)! + 2], { dtype: 'float32', backend: b });
            const updated = T.sliceScatter(
              base,
              [...shape.slice(0, -1).map(() => null), { start: 1, stop: shape.at(-1)! + 1 }],
              build(r, b),
            );
            return T.concat([updated, build(r, b)], -1);
          };
          await agree(on(backend().name), on(SPEC), tol(EXACT));
        },
      );
    });
  });
}

function invert(permutation: readonly number[]): number[] {
  const inverse = new Array<number>(permutation.length);
  permutation.forEach((p, i) => {
    inverse[p] = i;
  });
  return inverse;
}
