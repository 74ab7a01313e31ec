import type { SavedBytesRow, SavedKind } from '../protocol.js';
import { SAVED_KINDS } from '../protocol.js';
import { h, kib, s, table } from './dom.js';

/** How the chart names each kind, and its colour. */
const KIND_LABELS: Record<SavedKind, string> = {
  linearX: 'X (linear inputs)',
  linearH: 'H = X Aᵀ',
  attention: 'attention',
  layerNorms: 'LayerNorm',
  mlpActivation: 'GELU',
  embeddingsHeadLoss: 'embeddings, head, loss',
};
const COLORS: Record<SavedKind | 'other', string> = {
  linearX: '#1f77b4',
  linearH: '#d62728',
  attention: '#ff7f0e',
  layerNorms: '#2ca02c',
  mlpActivation: '#9467bd',
  embeddingsHeadLoss: '#8c8c8c',
  other: '#000000',
};
const W = 640;
const LEFT = 70;
const BAR = 18;
const MODEL_BAR = 7;
const ROW = BAR + MODEL_BAR + 14;
const LEGEND_COLUMNS = 3;
const LEGEND_ROW = 18;

const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);

/** The linears' part (X and H): what the methods differ in (Table 1). */
function linearBytes(row: SavedBytesRow): number {
  return row.measured.linearX + row.measured.linearH;
}

/**
 * One stacked bar per method: what the tape saved for backward in one forward pass and its loss,
 * by kind; under it, thinner, the memory model's breakdown for the same shapes; the formula of
 * Table 1 beside them and every number in a table.
 */
export function savedBytesPanel(rows: SavedBytesRow[], tokens: number, rank: number): HTMLElement {
  const unnamed = rows.some((r) => r.measured.other !== 0);
  const most = Math.max(...rows.flatMap((r) => [sum(r.measured), sum(r.modelled)]), 1);
  const scale = (b: number) => (b / most) * (W - LEFT - 10);
  const legendRows = Math.ceil((SAVED_KINDS.length + (unnamed ? 1 : 0)) / LEGEND_COLUMNS);
  const svg = s(
    'svg',
    {
      viewBox: `0 0 ${W} ${rows.length * ROW + 14 + legendRows * LEGEND_ROW}`,
      role: 'img',
      class: 'chart',
      'aria-label': 'Saved bytes per method and kind, measured on the tape and modelled',
    },
    s('title', {}, 'Bytes saved for backward per method, by kind'),
    s(
      'desc',
      {},
      'For each method a stacked bar of what the tape saved, by kind, and under it a thin bar of the memory model. The numbers are in the table below.',
    ),
  );
  const stack = (row: SavedBytesRow, source: 'tape' | 'model', y: number, height: number) => {
    const bytes: Partial<Record<SavedKind | 'other', number>> = source === 'tape' ? row.measured : row.modelled;
    let x = LEFT;
    for (const kind of [...SAVED_KINDS, ...(unnamed ? (['other'] as const) : [])]) {
      const width = scale(bytes[kind] ?? 0);
      svg.append(
        s('rect', {
          x,
          y,
          width,
          height,
          fill: COLORS[kind],
          'fill-opacity': source === 'tape' ? 1 : 0.55,
          'data-method': row.method,
          'data-source': source,
          'data-kind': kind,
          'data-bytes': bytes[kind] ?? 0,
        }),
      );
      x += width;
    }
  };
  rows.forEach((row, i) => {
    const y = 6 + i * ROW;
    svg.append(s('text', { x: LEFT - 6, y: y + 14, 'text-anchor': 'end' }, row.method));
    stack(row, 'tape', y, BAR);
    stack(row, 'model', y + BAR + 2, MODEL_BAR);
    svg.append(
      s(
        'text',
        { x: LEFT - 6, y: y + BAR + MODEL_BAR + 1, 'text-anchor': 'end', 'font-size': 9, fill: '#555' },
        'model',
      ),
    );
  });
  const legend: [string, string][] = SAVED_KINDS.map((kind) => [KIND_LABELS[kind], COLORS[kind]]);
  if (unnamed) legend.push(['unnamed', COLORS.other]);
  legend.forEach(([label, color], k) => {
    const x = LEFT + (k % LEGEND_COLUMNS) * 180;
    const y = rows.length * ROW + 16 + Math.floor(k / LEGEND_COLUMNS) * LEGEND_ROW;
    svg.append(s('rect', { x, y: y - 10, width: 10, height: 10, fill: color }), s('text', { x: x + 14, y }, label));
  });
  const kindColumns = [...SAVED_KINDS.map((kind) => KIND_LABELS[kind]), ...(unnamed ? ['unnamed'] : [])];
  const cells = (bytes: Partial<Record<SavedKind | 'other', number>>) => [
    ...SAVED_KINDS.map((kind) => bytes[kind] ?? 0),
    ...(unnamed ? [bytes.other ?? 0] : []),
    sum(bytes as Record<string, number>),
  ];
  const numbers = table(
    `Bytes saved for backward, one forward pass and loss of ${tokens} tokens (N), rank ${rank}, float32: the tape, and the memory model (gpt2SavedActivations)`,
    ['method', 'source', ...kindColumns, 'total'],
    rows.flatMap((r) => [
      [r.method, 'tape', ...cells(r.measured)],
      [r.method, 'memory model', ...cells(r.modelled)],
    ]),
  );
  numbers.id = 'saved-bytes-table';
  const disagree = rows.filter((r) => SAVED_KINDS.some((kind) => r.measured[kind] !== r.modelled[kind]) || unnamed);
  const loraFa = rows.find((r) => r.method === 'lora-fa') ?? rows[0]!;
  const lora = rows.find((r) => r.method === 'lora') ?? rows[0]!;
  return h(
    'div',
    {},
    svg,
    h(
      'p',
      { class: 'formula' },
      'Per adapted linear with input X (N × in), Table 1 of the paper: Full-FT keeps X (N·in), LoRA X and H (N·(in + r)), ',
      h('strong', {}, 'LoRA-FA H = X Aᵀ alone (N·r)'),
      ', LoRA-FB X (N·in); × 4 bytes. Here the linears keep ',
      kib(linearBytes(loraFa)),
      ' with LoRA-FA against ',
      kib(linearBytes(lora)),
      ' with LoRA; attention, LayerNorm, GELU and the loss are the same for every adapter method.',
    ),
    h(
      'p',
      { id: 'saved-bytes-agreement' },
      disagree.length === 0
        ? 'The tape and the memory model agree on every kind, for every method, byte for byte.'
        : `The tape and the memory model differ for ${disagree.map((r) => r.method).join(', ')}.`,
    ),
    h('div', { class: 'table-scroll' }, numbers),
  );
}
