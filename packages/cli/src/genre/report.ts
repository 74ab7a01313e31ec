import { GENRES } from '../data/genre.js';
import { vegaLiteSvg } from '../report/plot.js';
import type { GenreSummary } from './train.js';

/** One method's row of `compare --task genre`: classify's summary under compare's method key. */
export type GenreRow = GenreSummary & { key: string };

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
const percent = (v: number) => `${(100 * v).toFixed(1)} %`;

const COLUMNS: [string, (r: GenreRow) => string][] = [
  ['method', (r) => r.method],
  ['trainable', (r) => r.trainableParams.toLocaleString('en')],
  ['accuracy', (r) => percent(r.accuracy)],
  ['macro-F1', (r) => r.macroF1.toFixed(3)],
  ['held-out loss', (r) => r.heldOutLoss.toFixed(4)],
  ['saved activations/step', (r) => mib(r.savedActivationBytes)],
  ['peak RSS', (r) => mib(r.peakRssBytes)],
  ['step', (r) => `${Math.round(r.stepMs)} ms`],
];

/** The rows as an aligned text table (the method left, numbers right). */
export function genreTextTable(rows: readonly GenreRow[]): string[] {
  const cells = rows.map((r) => COLUMNS.map(([, f]) => f(r)));
  const widths = COLUMNS.map(([title], i) => Math.max(title.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(COLUMNS.map(([t]) => t)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)];
}

/** report.md: the settings, the table, each method's per-genre F1, the plot and what the columns mean. */
export function genreMarkdownReport(
  rows: readonly GenreRow[],
  settings: Record<string, string>,
  data: { train: number; heldOut: number },
  plot: string,
): string {
  const table = (titles: string[], body: string[][]) =>
    [`| ${titles.join(' | ')} |`, `|${titles.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`]
      .concat(body.map((cells) => `| ${cells.join(' | ')} |`))
      .join('\n');
  const main = table(
    COLUMNS.map(([t]) => t),
    rows.map((r) => COLUMNS.map(([, f]) => f(r))),
  );
  const perGenre = table(
    ['method', ...GENRES],
    rows.map((r) => [r.method, ...r.f1.map((v) => v.toFixed(2))]),
  );
  const options = Object.entries(settings)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return (
    `# lorafa compare --task genre\n\n${new Date().toISOString()} — ${options}\n\n` +
    `${data.train} training and ${data.heldOut} held-out passages (balanced over ${GENRES.length} genres; chance ${percent(1 / GENRES.length)}).\n\n` +
    `${main}\n\nF1 per genre:\n\n${perGenre}\n\n![accuracy and macro-F1](${plot})\n\n` +
    'Accuracy and macro-F1 (the unweighted mean of the per-genre F1) are over every held-out passage. ' +
    'Trainable parameters include the classification head. Saved activations are the bytes the tape ' +
    'held for backward at the peak of one step (activations only); step is the median step time.\n'
  );
}

/** Accuracy and macro-F1 of each method, side by side, rendered by Vega-Lite. */
export async function genreScoresSvg(rows: readonly GenreRow[], title: string): Promise<string> {
  const values = rows.flatMap((r) => [
    { method: r.method, score: 'accuracy', value: r.accuracy },
    { method: r.method, score: 'macro-F1', value: r.macroF1 },
  ]);
  return vegaLiteSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 420,
    height: 260,
    data: { values },
    layer: [
      {
        mark: 'bar',
        encoding: {
          x: { field: 'method', type: 'nominal', sort: null, axis: { labelAngle: -20, labelLimit: 200 } },
          xOffset: { field: 'score', type: 'nominal' },
          y: { field: 'value', type: 'quantitative', title: 'held-out score', scale: { domain: [0, 1] } },
          color: { field: 'score', type: 'nominal', title: null },
        },
      },
      {
        mark: { type: 'rule', strokeDash: [4, 4] },
        encoding: { y: { datum: 1 / GENRES.length } },
      },
    ],
  });
}
