import type { GPT2Attention } from '@lorafa/nn';
import { GPT2 } from '@lorafa/nn';

/** The attention a model folder's config.json asks for ('standard' when it says nothing). */
export function configuredAttention(model: GPT2): GPT2Attention {
  return model.config.attention ?? 'standard';
}

/**
 * `model` computing attention as `attention` asks: the model itself when it already does, else
 * a GPT-2 of the same config with that attention whose parameters are `model`'s (the same
 * tensors, not copies). The choice is fixed when a block is built (CausalSelfAttention), so a
 * loaded model is rebuilt; its freshly initialised weights are dropped at once.
 */
export function withAttention(model: GPT2, attention: GPT2Attention): GPT2 {
  if (configuredAttention(model) === attention) return model;
  const { attention: _previous, ...config } = model.config;
  const rebuilt = new GPT2(attention === 'standard' ? config : { ...config, attention });
  const loaded = new Map(model.namedParameters());
  for (const [name, parameter] of rebuilt.namedParameters()) {
    const value = loaded.get(name);
    if (!value) throw new Error(`withAttention: the loaded model has no parameter ${name}`);
    parameter.assign(value.value);
  }
  return rebuilt;
}
