import type { Run } from '../runs.js';
import { medianTokensPerSecond } from '../runs.js';
import { h, table } from './dom.js';
import { lineChart } from './line-chart.js';

/** Seven significant digits: float32's precision, so the shown loss can be checked against the CLI. */
export const lossText = (loss: number) => loss.toPrecision(7);

/** Train (solid) and held-out (dashed) loss, one colour per run, with the numbers in a table. */
export function lossPanel(runs: Run[]): HTMLElement {
  const chart = lineChart({
    title: 'Loss per step',
    description: 'Training loss (solid) and held-out loss (dashed) per step, one colour per run.',
    xLabel: 'step',
    yLabel: 'loss (nats/token)',
    series: runs.flatMap((r) => [
      { label: `${r.label} train`, color: r.color, points: r.losses },
      { label: `${r.label} held-out`, color: r.color, dashed: true, points: r.evals },
    ]),
  });
  const rows = runs.flatMap((r) =>
    r.losses.map(([step, loss]) => {
      const held = r.evals.find(([s]) => s === step);
      return [`#${r.id}`, step, lossText(loss), held ? lossText(held[1]) : ''];
    }),
  );
  const numbers = table('Loss per step', ['run', 'step', 'train loss', 'held-out loss'], rows);
  numbers.id = 'loss-table';
  return h(
    'div',
    {},
    chart,
    legend(runs),
    h('details', {}, h('summary', {}, 'The numbers behind the chart'), h('div', { class: 'table-scroll' }, numbers)),
  );
}

function legend(runs: Run[]): HTMLElement {
  return h(
    'ul',
    { class: 'legend' },
    ...runs.map((r) => h('li', {}, h('span', { class: 'swatch', style: `background:${r.color}` }), r.label)),
  );
}

/** One row per run: what ran where, how fast, and how it ended. */
export function runsTable(runs: Run[]): HTMLElement {
  const numbers = table(
    'Runs',
    ['run', 'method', 'backend that ran', 'trainable', 'steps', 'train loss', 'held-out', 'tokens/s', 'status'],
    runs.map((r) => [
      `#${r.id}`,
      r.label.replace(/^#\d+ /, ''),
      r.backend ?? r.settings.backend,
      r.trainable?.toLocaleString('en') ?? '',
      r.losses.length,
      r.losses.length ? lossText(r.losses.at(-1)![1]) : '',
      r.evals.length ? lossText(r.evals.at(-1)![1]) : '',
      r.tokensPerSecond.length ? Math.round(medianTokensPerSecond(r)).toLocaleString('en') : '',
      r.status + (r.notes.length ? `: ${r.notes.join('; ')}` : ''),
    ]),
  );
  numbers.id = 'runs-table';
  return h('div', { class: 'table-scroll' }, numbers);
}

/** cos(corrected update, raw update) and cond(A Aᵀ) per step, for runs that measured them. */
export function correctionPanel(runs: Run[]): HTMLElement {
  const measured = runs.filter((r) => r.correction.length);
  const cosine = lineChart({
    title: 'Cosine between the corrected and the raw update',
    description: 'Per step, averaged over the adapted linears; 1 means the correction does not turn the update.',
    xLabel: 'step',
    yLabel: 'cosine',
    series: measured.map((r) => ({
      label: r.label,
      color: r.color,
      points: r.correction.map((c) => [c.step, c.cosine]),
    })),
  });
  const numbers = table(
    'Correction diagnostics per step',
    ['run', 'step', 'cosine', 'cond(A Aᵀ)'],
    measured.flatMap((r) =>
      r.correction.map((c) => [`#${r.id}`, c.step, c.cosine.toFixed(6), c.condition.toPrecision(4)]),
    ),
  );
  numbers.id = 'correction-table';
  const latest = measured.map((r) => `${r.label}: cond(A Aᵀ) = ${r.correction.at(-1)!.condition.toPrecision(4)}`);
  return h(
    'div',
    {},
    h(
      'p',
      {},
      'LoRA-FA trains B with A frozen; the corrected gradient g_B (A Aᵀ)⁻¹ / s² (Theorem 4.1) makes the step the best ',
      'rank-r approximation of the full update. The further cond(A Aᵀ) is from 1 (try the anisotropic init), the more ',
      'the correction turns the update away from the raw gradient. Measured on host backends (cpu, cpu-fast).',
    ),
    cosine,
    h('p', {}, latest.length ? latest.join('; ') : 'No run has measured it yet.'),
    h('details', {}, h('summary', {}, 'The numbers behind the chart'), h('div', { class: 'table-scroll' }, numbers)),
  );
}

/** Greedy continuations of the prompt, before and after each run. */
export function textPanel(runs: Run[]): HTMLElement {
  const shown = runs.filter((r) => r.before !== undefined);
  if (!shown.length)
    return h('p', {}, 'Start a run to see the model continue the prompt before and after fine-tuning.');
  return h(
    'div',
    {},
    ...shown.map((r) =>
      h(
        'div',
        { class: 'generation' },
        h('h3', {}, r.label),
        h(
          'p',
          {},
          h('strong', {}, 'Before: '),
          h('q', {}, r.settings.prompt),
          ' ',
          h('span', { class: 'sample' }, r.before!),
        ),
        h(
          'p',
          {},
          h('strong', {}, 'After: '),
          h('q', {}, r.settings.prompt),
          ' ',
          h('span', { class: 'sample' }, r.after ?? '…'),
        ),
      ),
    ),
  );
}
