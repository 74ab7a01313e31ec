import { s } from './dom.js';

export interface Series {
  label: string;
  color: string;
  dashed?: boolean;
  points: [number, number][];
}

const W = 640;
const H = 260;
const PAD = { left: 52, right: 12, top: 12, bottom: 34 };

/** Round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / count;
  const step =
    10 ** Math.floor(Math.log10(raw)) * ([1, 2, 5, 10].find((m) => m * 10 ** Math.floor(Math.log10(raw)) >= raw) ?? 10);
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/**
 * A line chart drawn as SVG (scales to its container's width). `title` and `description` are
 * its accessible name and description; the numbers themselves are in a table beside it.
 */
export function lineChart(o: {
  title: string;
  description: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  yLog?: boolean;
}): SVGElement {
  const all = o.series.flatMap((line) => line.points);
  const f = (y: number) => (o.yLog ? Math.log10(Math.max(y, 1e-12)) : y);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => f(p[1]));
  const [x0, x1] = xs.length ? [Math.min(0, ...xs), Math.max(1, ...xs)] : [0, 1];
  let [y0, y1] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  if (y1 - y0 < 1e-9) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const px = (x: number) => PAD.left + ((x - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const py = (y: number) => H - PAD.bottom - ((f(y) - y0) / (y1 - y0)) * (H - PAD.top - PAD.bottom);
  const pyRaw = (v: number) => H - PAD.bottom - ((v - y0) / (y1 - y0)) * (H - PAD.top - PAD.bottom);
  const svg = s(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'chart', 'aria-label': o.title },
    s('title', {}, o.title),
    s('desc', {}, o.description),
  );
  for (const t of ticks(y0, y1, 4)) {
    svg.append(
      s('line', { x1: PAD.left, x2: W - PAD.right, y1: pyRaw(t), y2: pyRaw(t), class: 'grid' }),
      s('text', { x: PAD.left - 6, y: pyRaw(t) + 4, 'text-anchor': 'end' }, o.yLog ? `1e${t}` : String(t)),
    );
  }
  for (const t of ticks(x0, x1, 6).filter(Number.isInteger)) {
    svg.append(s('text', { x: px(t), y: H - PAD.bottom + 16, 'text-anchor': 'middle' }, String(t)));
  }
  svg.append(
    s('text', { x: (PAD.left + W - PAD.right) / 2, y: H - 4, 'text-anchor': 'middle', class: 'axis-label' }, o.xLabel),
    s(
      'text',
      { x: 12, y: H / 2, transform: `rotate(-90 12 ${H / 2})`, 'text-anchor': 'middle', class: 'axis-label' },
      o.yLabel,
    ),
  );
  for (const line of o.series) {
    if (!line.points.length) continue;
    const d = line.points.map(([x, y], i) => `${i ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join('');
    svg.append(
      s('path', {
        d,
        fill: 'none',
        stroke: line.color,
        'stroke-width': 2,
        'stroke-dasharray': line.dashed ? '6 4' : undefined,
      }),
    );
    if (line.points.length === 1) {
      const [x, y] = line.points[0]!;
      svg.append(s('circle', { cx: px(x), cy: py(y), r: 3, fill: line.color }));
    }
  }
  return svg;
}
