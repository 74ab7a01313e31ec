import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';

/** An independent xoshiro128** written from the published reference (for cross-checking). */
function referenceXoshiro128ss(seed: number, count: number): number[] {
  const next64 = (() => {
    let x = seed >>> 0;
    return () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
  })();
  const s = new Uint32Array([next64(), next64(), next64(), next64()]);
  const rotl = (v: number, k: number) => ((v << k) | (v >>> (32 - k))) >>> 0;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push(Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0);
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
  }
  return out;
}

describe('seeded PRNG', () => {
  it('is xoshiro128** seeded by SplitMix32 (matches an independent implementation)', () => {
    const rng = new T.Rng(12345);
    const ours = Array.from({ length: 1000 }, () => rng.nextUint32());
    expect(ours).toEqual(referenceXoshiro128ss(12345, 1000));
  });

  it('reproduces a run bit for bit from a seed, and different seeds differ', () => {
    const draw = (seed: number) => [
      ...T.randn([50], { rng: new T.Rng(seed), dtype: 'float64' }).dataSync(),
      ...T.rand([50], { rng: new T.Rng(seed) }).dataSync(),
      ...T.kaimingUniform([8, 16], { rng: new T.Rng(seed) }).dataSync(),
    ];
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    T.manualSeed(3);
    const a = T.randn([10]).dataSync();
    T.manualSeed(3);
    expect(T.randn([10]).dataSync()).toEqual(a);
  });

  it('saves and restores its state: a resumed stream continues bit for bit', () => {
    const rng = new T.Rng(9);
    rng.nextNormal(); // leaves a spare normal in the state
    const restored = T.Rng.fromState(JSON.parse(JSON.stringify(rng.getState())));
    expect(Array.from({ length: 20 }, () => restored.nextNormal())).toEqual(
      Array.from({ length: 20 }, () => rng.nextNormal()),
    );
    expect(() => T.Rng.fromState([1, 2, 3])).toThrow(/Rng\.fromState: expected/);
  });

  it('rand is in [0, 1) for both dtypes, uniform in [low, high)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const x = T.rand([20000], { dtype, rng: new T.Rng(1) }).dataSync();
      expect(Math.min(...x)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...x)).toBeLessThan(1);
    }
    const u = T.uniform([20000], -3, 5, { rng: new T.Rng(2), dtype: 'float64' }).dataSync();
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-3);
    expect(Math.max(...u)).toBeLessThan(5);
  });

  it('randn has mean 0 and variance 1 within 5 standard errors', () => {
    const n = 100000;
    const x = Array.from(T.randn([n], { rng: new T.Rng(11), dtype: 'float64' }).dataSync());
    const mean = x.reduce((s, v) => s + v, 0) / n;
    const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n)); // SE of the mean = 1/√n
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n)); // SE of the variance ≈ √(2/n)
  });

  it('kaimingUniform uses bound 1/sqrt(fanIn) with the default a = √5', () => {
    const w = T.kaimingUniform([64, 100], { rng: new T.Rng(5), dtype: 'float64' }).dataSync();
    const bound = 1 / Math.sqrt(100);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.95 * bound);
    const relu = T.kaimingUniform([64, 100], { rng: new T.Rng(5), a: 0, dtype: 'float64' }).dataSync();
    expect(Math.max(...relu.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 100));
  });

  it('rejects bad arguments', () => {
    expect(() => new T.Rng(1.5)).toThrow(/Rng: seed must be an integer/);
    expect(() => T.uniform([2], 1, 1)).toThrow(/uniform: need low < high/);
    expect(() => T.randn([2], { dtype: 'int32' })).toThrow(/random: expected a float dtype, got int32/);
  });
});
