/**
 * The memory benchmark's plots, as Vega-Lite specs rendered by @lorafa/cli/plot: saved
 * activation bytes against rank and against adapted blocks (one line per method), and the
 * longest sequence under the budget per method and attention.
 */
import { vegaLiteSvg } from '@lorafa/cli/plot';
import type { MeasuredPoint } from './memory-measure.js';

type Spec = Parameters<typeof vegaLiteSvg>[0];

const METHOD_NAMES: Record<string, string> = {
  full: 'Full-FT',
  lora: 'LoRA',
  'lora-fa': 'LoRA-FA',
  'lora-fb': 'LoRA-FB',
};
const methodName = (m: string) => METHOD_NAMES[m] ?? m;

function sweepPanel(points: readonly MeasuredPoint[], field: 'rank' | 'adaptedBlocks', title: string, log: boolean) {
  return {
    title,
    width: 300,
    height: 240,
    data: {
      values: points.map((p) => ({ method: methodName(p.method), x: p[field], mib: p.measuredBytes / 2 ** 20 })),
    },
    mark: { type: 'line' as const, point: true },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative' as const,
        title: field === 'rank' ? 'rank r (log scale)' : 'adapted blocks (the first k)',
        scale: log ? { type: 'log' as const, base: 2 } : {},
      },
      y: { field: 'mib', type: 'quantitative' as const, title: 'saved activations (MiB)' },
      color: { field: 'method', type: 'nominal' as const, title: 'method', sort: Object.values(METHOD_NAMES) },
    },
  };
}

/** Saved bytes vs rank (all blocks adapted) and vs adapted blocks (at one rank), side by side. */
export function sweepsSvg(
  rankSweep: readonly MeasuredPoint[],
  blockSweep: readonly MeasuredPoint[],
  title: string,
): Promise<string> {
  const spec: Spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    hconcat: [
      sweepPanel(rankSweep, 'rank', 'vs rank, every block adapted', true),
      sweepPanel(blockSweep, 'adaptedBlocks', `vs adapted blocks, r = ${blockSweep[0]?.rank ?? '?'}`, false),
    ],
  };
  return vegaLiteSvg(spec);
}

export interface LongestSequence {
  method: string;
  attention: string;
  longest: number;
}

/** The longest sequence (a power of two) under the budget, per method, one bar per attention. */
export function longestSequenceSvg(rows: readonly LongestSequence[], title: string): Promise<string> {
  const spec: Spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 360,
    height: 220,
    data: { values: rows.map((r) => ({ ...r, method: methodName(r.method) })) },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'method', type: 'nominal', title: 'method', sort: Object.values(METHOD_NAMES) },
      xOffset: { field: 'attention', type: 'nominal' },
      y: { field: 'longest', type: 'quantitative', title: 'longest sequence under the budget (tokens)' },
      color: { field: 'attention', type: 'nominal', title: 'attention' },
    },
  };
  return vegaLiteSvg(spec);
}
