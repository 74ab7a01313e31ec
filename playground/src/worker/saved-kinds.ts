import type { SavedBytesReport } from '@lorafa/autograd';
import type { Gpt2ActivationBreakdown } from '@lorafa/lorafa';

/**
 * What a saved byte of this repository's GPT-2 is, named as the memory model names its terms
 * (`gpt2SavedActivations`): the linears' inputs X, the adapters' H = X Aᵀ, attention (q, k, v,
 * mask, scores, probabilities, row log-sum-exp), the LayerNorms, the MLP's activation (GELU),
 * and the embeddings, the head and the loss.
 */
export const SAVED_KINDS = [
  'linearX',
  'linearH',
  'attention',
  'layerNorms',
  'mlpActivation',
  'embeddingsHeadLoss',
] as const satisfies readonly (keyof Gpt2ActivationBreakdown)[];
/** One of {@link SAVED_KINDS}. */
export type SavedKind = (typeof SAVED_KINDS)[number];

/** Saved bytes per kind; `other` is whatever no rule below names (zero for GPT-2). */
export type BytesByKind = Record<SavedKind | 'other', number>;

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
