/**
 * The verdict on the paper's init claims is computed from the numbers: the mean ± sd over
 * seeds (seed-stats.ts) and differences judged against 2·√(sd²/n + sd²/n) (init-verdict.ts).
 */
import { describe, expect, it } from 'vitest';
import { compareInits, initVerdict } from '../src/report/init-verdict.js';
import type { SeedStats } from '../src/report/seed-stats.js';
import { formatSeedStats, seedStats } from '../src/report/seed-stats.js';

/** Three seeds' losses around `mean`, with sample sd exactly `sd` (mean − sd, mean, mean + sd). */
const around = (mean: number, sd: number): SeedStats => seedStats([mean - sd, mean, mean + sd])!;

describe('seedStats', () => {
  it('gives the mean, the sample standard deviation (n − 1) and the range', () => {
    const s = seedStats([2, 4, 4, 4, 5, 5, 7, 9])!;
    expect(s.mean).toBe(5);
    expect(s.sd).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect([s.n, s.min, s.max]).toEqual([8, 2, 9]);
  });

  it('has no spread for one seed and no summary for none', () => {
    expect(seedStats([3])).toEqual({ n: 1, mean: 3, sd: 0, min: 3, max: 3 });
    expect(seedStats([])).toBeNull();
    expect(formatSeedStats(seedStats([3]), 2)).toBe('3.00');
    expect(formatSeedStats(seedStats([1, 3]), 2)).toBe('2.00 ± 1.41');
  });
});

describe('compareInits', () => {
  it('counts a difference only beyond twice the standard error of the difference', () => {
    // sd 0.03 and 0.04 over 3 seeds each: noise = 2·√(0.0009/3 + 0.0016/3) = 2·√(0.0025/3)
    const noise = 2 * Math.sqrt(0.0025 / 3);
    const loss = { a: around(2.0, 0.03), b: around(2.0 + noise * 1.01, 0.04), c: around(2.0 + noise * 0.99, 0.04) };
    expect(compareInits('a', 'b', loss)).toMatchObject({ outcome: 'claim' });
    expect(compareInits('a', 'b', loss).noise).toBeCloseTo(noise, 12);
    expect(compareInits('a', 'c', loss)).toMatchObject({ outcome: 'within' });
    expect(compareInits('b', 'a', loss)).toMatchObject({ outcome: 'against' });
    expect(compareInits('b', 'a', loss).difference).toBeCloseTo(-noise * 1.01, 12);
  });

  it('resolves nothing with a single seed', () => {
    const loss = { a: seedStats([1])!, b: seedStats([5])! };
    expect(compareInits('a', 'b', loss)).toEqual({
      better: 'a',
      worse: 'b',
      difference: 4,
      noise: null,
      outcome: 'within',
    });
  });
});

describe('initVerdict', () => {
  it('holds when each step of Gaussian ≥ mixed ≥ uniform is beyond the noise', () => {
    const v = initVerdict({ gaussian: around(2.0, 0.01), mixed: around(2.1, 0.01), uniform: around(2.2, 0.01) });
    expect(v.ordering!.verdict).toBe('holds');
    expect(v.ordering!.comparisons.map((c) => [c.better, c.worse])).toEqual([
      ['gaussian', 'mixed'],
      ['mixed', 'uniform'],
    ]);
    expect(v.ordering!.sentence).toMatch(
      /^The paper's ordering gaussian ≥ mixed ≥ uniform .* over 3 seeds: gaussian 2\.0000 ± 0\.0100/,
    );
    expect(v.pissa).toBeNull();
  });

  it('does not hold when one step goes against the claim beyond the noise', () => {
    const v = initVerdict({ gaussian: around(2.0, 0.01), mixed: around(2.1, 0.01), uniform: around(1.9, 0.01) });
    expect(v.ordering!.verdict).toBe('does not hold');
  });

  it('separates "same order within noise" from "not resolved"', () => {
    const same = initVerdict({ gaussian: around(2.0, 0.1), mixed: around(2.01, 0.1), uniform: around(2.02, 0.1) });
    expect(same.ordering!.verdict).toBe('same order, within noise');
    const mixedUp = initVerdict({ gaussian: around(2.02, 0.1), mixed: around(2.01, 0.1), uniform: around(2.0, 0.1) });
    expect(mixedUp.ordering!.verdict).toBe('not resolved (within noise)');
  });

  it('compares only the inits that ran, and PiSSA against Gaussian', () => {
    const v = initVerdict({ gaussian: around(2.0, 0.01), uniform: around(2.0, 0.01), pissa: around(2.5, 0.01) });
    expect(v.ordering!.comparisons.map((c) => `${c.better}>${c.worse}`)).toEqual(['gaussian>uniform']);
    expect(v.pissa!.verdict).toBe('holds');
    expect(v.pissa!.sentence).toMatch(
      /^PiSSA-style A unsuited to LoRA-FA .* — holds\. gaussian vs pissa: loss difference \+0\.5000/,
    );
    expect(initVerdict({ pissa: around(2, 0.1), 'kaiming-uniform': around(2, 0.1) })).toEqual({
      ordering: null,
      pissa: null,
    });
  });
});
