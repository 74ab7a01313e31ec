import * as T from '@lorafa/tensor';
import { correctB } from '@lorafa/lorafa';
import { h, s } from './dom.js';

const SIZE = 220;
const C = SIZE / 2;

/**
 * The correction in two dimensions, computed with `correctB` itself: A is 2 x 2 with rows along
 * 30° and 120° of lengths 1 and 1/√κ (so cond(A Aᵀ) = κ), s = 1, and dW = (0.2, 1). The corrected
 * step s X A = dW P_A is the full gradient (A's rows span the plane); the raw step s² dW AᵀA is
 * stretched along A's long row and turned away from dW the more, the larger κ.
 */
function vectors(kappa: number) {
  const angle = Math.PI / 6;
  const [c, sn] = [Math.cos(angle), Math.sin(angle)];
  const a = T.tensor(
    [
      [c, sn],
      [-sn / Math.sqrt(kappa), c / Math.sqrt(kappa)],
    ],
    { dtype: 'float64' },
  );
  const dW = T.tensor([[0.2, 1]], { dtype: 'float64' });
  const gB = T.matmul(dW, a.transpose()); // LoRA-FA's raw gradient, s = 1
  const corrected = T.matmul(correctB(gB, a, 1), a);
  const raw = T.matmul(gB, a);
  const unit = (t: T.Tensor) => {
    const [x, y] = t.dataSync() as unknown as [number, number];
    const n = Math.hypot(x, y) || 1;
    return [x / n, y / n] as const;
  };
  const [rx, ry] = unit(raw);
  const [dx, dy] = unit(dW);
  return { dW: unit(dW), corrected: unit(corrected), raw: [rx, ry] as const, cosine: rx * dx + ry * dy, rows: a };
}

/** An arrow from the centre along the unit vector v, labelled at its tip (on the left for `left`). */
function arrow(
  v: readonly [number, number],
  color: string,
  label: string,
  o: { dashed?: boolean; left?: boolean } = {},
): SVGElement {
  const x = C + v[0] * (C - 24);
  const y = C - v[1] * (C - 24);
  return s(
    'g',
    {},
    s('line', {
      x1: C,
      y1: C,
      x2: x,
      y2: y,
      stroke: color,
      'stroke-width': 3,
      'stroke-dasharray': o.dashed ? '5 4' : undefined,
      'marker-end': 'url(#head)',
    }),
    s('text', { x: o.left ? x - 6 : x + 6, y: y + 4, 'text-anchor': o.left ? 'end' : 'start', fill: color }, label),
  );
}

export function correctionPicture(): HTMLElement {
  const slider = h('input', { type: 'range', id: 'kappa', min: 0, max: 3, step: 0.1, value: 2 });
  const readout = h('output', { for: 'kappa' });
  const picture = h('div', { class: 'picture' });
  const draw = () => {
    const kappa = 10 ** Number(slider.value);
    const v = vectors(kappa);
    readout.textContent = `κ = ${kappa.toPrecision(3)}: cosine(raw, corrected) = ${v.cosine.toFixed(3)}`;
    picture.replaceChildren(
      s(
        'svg',
        {
          viewBox: `0 0 ${SIZE} ${SIZE}`,
          role: 'img',
          class: 'chart square',
          'aria-label': 'The raw and corrected update in two dimensions',
        },
        s('title', {}, 'The raw and the corrected LoRA-FA update in two dimensions'),
        s('desc', {}, readout.textContent),
        s(
          'defs',
          {},
          s(
            'marker',
            {
              id: 'head',
              viewBox: '0 0 10 10',
              refX: 8,
              refY: 5,
              markerWidth: 5,
              markerHeight: 5,
              orient: 'auto-start-reverse',
            },
            s('path', { d: 'M0,0 L10,5 L0,10 z', fill: 'context-stroke' }),
          ),
        ),
        s('circle', { cx: C, cy: C, r: C - 24, fill: 'none', stroke: '#eee' }),
        arrow(v.corrected, '#2ca02c', 'corrected', { left: true }),
        arrow(v.dW, '#555', 'dW (full)', { dashed: true }),
        arrow(v.raw, '#d62728', 'raw'),
      ),
    );
  };
  slider.addEventListener('input', draw);
  draw();
  return h(
    'div',
    { class: 'picture-row' },
    picture,
    h(
      'div',
      {},
      h('label', { for: 'kappa' }, 'cond(A Aᵀ), log scale'),
      slider,
      h('p', {}, readout),
      h(
        'p',
        { class: 'formula' },
        'Directions only. With A frozen the raw step is s² dW AᵀA: the gradient stretched along A’s long rows. ',
        'The corrected step s X A = dW Aᵀ(A Aᵀ)⁻¹A is dW projected onto A’s row space (here the whole plane, so dW itself).',
      ),
    ),
  );
}
