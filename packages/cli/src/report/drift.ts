import type { AdapterDistributions, FactorDistribution } from '../training/distributions.js';
import { lillieforsCritical } from './distribution-stats.js';

/**
 * The paper's Figure 3 claim, "the distributions drift toward Gaussian" during training, judged
 * for one run from its start and end distributions, per module kind and factor:
 * - a factor that starts with a distribution (A; B only if it does not start at 0) drifts
 *   toward Gaussian in a module kind when its KS distance to the fitted Gaussian falls;
 * - a factor that ends as it started (LoRA-FA's frozen A) does not move at all;
 * - a factor that starts at 0 (B) is judged at the end only: Gaussian-like where its KS
 *   distance is below Lilliefors' 5 % critical value 0.886/√n.
 */
export interface FactorDrift {
  factor: 'A' | 'B';
  /** Per module kind: KS and excess kurtosis at the start (null: constant) and the end. */
  kinds: {
    kind: string;
    ksStart: number | null;
    ksEnd: number | null;
    kurtosisStart: number | null;
    kurtosisEnd: number | null;
    gaussianLikeEnd: boolean;
  }[];
  outcome: 'frozen' | 'toward Gaussian' | 'partly toward Gaussian' | 'away from Gaussian' | 'starts at 0';
  sentence: string;
}

const f3 = (v: number | null) => (v === null ? '—' : v.toFixed(3));
const unchanged = (a: FactorDistribution, b: FactorDistribution) =>
  a.mean === b.mean && a.sd === b.sd && a.ksGaussian === b.ksGaussian;

function factorDrift(
  method: string,
  factor: 'A' | 'B',
  start: AdapterDistributions,
  end: AdapterDistributions,
): FactorDrift {
  const names = Object.keys(start).filter((k) => end[k]);
  const kinds = names.map((kind) => {
    const [s, e] = [start[kind]![factor], end[kind]![factor]];
    return {
      kind,
      ksStart: s.ksGaussian,
      ksEnd: e.ksGaussian,
      kurtosisStart: s.excessKurtosis,
      kurtosisEnd: e.excessKurtosis,
      gaussianLikeEnd: e.ksGaussian !== null && e.ksGaussian < lillieforsCritical(e.n),
    };
  });
  const detail = kinds
    .map(
      (k) => `${k.kind} KS ${f3(k.ksStart)} → ${f3(k.ksEnd)}, kurtosis ${f3(k.kurtosisStart)} → ${f3(k.kurtosisEnd)}`,
    )
    .join('; ');
  const gaussianLike = kinds.filter((k) => k.gaussianLikeEnd).length;
  const atEnd = `${gaussianLike} of ${kinds.length} module kinds end Gaussian-like (KS below Lilliefors' 5 % value 0.886/√n)`;
  if (names.every((k) => unchanged(start[k]![factor], end[k]![factor])))
    return {
      factor,
      kinds,
      outcome: 'frozen',
      sentence: `${method}: ${factor} is frozen — its distribution does not move (${detail}).`,
    };
  if (kinds.every((k) => k.ksStart === null))
    return {
      factor,
      kinds,
      outcome: 'starts at 0',
      sentence: `${method}: ${factor} starts at 0; ${atEnd} (${detail}).`,
    };
  const compared = kinds.filter((k) => k.ksStart !== null && k.ksEnd !== null);
  const toward = compared.filter((k) => k.ksEnd! < k.ksStart!).length;
  const outcome =
    toward === compared.length ? 'toward Gaussian' : toward === 0 ? 'away from Gaussian' : 'partly toward Gaussian';
  return {
    factor,
    kinds,
    outcome,
    sentence: `${method}: ${factor}'s KS distance to its fitted Gaussian falls in ${toward} of ${compared.length} module kinds (${outcome}); ${atEnd} (${detail}).`,
  };
}

/** A's and B's drift over one run. */
export function distributionDrift(
  method: string,
  distributions: { start: AdapterDistributions; end: AdapterDistributions | null },
): FactorDrift[] {
  const { start, end } = distributions;
  if (!end) return [];
  return [factorDrift(method, 'A', start, end), factorDrift(method, 'B', start, end)];
}
