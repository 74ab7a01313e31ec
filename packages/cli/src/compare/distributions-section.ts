import type { FactorDrift } from '../report/drift.js';
import { distributionDrift } from '../report/drift.js';
import type { LabelledDistributions } from '../report/distribution-plot.js';
import { distributionsSvg } from '../report/distribution-plot.js';
import type { SeededRun } from '../report/seed-groups.js';

/** The variants whose A and B the report plots (the paper's Figure 3 compares these two). */
const PLOTTED = ['lora', 'lora-fa'];

/** compare's "Where A and B end up" section: the plot, and the drift verdict per run in words. */
export interface DistributionsSection {
  svg: string;
  drift: { run: string; factors: FactorDrift[] }[];
  lines: string[];
}

/**
 * For the LoRA and LoRA-FA runs of the first seed (one per init), the histograms of A and B at
 * the start and the end as small multiples, and whether each factor drifted toward a Gaussian.
 * Null when no such run recorded distributions.
 */
export async function distributionsSection(runs: readonly SeededRun[]): Promise<DistributionsSection | null> {
  const firstSeed = runs[0]?.seed;
  const plotted = runs
    .filter((r) => PLOTTED.includes(r.variant) && r.seed === firstSeed && r.distributions)
    .map(
      (r) =>
        ({
          label: r.method.replace(/, seed \d+$/, ''),
          distributions: r.distributions!,
        }) satisfies LabelledDistributions,
    );
  if (plotted.length === 0) return null;
  const drift = plotted.map((r) => ({ run: r.label, factors: distributionDrift(r.label, r.distributions) }));
  const svg = await distributionsSvg(plotted, `Entries of A and B per module, start and end (seed ${firstSeed})`);
  const lines = [
    'Does "the distributions drift toward Gaussian" (Figure 3) hold here? KS is the Kolmogorov–Smirnov distance to the Gaussian fitted to the entries (0 for a perfect fit; 0.057 for a uniform), kurtosis the excess kurtosis (0 for a Gaussian, −1.2 for a uniform):',
    ...drift.flatMap((d) => d.factors.map((f) => `- ${f.sentence}`)),
  ];
  return { svg, drift, lines };
}
