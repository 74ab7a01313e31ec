import * as T from '@lorafa/tensor';
import type { Variable } from '@lorafa/autograd';
import { type Linear, Module } from '@lorafa/nn';
import type { LoraAdapter } from './adapter.js';
import type { LoraConfig } from './config.js';
import { loraScaling, validateLoraConfig } from './config.js';
import { initialFactors } from './init.js';
import { loraFaLinear } from './lora-fa-op.js';
import { loraLinear } from './lora-op.js';

/** Options for {@link LoraLinear}: the LoRA config plus a module name and an Rng for initialisation. */
export interface LoraLinearOptions extends LoraConfig {
  /** The adapted module's path (names warnings and saved adapters). */
  name?: string;
  rng?: T.Rng;
}

/**
 * A frozen base `Linear` with a low-rank adapter: y = x W0ᵀ + b + s (x Aᵀ) Bᵀ.
 * `full` trains the base weight instead and adds no adapter. The base layer is the child
 * `base`; the adapter parameters are `lora_A` (r x in) and `lora_B` (out x r).
 */
export class LoraLinear extends Module {
  readonly base: Linear;
  readonly adapter: LoraAdapter | null;
  private merged = false;

  constructor(
    base: Linear,
    readonly config: LoraLinearOptions,
  ) {
    super();
    validateLoraConfig(config);
    this.base = this.registerModule('base', base, { ownScope: false }); // its saved bytes are this module's
    const trainBase = config.method === 'full';
    base.weight.requiresGrad = trainBase;
    if (base.bias) base.bias.requiresGrad = trainBase;
    if (config.method === 'full') {
      this.adapter = null;
      return;
    }
    const {
      A: a,
      B: b,
      residualWeight,
    } = initialFactors(
      config.method,
      { inFeatures: base.inFeatures, outFeatures: base.outFeatures, rank: config.rank },
      config.init ?? 'gaussian',
      {
        dtype: base.weight.dtype as T.FloatDType,
        rng: config.rng,
        modulePath: config.name,
        baseWeight: base.weight.value,
        scaling: loraScaling(config),
      },
    );
    if (residualWeight) base.weight.assign(residualWeight); // pissa: W0 − s B A, so the output is unchanged
    this.adapter = {
      name: config.name ?? '',
      method: config.method,
      A: this.registerParameter('lora_A', a, { trainable: config.method !== 'lora-fa' }),
      B: this.registerParameter('lora_B', b, { trainable: config.method !== 'lora-fb' }),
      scaling: loraScaling(config),
    };
  }

  get inFeatures(): number {
    return this.base.inFeatures;
  }
  get outFeatures(): number {
    return this.base.outFeatures;
  }
  get isMerged(): boolean {
    return this.merged;
  }

  /**
   * x W0ᵀ + b + s (x Aᵀ) Bᵀ (LoRA-FA through its own op); the base layer alone when merged or
   * without an adapter (`full`).
   */
  forward(x: Variable): Variable {
    const adapter = this.adapter;
    if (!adapter || this.merged) return this.base.forward(x);
    const { weight, bias } = this.base;
    if (adapter.method === 'lora-fa') {
      return loraFaLinear(x, weight, adapter.A, adapter.B, bias, adapter.scaling, adapter.inverseGram ?? null);
    }
    return loraLinear(x, weight, adapter.A, adapter.B, bias, adapter.scaling);
  }

  /** Folds s B A into W0 (for inference); forward then runs the base layer alone. */
  merge(): void {
    if (!this.adapter || this.merged) return;
    this.base.weight.assign(T.add(this.base.weight.value, this.delta()));
    this.merged = true;
  }

  /** Undoes `merge`. */
  unmerge(): void {
    if (!this.adapter || !this.merged) return;
    this.base.weight.assign(T.sub(this.base.weight.value, this.delta()));
    this.merged = false;
  }

  /** ΔW = s B A (out x in). */
  delta(): T.Tensor {
    const { A: a, B: b, scaling } = this.adapter!;
    return T.mul(T.matmul(b.value, a.value), scaling);
  }
}
