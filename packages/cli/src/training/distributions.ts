import type { LoraAdapter } from '@lorafa/lorafa';
import type { Histogram } from '../report/distribution-stats.js';
import { excessKurtosis, histogram, ksDistanceToFittedGaussian } from '../report/distribution-stats.js';

/** GPT-2's four adapted linears, the module kinds of the paper's Figure 3. */
export const MODULE_KINDS = ['c_attn', 'attn.c_proj', 'c_fc', 'mlp.c_proj'] as const;
const BINS = 40;

/** The entries of one factor (A or B) pooled over every adapter of one module kind. */
export interface FactorDistribution {
  n: number;
  mean: number;
  sd: number;
  /** Null for a constant factor (B starts at 0). */
  excessKurtosis: number | null;
  /** KS distance to the Gaussian fitted to the entries; null for a constant factor. */
  ksGaussian: number | null;
  histogram: Histogram;
}

/** Per module kind, A's and B's entries summarised (kinds with no adapter are left out). */
export type AdapterDistributions = Record<string, { A: FactorDistribution; B: FactorDistribution }>;

/** The module kind of an adapter path (`transformer.h.3.mlp.c_proj` → `mlp.c_proj`), or null. */
export function moduleKind(name: string): string | null {
  return MODULE_KINDS.find((kind) => name === kind || name.endsWith(`.${kind}`)) ?? null;
}

function summarise(values: Float64Array): FactorDistribution {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2;
  return {
    n: values.length,
    mean,
    sd: Math.sqrt(variance / values.length),
    excessKurtosis: excessKurtosis(values),
    ksGaussian: ksDistanceToFittedGaussian(values),
    histogram: histogram(values, BINS),
  };
}

/**
 * The distributions of A's and B's entries per module kind, now (read from any backend with
 * `await data()`). Null without adapters (Full-FT).
 */
export async function adapterDistributions(adapters: readonly LoraAdapter[]): Promise<AdapterDistributions | null> {
  const pooled = new Map<string, { A: number[][]; B: number[][] }>();
  for (const adapter of adapters) {
    const kind = moduleKind(adapter.name);
    if (kind === null) continue;
    const entry = pooled.get(kind) ?? { A: [], B: [] };
    entry.A.push(Array.from(await adapter.A.value.data()));
    entry.B.push(Array.from(await adapter.B.value.data()));
    pooled.set(kind, entry);
  }
  if (pooled.size === 0) return null;
  const result: AdapterDistributions = {};
  for (const kind of MODULE_KINDS) {
    const entry = pooled.get(kind);
    if (entry)
      result[kind] = {
        A: summarise(Float64Array.from(entry.A.flat())),
        B: summarise(Float64Array.from(entry.B.flat())),
      };
  }
  return result;
}
