/**
 * Classification scores from true and predicted labels 0..classes−1.
 *
 * - confusion[t][p]: how many examples of class t were predicted as p.
 * - accuracy: Σ confusion[c][c] / N.
 * - per class c: precision = tp / (tp + fp), recall = tp / (tp + fn), F1 = 2·tp / (2·tp + fp + fn)
 *   (the harmonic mean of the two, written so that it is 0, not 0/0, when tp = fp = fn = 0 or
 *   tp = 0: scikit-learn's `zero_division=0`).
 * - macro-F1: the unweighted mean of the per-class F1 over all `classes` classes, so a rare
 *   class counts as much as a common one (scikit-learn's `f1_score(average='macro',
 *   labels=range(classes))`).
 */
export interface ClassificationScores {
  accuracy: number;
  macroF1: number;
  /** F1 of each class, in label order. */
  f1: number[];
  /** confusion[true][predicted]. */
  confusion: number[][];
}

/** Scores predictions against the true labels; both are label arrays of the same length. */
export function classificationScores(
  truth: readonly number[],
  predicted: readonly number[],
  classes: number,
): ClassificationScores {
  if (truth.length !== predicted.length)
    throw new Error(`classificationScores: ${truth.length} true labels but ${predicted.length} predictions`);
  if (truth.length === 0) throw new Error('classificationScores: no examples to score');
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  truth.forEach((t, i) => {
    const p = predicted[i]!;
    for (const [what, label] of [
      ['true label', t],
      ['prediction', p],
    ] as const)
      if (!Number.isInteger(label) || label < 0 || label >= classes)
        throw new Error(`classificationScores: ${what} ${label} at index ${i} is not a class 0..${classes - 1}`);
    confusion[t]![p]!++;
  });
  const correct = confusion.reduce((n, row, c) => n + row[c]!, 0);
  const f1 = confusion.map((row, c) => {
    const tp = row[c]!;
    const fn = row.reduce((n, v) => n + v, 0) - tp;
    const fp = confusion.reduce((n, other) => n + other[c]!, 0) - tp;
    return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  });
  return {
    accuracy: correct / truth.length,
    macroF1: f1.reduce((s, v) => s + v, 0) / classes,
    f1,
    confusion,
  };
}

/** The index of each row's largest value (the first one on ties) of a row-major [rows, columns] array. */
export function argmaxRows(values: ArrayLike<number>, rows: number, columns: number): number[] {
  if (values.length !== rows * columns)
    throw new Error(`argmaxRows: ${values.length} values do not make ${rows} rows of ${columns}`);
  return Array.from({ length: rows }, (_, r) => {
    let best = 0;
    for (let c = 1; c < columns; c++) if (values[r * columns + c]! > values[r * columns + best]!) best = c;
    return best;
  });
}
