/** Accuracy, per-class F1 and macro-F1 (genre/metrics.ts) against cases computed by hand. */
import { describe, expect, it } from 'vitest';
import { argmaxRows, classificationScores } from '../src/genre/metrics.js';

describe('classificationScores', () => {
  it('scores a three-class case computed by hand', () => {
    // truth 0 0 1 1 2 2, predicted 0 1 1 1 0 2:
    // class 0: tp 1, fp 1 (a 2 called 0), fn 1 (a 0 called 1) → F1 = 2/(2+1+1) = 0.5
    // class 1: tp 2, fp 1, fn 0 → 4/5 = 0.8;  class 2: tp 1, fp 0, fn 1 → 2/3
    const s = classificationScores([0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 0, 2], 3);
    expect(s.confusion).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 1],
    ]);
    expect(s.accuracy).toBeCloseTo(4 / 6, 12);
    expect(s.f1[0]).toBeCloseTo(0.5, 12);
    expect(s.f1[1]).toBeCloseTo(0.8, 12);
    expect(s.f1[2]).toBeCloseTo(2 / 3, 12);
    expect(s.macroF1).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3, 12);
  });

  it('counts a class that is never right as F1 0, and averages over every class', () => {
    // everything predicted as class 0: accuracy 2/4, F1(0) = 2·2/(2·2 + 2 + 0) = 2/3, the rest 0
    const s = classificationScores([0, 0, 1, 2], [0, 0, 0, 0], 4);
    expect(s.accuracy).toBe(0.5);
    expect(s.f1).toEqual([2 / 3, 0, 0, 0]);
    expect(s.macroF1).toBeCloseTo(2 / 3 / 4, 12);
  });

  it('gives 1 for perfect predictions', () => {
    const s = classificationScores([2, 0, 1], [2, 0, 1], 3);
    expect([s.accuracy, s.macroF1]).toEqual([1, 1]);
  });

  it('refuses mismatched lengths, no examples and labels outside the classes', () => {
    expect(() => classificationScores([0, 1], [0], 2)).toThrow('2 true labels but 1 predictions');
    expect(() => classificationScores([], [], 2)).toThrow('no examples');
    expect(() => classificationScores([0, 2], [0, 1], 2)).toThrow('true label 2 at index 1 is not a class 0..1');
    expect(() => classificationScores([0, 1], [0, -1], 2)).toThrow('prediction -1 at index 1 is not a class 0..1');
  });
});

describe('argmaxRows', () => {
  it("picks each row's largest value, the first on ties", () => {
    expect(argmaxRows([0.1, 0.7, 0.2, 5, 5, -1], 2, 3)).toEqual([1, 0]);
    expect(() => argmaxRows([1, 2, 3], 2, 2)).toThrow('3 values do not make 2 rows of 2');
  });
});
