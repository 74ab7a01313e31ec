import type * as T from '@lorafa/tensor';
import { formatShape } from '@lorafa/tensor';

export interface Check {
  name: string;
  relError: number;
}

export const TOLERANCE = 1e-4;

/** max |actual − reference| / max |reference|: the fixtures' relative error. */
export function relativeError(actual: T.Tensor, reference: T.Tensor, name: string): number {
  if (actual.size !== reference.size) {
    throw new Error(
      `${name}: computed shape ${formatShape(actual.shape)} but the fixture has ${formatShape(reference.shape)}`,
    );
  }
  const a = actual.dataSync();
  const r = reference.dataSync();
  let error = 0;
  let scale = 0;
  for (let i = 0; i < r.length; i++) {
    const difference = Math.abs(a[i]! - r[i]!);
    error = Number.isNaN(difference) ? Infinity : Math.max(error, difference);
    scale = Math.max(scale, Math.abs(r[i]!));
  }
  return scale === 0 ? (error === 0 ? 0 : Infinity) : error / scale;
}

/** Collects named comparisons in order. */
export class CheckList {
  readonly checks: Check[] = [];
  compare(name: string, actual: T.Tensor, reference: T.Tensor): void {
    this.checks.push({ name, relError: relativeError(actual, reference, name) });
  }
  get maxRelError(): number {
    return Math.max(0, ...this.checks.map((c) => c.relError));
  }
}
