/**
 * Hugging Face GPT-2 checkpoint keys ↔ this implementation's parameter paths. The paths are
 * the same (GPT2LMHeadModel's `transformer.…`); what differs is the Conv1D layout of four
 * weights and a few keys to accept or ignore.
 */

/** Weights HF stores as Conv1D (in x out); ours are Linear (out x in). */
export function isConv1DWeight(path: string): boolean {
  return /\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight$/.test(path);
}

/** Keys HF may store that carry no parameters here. */
export function isIgnoredKey(key: string): boolean {
  return /\.attn\.(bias|masked_bias)$/.test(key) || key === 'lm_head.weight';
}

/** A GPT2Model checkpoint has no `transformer.` prefix; a GPT2LMHeadModel one has. */
export function normalizeKey(key: string): string {
  return key.startsWith('transformer.') || key === 'lm_head.weight' ? key : `transformer.${key}`;
}
