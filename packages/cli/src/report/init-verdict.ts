import type { RunGroup } from './seed-groups.js';
import type { SeedStats } from './seed-stats.js';
import { formatSeedStats } from './seed-stats.js';

/**
 * The paper's claims on the initialisation of A under LoRA-FA (Section 6.5, Table 5; Appendix
 * E.3, Table 12): Gaussian ≥ mixed ("Uniform + D Gaussian") ≥ uniform, and a PiSSA-style A is
 * unsuited to LoRA-FA (worse than Gaussian) — judged here from held-out loss over seeds, lower
 * being better.
 *
 * A difference counts only when it exceeds the seed noise: twice the standard error of the
 * difference of two means, 2·√(sd_a²/n_a + sd_b²/n_b) (about a 95 % interval when the seeds'
 * losses are roughly normal). With a single seed the noise is not measured and nothing is
 * resolved.
 */

/** One pairwise comparison: is `better` (the paper's claim) really better than `worse`? */
export interface InitComparison {
  better: string;
  worse: string;
  /** mean loss of `worse` − mean loss of `better`: positive when the claim's direction holds. */
  difference: number;
  /** 2·√(sd²/n + sd²/n), or null with a single seed. */
  noise: number | null;
  /** 'claim' or 'against': beyond the noise that way; 'within': inside it (or not measured). */
  outcome: 'claim' | 'against' | 'within';
}

/** The verdicts: on the ordering, on PiSSA, each with the comparisons behind it and a sentence. */
export interface InitVerdict {
  ordering: { verdict: Verdict; comparisons: InitComparison[]; sentence: string } | null;
  pissa: { verdict: Verdict; comparisons: InitComparison[]; sentence: string } | null;
}

/** holds: every step beyond the noise the claimed way; does not hold: one beyond it against. */
export type Verdict = 'holds' | 'does not hold' | 'same order, within noise' | 'not resolved (within noise)';

/** The paper's order, best first; adjacent pairs that were both run are compared. */
const PAPER_ORDER = ['gaussian', 'mixed', 'uniform'] as const;

export function compareInits(better: string, worse: string, loss: Record<string, SeedStats>): InitComparison {
  const a = loss[better]!;
  const b = loss[worse]!;
  const difference = b.mean - a.mean;
  const noise = a.n > 1 && b.n > 1 ? 2 * Math.sqrt(a.sd ** 2 / a.n + b.sd ** 2 / b.n) : null;
  const outcome = noise === null || Math.abs(difference) <= noise ? 'within' : difference > 0 ? 'claim' : 'against';
  return { better, worse, difference, noise, outcome };
}

function verdictOf(comparisons: readonly InitComparison[]): Verdict {
  if (comparisons.some((c) => c.outcome === 'against')) return 'does not hold';
  if (comparisons.every((c) => c.outcome === 'claim')) return 'holds';
  return comparisons.every((c) => c.difference > 0) ? 'same order, within noise' : 'not resolved (within noise)';
}

function describe(c: InitComparison): string {
  const noise = c.noise === null ? 'noise not measured (one seed)' : `noise ${c.noise.toFixed(4)}`;
  const what =
    c.outcome === 'claim'
      ? `${c.better} is better beyond the noise`
      : c.outcome === 'against'
        ? `${c.worse} is better beyond the noise, against the claim`
        : 'within the noise';
  return `${c.better} vs ${c.worse}: loss difference ${c.difference >= 0 ? '+' : ''}${c.difference.toFixed(4)} (${noise}): ${what}`;
}

/** The verdicts for the inits that were run (`loss`: held-out loss over seeds, by init). */
export function initVerdict(loss: Record<string, SeedStats>): InitVerdict {
  const ran = PAPER_ORDER.filter((init) => loss[init]);
  const orderPairs = ran.slice(1).map((worse, i) => compareInits(ran[i]!, worse, loss));
  const seeds = Math.min(...Object.values(loss).map((s) => s.n));
  const means = ran.map((init) => `${init} ${formatSeedStats(loss[init]!, 4)}`).join(', ');
  const ordering = orderPairs.length
    ? {
        verdict: verdictOf(orderPairs),
        comparisons: orderPairs,
        sentence: `The paper's ordering ${ran.join(' ≥ ')} (held-out loss, mean ± sd over ${seeds} seed${seeds === 1 ? '' : 's'}: ${means}) — ${verdictOf(orderPairs)}. ${orderPairs.map(describe).join('; ')}.`,
      }
    : null;
  const pissaPairs = loss['gaussian'] && loss['pissa'] ? [compareInits('gaussian', 'pissa', loss)] : [];
  const pissa = pissaPairs.length
    ? {
        verdict: verdictOf(pissaPairs),
        comparisons: pissaPairs,
        sentence: `PiSSA-style A unsuited to LoRA-FA (worse than Gaussian; pissa ${formatSeedStats(loss['pissa']!, 4)}) — ${verdictOf(pissaPairs)}. ${describe(pissaPairs[0]!)}.`,
      }
    : null;
  return { ordering, pissa };
}

/** The init verdict for the LoRA-FA groups (with correction if run, else without). */
export function initVerdictOf(groups: readonly RunGroup[]): InitVerdict | null {
  const variant = ['lora-fa', 'lora-fa-nocorr'].find((v) => groups.some((g) => g.variant === v));
  const ofVariant = groups.filter((g) => g.variant === variant);
  if (ofVariant.length < 2) return null;
  return initVerdict(Object.fromEntries(ofVariant.map((g) => [g.init, g.evalLoss])));
}

/** The verdict's sentences for report.md and the text output (none without a verdict). */
export function verdictLines(verdict: InitVerdict | null): string[] {
  if (!verdict || (!verdict.ordering && !verdict.pissa)) return [];
  return [
    `Verdict (LoRA-FA; a difference counts when it exceeds 2·√(sd²/n + sd²/n) over the seeds):`,
    ...[verdict.ordering, verdict.pissa].filter((v) => v !== null).map((v) => `- ${v.sentence}`),
  ];
}
