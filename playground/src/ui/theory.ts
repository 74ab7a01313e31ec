import type { TheoryResult } from '../theory/properties.js';
import { h, table } from './dom.js';

type TheoryMessage =
  | { type: 'result'; result: TheoryResult }
  | { type: 'error'; name: string; message: string }
  | { type: 'done' };

/**
 * Theorems from docs/theory.md run live as fast-check properties (in their own worker); each row
 * says how many random cases ran, passed or the shrunk counterexample, and links to the theorem.
 */
export function theoryPanel(): HTMLElement {
  const rows: (string | number | Node)[][] = [];
  const body = h('div', { class: 'table-scroll' });
  const button = h('button', { type: 'button' }, 'Run the properties again');
  const summary = h('p', { id: 'theory-summary', role: 'status' }, 'Running…');
  let worker: Worker | null = null;

  const draw = () => {
    const numbers = table(
      'Properties checked in this browser (float64, cpu backend)',
      ['property', 'random cases', 'counterexamples', 'result'],
      rows,
    );
    numbers.id = 'theory-table';
    body.replaceChildren(numbers);
  };

  const run = () => {
    rows.length = 0;
    draw();
    summary.textContent = 'Running…';
    button.disabled = true;
    worker?.terminate();
    worker = new Worker(new URL('../theory/worker.ts', import.meta.url), { type: 'module' });
    let failures = 0;
    worker.onmessage = (event: MessageEvent<TheoryMessage>) => {
      const message = event.data;
      if (message.type === 'result') {
        const r = message.result;
        if (!r.passed) failures++;
        rows.push([
          h('span', {}, h('a', { href: `docs/theory.md#${r.anchor}` }, r.name), h('br'), h('small', {}, r.statement)),
          r.runs,
          r.passed ? 0 : 1,
          r.passed ? `pass (${Math.round(r.ms)} ms)` : `FAIL: ${r.counterexample}`,
        ]);
      } else if (message.type === 'error') {
        failures++;
        rows.push([message.name, 0, '', `error: ${message.message}`]);
      } else {
        summary.textContent = `${rows.length} properties, ${failures === 0 ? 'all pass' : `${failures} failed`}.`;
        button.disabled = false;
        worker?.terminate();
        worker = null;
      }
      draw();
    };
    worker.postMessage('run');
  };
  button.addEventListener('click', run);
  queueMicrotask(run);
  return h(
    'div',
    {},
    h(
      'p',
      {},
      'The corrected gradients of ',
      h('a', { href: 'docs/theory.md' }, 'docs/theory.md'),
      ', checked here on random matrices by fast-check, with the functions the optimizer uses.',
    ),
    summary,
    body,
    button,
  );
}
