import type * as T from '@lorafa/tensor';
import { formatShape } from '@lorafa/tensor';

export interface Check {
  name: string;
  relError: number;
}

export const TOLERANCE = 1e-4;

/** max |actual − reference| / max |reference|: the fixtures' relative error. */
export function relativeError(actual: ArrayLike<number>, reference: ArrayLike<number>): number {
  let error = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    const difference = Math.abs(actual[i]! - reference[i]!);
    error = Number.isNaN(difference) ? Infinity : Math.max(error, difference);
    scale = Math.max(scale, Math.abs(reference[i]!));
  }
  return scale === 0 ? (error === 0 ? 0 : Infinity) : error / scale;
}

/**
 * Collects named comparisons in order. Each comparison reads both tensors at once — on a device
 * backend that queues the reads at this point of the run, so the values are the ones the tensors
 * hold now even if the run goes on — and `settle` awaits them all.
 */
export class CheckList {
  private readonly pending: Promise<Check>[] = [];

  compare(name: string, actual: T.Tensor, reference: T.Tensor): void {
    if (actual.size !== reference.size) {
      throw new Error(
        `${name}: computed shape ${formatShape(actual.shape)} but the fixture has ${formatShape(reference.shape)}`,
      );
    }
    this.pending.push(
      Promise.all([actual.data(), reference.data()]).then(([a, r]) => ({ name, relError: relativeError(a, r) })),
    );
  }

  /** Every comparison's result, in order, and the largest relative error. */
  async settle(): Promise<{ checks: Check[]; maxRelError: number }> {
    const checks = await Promise.all(this.pending);
    return { checks, maxRelError: Math.max(0, ...checks.map((c) => c.relError)) };
  }
}
