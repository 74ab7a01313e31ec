import type { DType } from './dtype.js';
import { allocateArray } from './dtype.js';
import { DTypeError, shapeError } from './errors.js';
import { getBackend } from './backend/registry.js';
import type { CreateOptions } from './creation.js';
import { Tensor } from './tensor.js';
import type { Shape } from './shape.js';
import { assertValidShape, sizeOf } from './shape.js';

/**
 * A seeded pseudo-random generator: xoshiro128** (Blackman and Vigna, 2018), 128 bits of state,
 * seeded from a 32-bit integer by SplitMix32. Everything is 32-bit integer arithmetic
 * (Math.imul, >>>), so a seed gives the same stream bit for bit on every JavaScript engine.
 *
 * - uniform float64 in [0, 1): 53 random bits from two outputs;
 * - uniform float32 in [0, 1): the top 24 bits of one output (never rounds up to 1);
 * - normal: Box–Muller on two uniforms, both results used in turn.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  constructor(readonly seed: number) {
    if (!Number.isInteger(seed)) throw new Error(`Rng: seed must be an integer, got ${seed}`);
    let x = seed >>> 0;
    const splitMix32 = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = splitMix32();
    this.s1 = splitMix32();
    this.s2 = splitMix32();
    this.s3 = splitMix32();
  }

  /** The generator's full state, to checkpoint a run and resume it bit for bit. */
  getState(): number[] {
    return [this.seed, this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0, this.spareNormal ?? NaN];
  }

  /** A generator that continues exactly where `getState()` was taken. */
  static fromState(state: readonly number[]): Rng {
    if (state.length !== 6 || state.slice(1, 5).some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new Error(`Rng.fromState: expected [seed, four 32-bit words, spare], got ${JSON.stringify(state)}`);
    }
    const rng = new Rng(state[0]!);
    [rng.s0, rng.s1, rng.s2, rng.s3] = [state[1]! | 0, state[2]! | 0, state[3]! | 0, state[4]! | 0];
    rng.spareNormal = typeof state[5] === 'number' && !Number.isNaN(state[5]) ? state[5] : null; // JSON turns NaN into null
    return rng;
  }

  /** Next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits (two draws). */
  nextFloat64(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992; // (high·2^26 + low) / 2^53
  }

  /** A uniform number in [0, 1) with 24 random bits, exact in float32. */
  nextFloat32(): number {
    return (this.nextUint32() >>> 8) / 16777216; // 24 bits / 2^24
  }

  /** A standard normal deviate (Box–Muller). */
  nextNormal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return z;
    }
    const u1 = 1 - this.nextFloat64(); // in (0, 1], so log is finite
    const u2 = this.nextFloat64();
    const radius = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = radius * Math.sin(2 * Math.PI * u2);
    return radius * Math.cos(2 * Math.PI * u2);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

let globalRng = new Rng(0);

/** Reseeds the generator used when no `rng` is passed. */
export function manualSeed(seed: number): void {
  globalRng = new Rng(seed);
}

/** Creation options plus the generator to draw from (the global one, see `manualSeed`, by default). */
export interface RandomOptions extends CreateOptions {
  rng?: Rng;
}

function fill(shape: Shape, options: RandomOptions, sample: (rng: Rng, dtype: DType) => number): Tensor {
  assertValidShape('random', shape);
  const dtype = options.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') throw new DTypeError(`random: expected a float dtype, got ${dtype}`);
  const rng = options.rng ?? globalRng;
  const array = allocateArray(dtype, sizeOf(shape));
  for (let i = 0; i < array.length; i++) array[i] = sample(rng, dtype);
  return new Tensor(getBackend(options.backend).upload(array), shape);
}

/** Uniform in [0, 1). */
export function rand(shape: Shape, options: RandomOptions = {}): Tensor {
  return fill(shape, options, (rng, dtype) => (dtype === 'float32' ? rng.nextFloat32() : rng.nextFloat64()));
}

/** Uniform in [low, high). */
export function uniform(shape: Shape, low: number, high: number, options: RandomOptions = {}): Tensor {
  if (!(high > low)) throw new Error(`uniform: need low < high, got [${low}, ${high})`);
  return fill(shape, options, (rng) => low + (high - low) * rng.nextFloat64());
}

/** Normal with the given mean and standard deviation (standard normal by default). */
export function randn(shape: Shape, options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  const { mean = 0, std = 1 } = options;
  return fill(shape, options, (rng) => mean + std * rng.nextNormal());
}

/**
 * He/Kaiming uniform init as PyTorch's `kaiming_uniform_(w, a)`: U(-bound, bound) with
 * bound = gain · sqrt(3 / fanIn), gain = sqrt(2 / (1 + a²)). The default a = √5 is what
 * nn.Linear and PEFT's lora_A use, giving bound = 1 / sqrt(fanIn). fanIn defaults to the
 * product of all dimensions after the first (a weight is out x in).
 */
export function kaimingUniform(shape: Shape, options: RandomOptions & { a?: number; fanIn?: number } = {}): Tensor {
  const fanIn = options.fanIn ?? sizeOf(shape.slice(1));
  if (!(fanIn > 0)) throw shapeError('kaimingUniform', `fan-in must be positive (shape [${shape.join(', ')}])`);
  const a = options.a ?? Math.sqrt(5);
  const bound = Math.sqrt(2 / (1 + a * a)) * Math.sqrt(3 / fanIn);
  return uniform(shape, -bound, bound, options);
}
