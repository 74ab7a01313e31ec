/**
 * @lorafa/lorafa: LoRA, LoRA-FA and LoRA-FB adapters, the corrected gradients of Theorems 4.1
 * and A.1, the LoRA-FA optimizer (PEFT-compatible on request) and the memory model.
 * Browser-safe: PEFT adapter folders are read and written by `@lorafa/lorafa/node`.
 */
export type { LoraMethod, LoraInit, LoraConfig } from './config.js';
export { LORA_METHODS, LORA_INITS, loraScaling, validateLoraConfig } from './config.js';
export type { LoraAdapter } from './adapter.js';
export { initialFactors, randomFactor, pissaFactors, isDownProjection } from './init.js';
export type { RandomInit, InitialFactorOptions } from './init.js';
export { loraFaLinear } from './lora-fa-op.js';
export { loraLinear } from './lora-op.js';
export { LoraLinear } from './lora-linear.js';
export type { LoraLinearOptions } from './lora-linear.js';
export { injectLora, matchesTarget } from './inject.js';
export type { InjectOptions } from './inject.js';
export { correctA, correctB, GramSolver } from './corrections.js';
export type { GramSolverOptions } from './corrections.js';
export { gramCondition } from './condition.js';
export { projectOntoFrozenA, residualOutsideRowSpace } from './projection.js';
export { LoraFAOptimizer } from './optimizer.js';
export type { LoraFAOptimizerOptions } from './optimizer.js';
export { estimateMemory, estimateStepMemory, savedBytesPerLinear } from './memory-model.js';
export type { MemoryOptions, MemoryBreakdown, StepMemoryOptions, StepMemoryBreakdown } from './memory-model.js';
export { gpt2SavedActivations, ATTENTION_KINDS } from './memory-activations.js';
export { gpt2StepFlops } from './step-flops.js';
export type { StepFlops, StepFlopsOptions } from './step-flops.js';
export type { AttentionKind, Gpt2ActivationOptions, Gpt2ActivationBreakdown } from './memory-activations.js';
export { MODEL_PRESETS, llamaSpec, gpt2Spec, parameterCount } from './model-specs.js';
export type { ModelSpec, LinearSpec } from './model-specs.js';
export {
  peftAdapterContents,
  parsePeftConfig,
  applyPeftAdapter,
  peftKey,
  ADAPTER_CONFIG,
  ADAPTER_WEIGHTS,
} from './peft-adapter.js';
export type { SaveAdapterOptions, PeftAdapterContents, PeftConfig } from './peft-adapter.js';
