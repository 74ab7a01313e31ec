/**
 * The playground page: controls, charts and tables. Every computation happens in the worker
 * (worker/main.ts); this file only sends settings and draws what comes back.
 */
import './style.css';
import type { FromWorker } from './protocol.js';
import type { Run } from './runs.js';
import { newRun, record } from './runs.js';
import { createControls } from './ui/controls.js';
import { correctionPicture } from './ui/correction-picture.js';
import { h } from './ui/dom.js';
import { correctionPanel, lossPanel, runsTable, textPanel } from './ui/panels.js';
import { savedBytesPanel } from './ui/saved-bytes-chart.js';
import { theoryPanel } from './ui/theory.js';

const worker = new Worker(new URL('./worker/main.ts', import.meta.url), { type: 'module' });
const controls = createControls();
const status = h(
  'p',
  { id: 'status', role: 'status', 'aria-live': 'polite' },
  'Loading the model and the Brown fiction data…',
);
const panels = {
  loss: h('div'),
  runs: h('div'),
  bytes: h('div', {}, 'Measuring…'),
  correction: h('div'),
  text: h('div'),
};
const section = (id: string, title: string, ...content: Node[]) =>
  h('section', { id, 'aria-labelledby': `${id}-title` }, h('h2', { id: `${id}-title` }, title), ...content);

document
  .querySelector('#app')!
  .append(
    h(
      'header',
      {},
      h('h1', {}, 'LoRA-FA playground'),
      h(
        'p',
        {},
        'Fine-tune a small GPT-2 (models/brown-base, 2 layers, 64 wide) on Brown-corpus fiction in your browser, with ',
        'lorafa-ts itself: the same tensors, autograd, adapters and optimizer as the ',
        h('code', {}, 'lorafa'),
        ' command line. ',
        h('a', { href: 'https://arxiv.org/abs/2308.03303' }, 'LoRA-FA'),
        ' freezes A and trains B, so backward needs H = X Aᵀ instead of X.',
      ),
      status,
    ),
    h(
      'main',
      {},
      section('settings', 'Settings', controls.form),
      section('loss', 'Loss', panels.loss),
      section('runs', 'Runs', panels.runs),
      section('saved-bytes', 'Saved for backward', panels.bytes),
      section('correction', 'The correction', panels.correction, correctionPicture()),
      section('text', 'Generated text', panels.text),
      section('theory', 'Theory, checked live', theoryPanel()),
    ),
  );

const runs: Run[] = [];
let current: Run | null = null;
let nextId = 1;
let drawPending = false;

function draw(): void {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    panels.loss.replaceChildren(lossPanel(runs));
    panels.runs.replaceChildren(runsTable(runs));
    panels.correction.replaceChildren(correctionPanel(runs));
    panels.text.replaceChildren(textPanel(runs));
  });
}

function setRunning(running: boolean): void {
  controls.start.disabled = running;
  controls.pause.disabled = !running;
  controls.pause.textContent = 'Pause';
  document.body.dataset['running'] = String(running);
}

function measureSavedBytes(): void {
  const { rank, batch, seq } = controls.read();
  worker.postMessage({ type: 'saved-bytes', rank, batch, seq });
}

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const message = event.data;
  switch (message.type) {
    case 'ready': {
      controls.showBackends(message.backends);
      controls.start.disabled = false;
      status.textContent = `Ready: ${message.parameters.toLocaleString('en')} parameters; ${message.trainTokens.toLocaleString('en')} training and ${message.heldOutTokens.toLocaleString('en')} held-out tokens (bytes). ${message.crossOriginIsolated ? 'Cross-origin isolated: cpu-fast uses Web Workers.' : 'Not cross-origin isolated (no COOP/COEP headers): cpu-fast runs single-threaded.'}`;
      document.body.dataset['ready'] = 'true';
      measureSavedBytes();
      return;
    }
    case 'saved-bytes':
      panels.bytes.replaceChildren(savedBytesPanel(message.rows, message.tokens, message.rank));
      return;
    case 'error':
      if (message.runId === null) status.textContent = `Error: ${message.message}`;
      break;
  }
  // The run in progress may have been cleared from the charts by Reset: it still ends here.
  const run = current && 'runId' in message && message.runId === current.id ? current : undefined;
  if (!run) return;
  record(run, message);
  if (message.type === 'done' || message.type === 'error') {
    current = null;
    setRunning(false);
    status.textContent = `Run #${run.id} ${run.status} on ${run.backend ?? run.settings.backend}.`;
  }
  if (message.type === 'paused') controls.pause.textContent = message.paused ? 'Resume' : 'Pause';
  draw();
};

controls.form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (current) return;
  const settings = controls.read();
  current = newRun(nextId++, settings);
  runs.push(current);
  setRunning(true);
  status.textContent = `Run #${current.id} on ${settings.backend}…`;
  worker.postMessage({ type: 'start', runId: current.id, settings });
  draw();
});
controls.pause.addEventListener('click', () => {
  if (!current) return;
  worker.postMessage({ type: current.status === 'paused' ? 'resume' : 'pause' });
});
controls.reset.addEventListener('click', () => {
  if (current) worker.postMessage({ type: 'stop' });
  runs.length = 0;
  draw();
});
for (const input of [controls.rank, controls.batch, controls.seq]) input.addEventListener('change', measureSavedBytes);

worker.postMessage({ type: 'init', baseUrl: document.baseURI });
draw();
