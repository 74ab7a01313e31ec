/**
 * @lorafa/nn: modules and layers, losses, optimizers, learning-rate schedules and
 * safetensors encoding, built on @lorafa/autograd. Browser-safe: file input/output is in
 * `@lorafa/nn/node`.
 */
export { Module } from './module.js';
export { Linear } from './linear.js';
export type { LinearOptions } from './linear.js';
export { Tanh, ReLU, GELU, gelu, geluTanh, geluComposed, geluTanhComposed } from './activations.js';
export { Sequential } from './sequential.js';
export type { Layer } from './sequential.js';
export { Dropout } from './dropout.js';
export { Embedding } from './embedding.js';
export { LayerNorm, layerNormComposed } from './layer-norm.js';
export { ModuleList } from './module-list.js';
export type { GPT2Config, GPT2Attention } from './gpt2/config.js';
export { validateGpt2Config, parseGpt2Config, GPT2_CONFIG_LIMITS, GPT2_ATTENTIONS } from './gpt2/config.js';
export { memoryEfficientAttention } from './gpt2/memory-efficient-attention.js';
export type { MemoryEfficientAttentionOptions } from './gpt2/memory-efficient-attention.js';
export { CausalSelfAttention } from './gpt2/attention.js';
export { GPT2Block, GPT2MLP } from './gpt2/block.js';
export { GPT2, GPT2Transformer } from './gpt2/model.js';
export {
  gpt2CheckpointShapes,
  checkGpt2Checkpoint,
  gpt2FromTensors,
  gpt2CheckpointTensors,
  gpt2ConfigJson,
} from './gpt2/weights.js';
export { isConv1DWeight } from './gpt2/hf-keys.js';
export { causalLmLoss, generate } from './gpt2/language-model.js';
export type { GenerateOptions } from './gpt2/language-model.js';
export { mseLoss, crossEntropy, crossEntropyComposed } from './losses.js';

export type {
  GradientTransform,
  Optimizer,
  OptimizerState,
  ParameterList,
  NamedParameter,
} from './optim/optimizer.js';
export { nameParameters } from './optim/optimizer.js';
export { SGD } from './optim/sgd.js';
export type { SgdOptions } from './optim/sgd.js';
export { AdamW, adamWDefaults } from './optim/adamw.js';
export type { AdamWOptions, AdamWRule, Moments } from './optim/adamw.js';
export { clipGradNorm } from './optim/clip.js';
export { constantSchedule, warmupCosineSchedule } from './optim/schedules.js';
export type { Schedule } from './optim/schedules.js';

export { parseSafetensors } from './safetensors/read.js';
export type { SafetensorsContents } from './safetensors/read.js';
export { serializeSafetensors } from './safetensors/write.js';
export type { TensorToWrite } from './safetensors/write.js';
export { SafetensorsError } from './safetensors/header.js';
export type { SafetensorsDType } from './safetensors/dtypes.js';
export { halfToNumber, numberToHalf, bfloat16ToNumber, numberToBfloat16 } from './safetensors/dtypes.js';
export type { TextTokenizer } from './tokenizers/tokenizer.js';
export { ByteTokenizer } from './tokenizers/byte-tokenizer.js';
export { hfTokenizerFromJson } from './tokenizers/hf-tokenizer.js';
