import type { Variable } from '@lorafa/autograd';
import { Module } from './module.js';

/** A single-input, single-output layer. */
export type Layer = Module & {
  /** Maps one input to one output. */
  forward(x: Variable): Variable;
};

/** Layers applied in order; children are named '0', '1', ... as in PyTorch. */
export class Sequential extends Module {
  private layers: Layer[];

  constructor(...layers: Layer[]) {
    super();
    this.layers = layers.map((layer, i) => this.registerModule(String(i), layer));
  }

  /** Feeds x through each layer in order and returns the last output. */
  forward(x: Variable): Variable {
    return this.layers.reduce((h, layer) => layer.call(h), x);
  }

  protected override onChildReplaced(name: string, module: Module): void {
    this.layers[Number(name)] = module as Layer;
  }
}
