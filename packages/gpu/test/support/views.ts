import fc from 'fast-check';
import * as T from '@lorafa/tensor';

/**
 * Random strided views for the conformance suite: a larger tensor sliced with a step along its
 * last axis, then permuted — so offsets, strides and transposes all occur. The same recipe is
 * built on the specification backend and on the backend under test, from the same float32
 * values (special values among them when asked).
 */
export const SPECIAL = [Number.NaN, Infinity, -Infinity, -0, 0, 3e38, -3e38];

export interface ViewRecipe {
  shape: number[];
  permutation: number[];
  step: number;
  seed: number;
  specials: boolean;
}

export const shapeArb = (maxRank = 4, maxDim = 5) =>
  fc.array(fc.integer({ min: 1, max: maxDim }), { maxLength: maxRank });

export function recipeFor(shape: number[], options: { specials?: boolean } = {}): fc.Arbitrary<ViewRecipe> {
  return fc
    .record({
      step: fc.integer({ min: 1, max: 2 }),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      specials: options.specials === undefined ? fc.boolean() : fc.constant(options.specials),
      permutation: fc.shuffledSubarray([...shape.keys()], { minLength: shape.length, maxLength: shape.length }),
    })
    .map((r) => ({ ...r, shape }));
}

export const viewArb = (options: { specials?: boolean; maxRank?: number } = {}) =>
  shapeArb(options.maxRank).chain((shape) => recipeFor(shape, options));

/** The recipe's view, whose shape is `shape` permuted by `permutation`. */
export function build(
  r: ViewRecipe,
  backend: string,
  values: (rng: T.Rng) => number = (rng) => rng.nextFloat64() * 6 - 3,
): T.Tensor {
  const stored = [...r.shape];
  if (stored.length > 0) stored[stored.length - 1] = stored[stored.length - 1]! * r.step;
  const rng = new T.Rng(r.seed);
  const flat = Array.from({ length: T.sizeOf(stored) }, () =>
    r.specials && rng.nextFloat64() < 0.2 ? SPECIAL[Math.floor(rng.nextFloat64() * SPECIAL.length)]! : values(rng),
  );
  let t = T.fromFlat(flat, stored, { dtype: 'float32', backend });
  if (stored.length > 0) t = t.slice([...r.shape.slice(0, -1).map(() => null), { step: r.step }]);
  return t.permute(r.permutation);
}

/** The shape a recipe's view has. */
export const viewShape = (r: ViewRecipe): number[] => r.permutation.map((k) => r.shape[k]!);
