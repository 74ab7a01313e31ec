import type { SavedBytesReport } from '@lorafa/autograd';
import type { BytesByKind, SavedKind } from '../protocol.js';
import { SAVED_KINDS } from '../protocol.js';

/** The kinds labelled where the tensor is saved (`withSavedKind`): Linear and the LoRA ops. */
const LABELS: Record<string, SavedKind> = { X: 'linearX', H: 'linearH' };

/**
 * Unlabelled bytes, by the module that saved them: the last part of the scope path (GPT-2's
 * module names; `lm_head` is the head's scope and the loss runs at the top, scope '').
 */
function kindOfScope(scope: string): SavedKind | 'other' {
  const module = scope.split('.').at(-1)!;
  if (/^ln_(1|2|f)$/.test(module)) return 'layerNorms';
  if (module === 'attn') return 'attention';
  if (module === 'mlp') return 'mlpActivation';
  if (['wte', 'wpe', 'lm_head', ''].includes(module)) return 'embeddingsHeadLoss';
  return 'other';
}

/**
 * The tape's live saved activation bytes (`tape.savedBytes()` after a GPT-2 forward and its
 * loss) summed by kind: a labelled storage by its label, the rest by the scope that saved it.
 * Measured, not modelled: every byte comes from the ledger, which counts each storage once.
 */
export function savedBytesByKind(report: SavedBytesReport): BytesByKind {
  const bytes = Object.fromEntries([...SAVED_KINDS, 'other'].map((kind) => [kind, 0])) as BytesByKind;
  for (const [scope, byLabel] of Object.entries(report.kinds)) {
    for (const [label, count] of Object.entries(byLabel)) {
      const kind = label === '' ? kindOfScope(scope) : (LABELS[label] ?? 'other');
      bytes[kind] += count.live;
    }
  }
  return bytes;
}
