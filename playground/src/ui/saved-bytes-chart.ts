import type { SavedBytesRow } from '../protocol.js';
import { h, kib, s, table } from './dom.js';

const KINDS = ['c_attn', 'attn.c_proj', 'c_fc', 'mlp.c_proj'];
const COLORS = ['#1f77b4', '#6baed6', '#2ca02c', '#98df8a'];
const OTHER_COLOR = '#bbbbbb';
const W = 640;
const ROW = 34;
const LEFT = 70;

/** The adapted linears' total: the part of the tape the methods differ in (Table 1). */
export function adaptedBytes(row: SavedBytesRow): number {
  return Object.values(row.adapted).reduce((a, b) => a + b, 0);
}

/**
 * One stacked bar per method: what the tape saved for backward in one forward pass, by adapted
 * linear kind (summed over blocks) and the rest of the model; with the formula of the memory
 * model beside it and every number in a table.
 */
export function savedBytesPanel(rows: SavedBytesRow[], tokens: number, rank: number): HTMLElement {
  const most = Math.max(...rows.map((r) => adaptedBytes(r) + r.other), 1);
  const scale = (b: number) => (b / most) * (W - LEFT - 10);
  const svg = s(
    'svg',
    {
      viewBox: `0 0 ${W} ${rows.length * ROW + 30}`,
      role: 'img',
      class: 'chart',
      'aria-label': 'Saved bytes per method',
    },
    s('title', {}, 'Bytes saved for backward per method'),
    s(
      'desc',
      {},
      'Stacked bars: the adapted linears by kind, then the rest of the model. The numbers are in the table below.',
    ),
  );
  rows.forEach((row, i) => {
    const y = 8 + i * ROW;
    svg.append(s('text', { x: LEFT - 6, y: y + 17, 'text-anchor': 'end' }, row.method));
    let x = LEFT;
    KINDS.forEach((kind, k) => {
      const width = scale(row.adapted[kind] ?? 0);
      svg.append(
        s('rect', {
          x,
          y,
          width,
          height: ROW - 10,
          fill: COLORS[k],
          'data-method': row.method,
          'data-kind': kind,
          'data-bytes': row.adapted[kind] ?? 0,
        }),
      );
      x += width;
    });
    svg.append(
      s('rect', {
        x,
        y,
        width: scale(row.other),
        height: ROW - 10,
        fill: OTHER_COLOR,
        'data-method': row.method,
        'data-kind': 'other',
        'data-bytes': row.other,
      }),
    );
  });
  const legendY = rows.length * ROW + 22;
  [...KINDS, 'rest of the model'].forEach((label, k) => {
    const x = LEFT + k * 112;
    svg.append(
      s('rect', { x, y: legendY - 10, width: 10, height: 10, fill: COLORS[k] ?? OTHER_COLOR }),
      s('text', { x: x + 14, y: legendY }, label),
    );
  });
  const numbers = table(
    `Bytes saved for backward, one forward pass of ${tokens} tokens (N), rank ${rank}, float32`,
    ['method', ...KINDS, 'rest', 'adapted linears (tape)', 'memory model'],
    rows.map((r) => [r.method, ...KINDS.map((k) => r.adapted[k] ?? 0), r.other, adaptedBytes(r), r.model]),
  );
  numbers.id = 'saved-bytes-table';
  return h(
    'div',
    {},
    svg,
    h(
      'p',
      { class: 'formula' },
      'Per adapted linear with input X (N × in), Table 1 of the paper: full N·in, LoRA N·(in + r), ',
      h('strong', {}, 'LoRA-FA N·r'),
      ' (only H = X Aᵀ), LoRA-FB N·in; × 4 bytes. LoRA-FA here: ',
      kib(adaptedBytes(rows.find((r) => r.method === 'lora-fa') ?? rows[0]!)),
      ' against LoRA ',
      kib(adaptedBytes(rows.find((r) => r.method === 'lora') ?? rows[0]!)),
      '.',
    ),
    h('div', { class: 'table-scroll' }, numbers),
  );
}
