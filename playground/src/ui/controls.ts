import { LORA_INITS, LORA_METHODS } from '@lorafa/lorafa';
import type { BackendStatus, RunSettings } from '../protocol.js';
import { PLAYGROUND_BACKENDS } from '../protocol.js';
import { h } from './dom.js';

const METHOD_LABELS: Record<string, string> = {
  full: 'Full fine-tuning',
  lora: 'LoRA (A and B trained)',
  'lora-fa': 'LoRA-FA (A frozen, B trained)',
  'lora-fb': 'LoRA-FB (B frozen, A trained)',
};

type Field = HTMLInputElement | HTMLSelectElement;

function labelled(id: string, label: string, control: Field, hint?: string): HTMLElement {
  control.id = id;
  control.name = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint ? h('small', {}, hint) : null);
}

function select(options: readonly string[], value: string, text: (o: string) => string = (o) => o): HTMLSelectElement {
  return h('select', {}, ...options.map((o) => h('option', { value: o, selected: o === value }, text(o))));
}

function number(value: number, attributes: { min: number; max?: number; step?: number | 'any' }): HTMLInputElement {
  return h('input', { type: 'number', value, inputmode: 'decimal', ...attributes });
}

/** The run's controls (every one labelled) and the start / pause / reset buttons. */
export function createControls() {
  const method = select(LORA_METHODS, 'lora-fa', (m) => METHOD_LABELS[m] ?? m);
  const correction = h('input', { type: 'checkbox', checked: true });
  const rank = number(8, { min: 1, max: 64, step: 1 });
  const alpha = number(16, { min: 0.001, step: 'any' });
  const optimizer = select(['adamw', 'sgd'], 'adamw', (o) => (o === 'adamw' ? 'AdamW' : 'SGD'));
  const lr = number(0.005, { min: 0, step: 'any' });
  const init = select(LORA_INITS, 'gaussian');
  const steps = number(30, { min: 1, max: 2000, step: 1 });
  const batch = number(8, { min: 1, max: 64, step: 1 });
  const seq = number(64, { min: 2, max: 128, step: 1 });
  const evalBatches = number(2, { min: 1, max: 16, step: 1 });
  const seed = number(0, { min: 0, step: 1 });
  const prompt = h('input', { type: 'text', value: 'The door opened and' });
  let alphaEdited = false;
  alpha.addEventListener('input', () => (alphaEdited = true));
  rank.addEventListener('input', () => {
    if (!alphaEdited) alpha.value = String(2 * Number(rank.value));
  });
  method.addEventListener('change', () => {
    correction.disabled = method.value === 'full' || method.value === 'lora';
  });

  const backendList = h('div', { class: 'backends' });
  const backends = h('fieldset', {}, h('legend', {}, 'Backend'), backendList);
  const start = h('button', { type: 'submit', disabled: true }, 'Start');
  const pause = h('button', { type: 'button', disabled: true }, 'Pause');
  const reset = h('button', { type: 'button' }, 'Reset');

  const form = h(
    'form',
    { class: 'controls', 'aria-label': 'Run settings' },
    h(
      'fieldset',
      {},
      h('legend', {}, 'Method'),
      labelled('method', 'Method', method),
      h(
        'div',
        { class: 'field check' },
        correction,
        h('label', { for: 'correction' }, 'Corrected gradient (Theorem 4.1 / A.1)'),
      ),
      labelled('rank', 'Rank r', rank),
      labelled('alpha', 'α (scaling α/r)', alpha),
      labelled('init', 'Init of the random factor', init),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Training'),
      labelled('optimizer', 'Optimizer', optimizer),
      labelled('lr', 'Learning rate', lr),
      labelled('steps', 'Steps', steps),
      labelled('batch', 'Batch', batch),
      labelled('seq', 'Sequence length', seq),
      labelled('eval-batches', 'Held-out batches', evalBatches),
      labelled('seed', 'Seed', seed),
      labelled('prompt', 'Prompt for generation', prompt),
    ),
    backends,
    h('div', { class: 'buttons' }, start, pause, reset),
  );
  correction.id = 'correction';
  correction.name = 'correction';

  function read(): RunSettings {
    const chosen = backendList.querySelector<HTMLInputElement>('input:checked');
    return {
      method: method.value as RunSettings['method'],
      correction: correction.checked,
      rank: Number(rank.value),
      alpha: Number(alpha.value),
      optimizer: optimizer.value as RunSettings['optimizer'],
      lr: Number(lr.value),
      init: init.value as RunSettings['init'],
      steps: Number(steps.value),
      batch: Number(batch.value),
      seq: Number(seq.value),
      evalBatches: Number(evalBatches.value),
      seed: Number(seed.value),
      backend: (chosen?.value ?? 'cpu-fast') as RunSettings['backend'],
      prompt: prompt.value,
    };
  }

  /** Radio buttons, the unavailable ones disabled with gpu.js's reason beside them. */
  function showBackends(statuses: BackendStatus[]): void {
    backendList.replaceChildren(
      ...PLAYGROUND_BACKENDS.map((name) => {
        const status = statuses.find((b) => b.name === name);
        const id = `backend-${name.replace(':', '-')}`;
        const why = status?.available ? null : h('small', { id: `${id}-why` }, status?.reason ?? 'not probed');
        return h(
          'div',
          { class: `field check${status?.available ? '' : ' unavailable'}` },
          h('input', {
            type: 'radio',
            name: 'backend',
            id,
            value: name,
            checked: name === 'cpu-fast',
            disabled: !status?.available,
            'aria-describedby': why ? why.id : undefined,
          }),
          h('label', { for: id }, name),
          why,
        );
      }),
    );
  }

  return { form, start, pause, reset, rank, batch, seq, read, showBackends };
}
