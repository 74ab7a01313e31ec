import type { AdapterDistributions } from '../training/distributions.js';
import { vegaLiteSvg } from './plot.js';

/** One run's distributions, under the label its curves get. */
export interface LabelledDistributions {
  label: string;
  distributions: { start: AdapterDistributions; end: AdapterDistributions | null };
}

/**
 * Histograms of A's and B's entries as densities (count / (n · bin width)), small multiples:
 * one row per module kind, one column per factor and time (A start, A end, B start, B end), one
 * line per run. A constant factor (B at the start: all zeros) has no histogram and no line.
 */
export async function distributionsSvg(runs: readonly LabelledDistributions[], title: string): Promise<string> {
  const values: Record<string, unknown>[] = [];
  for (const { label, distributions } of runs) {
    for (const [time, d] of [
      ['start', distributions.start],
      ['end', distributions.end],
    ] as const) {
      for (const [kind, factors] of Object.entries(d ?? {})) {
        for (const factor of ['A', 'B'] as const) {
          const { n, histogram: h } = factors[factor];
          const width = (h.hi - h.lo) / h.counts.length;
          if (!(width > 0)) continue;
          h.counts.forEach((count, i) =>
            values.push({
              run: label,
              kind,
              panel: `${factor} ${time}`,
              x: h.lo + (i + 0.5) * width,
              density: count / (n * width),
            }),
          );
        }
      }
    }
  }
  return vegaLiteSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values },
    facet: {
      row: { field: 'kind', type: 'nominal', title: 'module', sort: ['c_attn', 'attn.c_proj', 'c_fc', 'mlp.c_proj'] },
      column: { field: 'panel', type: 'nominal', title: null, sort: ['A start', 'A end', 'B start', 'B end'] },
    },
    spec: {
      width: 150,
      height: 90,
      mark: { type: 'line', interpolate: 'step' },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: 'entry', axis: { tickCount: 3 } },
        y: { field: 'density', type: 'quantitative', title: 'density', axis: { tickCount: 3 } },
        color: { field: 'run', type: 'nominal', title: 'run', legend: { labelLimit: 260 } },
      },
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  });
}
