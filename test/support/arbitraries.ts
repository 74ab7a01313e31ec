/**
 * fast-check arbitraries shared by the packages' property tests. Shapes come from fast-check
 * (so failures shrink to small shapes); values come from a seeded Rng so they are reproducible.
 */
import fc from 'fast-check';
import * as T from '@lorafa/tensor';

export const dim = fc.integer({ min: 1, max: 4 });

export function shapeArb(minRank = 0, maxRank = 3): fc.Arbitrary<number[]> {
  return fc.array(dim, { minLength: minRank, maxLength: maxRank });
}

/** Derives a shape that broadcasts to `full`: drop some leading axes, set some others to 1. */
function shrinkToBroadcast(full: readonly number[]): fc.Arbitrary<number[]> {
  return fc
    .tuple(
      fc.integer({ min: 0, max: full.length }),
      fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }),
    )
    .map(([drop, ones]) => full.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
}

/** Two shapes that NumPy-broadcast together (and the full shape they came from). */
export const broadcastPairArb = shapeArb(0, 3).chain((full) =>
  fc.tuple(shrinkToBroadcast(full), shrinkToBroadcast(full)),
);

/** Shapes for a batched matmul with broadcast batch dimensions: [...batchA, m, k] @ [...batchB, k, n]. */
export const matmulShapesArb = fc.tuple(shapeArb(0, 2), dim, dim, dim).chain(([batch, m, k, n]) =>
  fc.tuple(shrinkToBroadcast(batch), shrinkToBroadcast(batch)).map(
    ([ba, bb]) =>
      [
        [...ba, m, k],
        [...bb, k, n],
      ] as [number[], number[]],
  ),
);

export const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/** A LoRA layer's input [batch, seq, inFeatures], its output width, rank and dtype: small, for saved-bytes properties. */
export const loraLayerShapeArb = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  seq: fc.integer({ min: 1, max: 5 }),
  inFeatures: fc.integer({ min: 1, max: 12 }),
  outFeatures: fc.integer({ min: 1, max: 12 }),
  rank: fc.integer({ min: 1, max: 4 }),
  dtype: fc.constantFrom('float32' as const, 'float64' as const),
});

/** Uniform values in [low, high), reproducible from the seed. */
export function randomTensor(
  shape: readonly number[],
  seed: number,
  options: { dtype?: T.FloatDType; low?: number; high?: number } = {},
): T.Tensor {
  const { dtype = 'float64', low = -2, high = 2 } = options;
  return T.uniform(shape, low, high, { dtype, rng: new T.Rng(seed) });
}

/**
 * Values that keep clear of kinks and ties: each entry is ±(0.3 + a distinct multiple of 0.11),
 * shuffled, so relu/abs are far from 0 and max/maximum never tie (gaps exceed any stencil).
 */
export function distinctTensor(shape: readonly number[], seed: number): T.Tensor {
  const rng = new T.Rng(seed);
  const n = T.sizeOf(shape);
  const values = Array.from({ length: n }, (_, i) => (0.3 + 0.11 * i) * (rng.nextFloat64() < 0.5 ? -1 : 1));
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.nextFloat64() * (i + 1));
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
  return T.fromFlat(values, shape, { dtype: 'float64' });
}

/** Row-major multi-index of a flat position. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    index[i] = flat % shape[i]!;
    flat = Math.floor(flat / shape[i]!);
  }
  return index;
}

/** Flat position of a multi-index, with NumPy broadcasting (axes of length 1 read index 0). */
export function ravelBroadcast(index: readonly number[], shape: readonly number[]): number {
  const lead = index.length - shape.length;
  let flat = 0;
  shape.forEach((d, i) => {
    flat = flat * d + (d === 1 ? 0 : index[i + lead]!);
  });
  return flat;
}
