import type { RunGroup, SeededRun } from './seed-groups.js';
import { vegaLiteSvg } from './plot.js';

/**
 * Held-out loss per init over the seeds: one dot per run, and per method and init the mean
 * (a tick) with a bar of ± one standard deviation, so that the spread is visible beside the
 * differences between inits. One column per method.
 */
export async function seedSpreadSvg(runs: readonly SeededRun[], groups: readonly RunGroup[], title: string) {
  const values = [
    ...runs.map((r) => ({
      layer: 'run',
      method: r.method.split(',')[0],
      init: r.init,
      loss: r.evalLoss,
      seed: r.seed,
    })),
    ...groups.map((g) => ({
      layer: 'mean',
      method: g.method,
      init: g.init,
      loss: g.evalLoss.mean,
      low: g.evalLoss.mean - g.evalLoss.sd,
      high: g.evalLoss.mean + g.evalLoss.sd,
    })),
  ];
  const x = {
    field: 'init',
    type: 'nominal',
    title: 'init of A',
    sort: groups.map((g) => g.init),
    axis: { labelAngle: 0 },
  } as const;
  const y = {
    field: 'loss',
    type: 'quantitative',
    title: 'held-out loss (nats/token)',
    scale: { zero: false },
  } as const;
  return vegaLiteSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values },
    facet: { column: { field: 'method', type: 'nominal', title: null } },
    spec: {
      width: 80 * Math.max(2, new Set(groups.map((g) => g.init)).size),
      height: 260,
      layer: [
        {
          transform: [{ filter: "datum.layer === 'mean'" }],
          mark: { type: 'rule', strokeWidth: 2, color: '#888' },
          encoding: { x, y: { ...y, field: 'low' }, y2: { field: 'high' } },
        },
        {
          transform: [{ filter: "datum.layer === 'mean'" }],
          mark: { type: 'tick', thickness: 2, size: 24, color: 'black' },
          encoding: { x, y },
        },
        {
          transform: [{ filter: "datum.layer === 'run'" }],
          mark: { type: 'point', filled: true, size: 40, opacity: 0.7 },
          encoding: { x, y, color: { field: 'seed', type: 'nominal', title: 'seed' } },
        },
      ],
    },
  });
}
