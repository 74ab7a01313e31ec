import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

export interface CurvePoint {
  method: string;
  step: number;
  loss: number;
  kind: 'train' | 'held-out';
}

/** Loss curves, one line per method (held-out loss solid, training loss faint), rendered to SVG by Vega-Lite. */
export async function lossCurvesSvg(points: readonly CurvePoint[], title: string): Promise<string> {
  const spec: vegaLite.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 560,
    height: 320,
    data: { values: points as unknown as Record<string, unknown>[] },
    mark: { type: 'line', point: false },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'loss', type: 'quantitative', title: 'loss (nats/token)', scale: { zero: false } },
      color: { field: 'method', type: 'nominal', title: 'method', legend: { labelLimit: 260 } },
      strokeDash: { field: 'kind', type: 'nominal', title: 'curve', sort: ['held-out', 'train'] },
      opacity: { condition: { test: "datum.kind === 'train'", value: 0.45 }, value: 1 },
    },
  };
  return vegaLiteSvg(spec);
}

/** Renders a Vega-Lite spec to an SVG string, headless (also exported as @lorafa/cli/plot). */
export async function vegaLiteSvg(spec: vegaLite.TopLevelSpec): Promise<string> {
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
