/** A learning-rate schedule: the rate for step t (1-based). */
export type Schedule = (step: number) => number;

/** The same rate at every step. */
export function constantSchedule(lr: number): Schedule {
  return () => lr;
}

/**
 * Linear warm-up from 0 to `peakLr` over `warmupSteps`, then cosine decay to `minLr` at
 * `totalSteps`: lr = min + ½(peak − min)(1 + cos(π · progress)).
 */
export function warmupCosineSchedule(options: {
  peakLr: number;
  warmupSteps: number;
  totalSteps: number;
  minLr?: number;
}): Schedule {
  const { peakLr, warmupSteps, totalSteps, minLr = 0 } = options;
  if (!(totalSteps > 0) || warmupSteps < 0 || warmupSteps > totalSteps) {
    throw new Error(
      `warmupCosineSchedule: need 0 ≤ warmupSteps ≤ totalSteps and totalSteps > 0, got ${warmupSteps} and ${totalSteps}`,
    );
  }
  return (step) => {
    if (step <= warmupSteps) return (peakLr * step) / Math.max(warmupSteps, 1);
    const progress = Math.min((step - warmupSteps) / Math.max(totalSteps - warmupSteps, 1), 1);
    return minLr + 0.5 * (peakLr - minLr) * (1 + Math.cos(Math.PI * progress));
  };
}
