import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { Dropout, gelu, geluTanh, GELU, Linear } from '@lorafa/nn';
import { randomTensor } from '../../../test/support/arbitraries.js';
import { relativeError } from '../../../test/support/matchers.js';

describe('Linear', () => {
  it('initialises like nn.Linear (U(±1/√in)) and computes x Wᵀ + b', () => {
    const layer = new Linear(50, 20, { rng: new T.Rng(1), dtype: 'float64' });
    const bound = 1 / Math.sqrt(50);
    for (const p of [layer.weight, layer.bias!])
      expect(Math.max(...[...p.value.dataSync()].map(Math.abs))).toBeLessThanOrEqual(bound);
    const x = randomTensor([3, 50], 2);
    const w = layer.weight.value.arraySync() as number[][];
    const b = layer.bias!.value.arraySync() as number[];
    const expected = (x.arraySync() as number[][]).flatMap((row) =>
      w.map((wr, j) => wr.reduce((s, v, k) => s + v * row[k]!, b[j]!)),
    );
    expect(relativeError(layer.forward(A.variable(x)).value.dataSync(), expected)).toBeLessThan(1e-14);
  });

  it('names the expected input size on a mismatch', () => {
    expect(() => new Linear(3, 2).forward(A.variable(T.ones([4, 5])))).toThrow(
      /Linear\(3 → 2\): input has shape \[4, 5\], expected last dimension 3/,
    );
  });
});

describe('GELU', () => {
  it('matches reference values (exact and tanh approximation)', () => {
    const x = A.variable(T.tensor([1, -0.5, 3], { dtype: 'float64' }));
    // From Python's math.erf and math.tanh: 0.5·x·(1 + erf(x/√2)) and 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))).
    expect(
      relativeError(gelu(x).value.dataSync(), [0.8413447460685429, -0.15426876936299344, 2.99595030590511]),
    ).toBeLessThan(1e-14);
    expect(
      relativeError(geluTanh(x).value.dataSync(), [0.8411919906082768, -0.15428599017485606, 2.996362607918227]),
    ).toBeLessThan(1e-14);
    expect(new GELU('tanh').forward(x).value.dataSync()).toEqual(geluTanh(x).value.dataSync());
  });

  it('has gradients that pass gradcheck', () => {
    expect(A.gradcheck(gelu, [randomTensor([3, 4], 1, { low: -3, high: 3 })])).toBeLessThan(1e-6);
    expect(A.gradcheck(geluTanh, [randomTensor([3, 4], 2, { low: -3, high: 3 })])).toBeLessThan(1e-6);
  });
});

describe('Dropout', () => {
  it('zeroes about p of the entries, scales the rest by 1/(1 − p), and repeats from its seed', () => {
    const x = A.variable(T.ones([100, 100]));
    const out = new Dropout(0.3, { seed: 5 }).forward(x).value.dataSync();
    const zeros = [...out].filter((v) => v === 0).length;
    expect(Math.abs(zeros / 1e4 - 0.3)).toBeLessThan(0.02);
    expect([...out].filter((v) => v !== 0).every((v) => Math.abs(v - 1 / 0.7) < 1e-6)).toBe(true);
    expect(new Dropout(0.3, { seed: 5 }).forward(x).value.dataSync()).toEqual(out);
    expect(() => new Dropout(1)).toThrow(/Dropout: p must be in \[0, 1\), got 1/);
  });
});
