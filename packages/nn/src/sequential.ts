import type { Variable } from '@lorafa/autograd';
import { Module } from './module.js';

/** A single-input, single-output layer. */
export type Layer = Module & { forward(x: Variable): Variable };

/** Layers applied in order; children are named '0', '1', ... as in PyTorch. */
export class Sequential extends Module {
  private layers: Layer[];

  constructor(...layers: Layer[]) {
    super();
    this.layers = layers.map((layer, i) => this.registerModule(String(i), layer));
  }

  forward(x: Variable): Variable {
    return this.layers.reduce((h, layer) => layer.call(h), x);
  }

  protected override onChildReplaced(name: string, module: Module): void {
    this.layers[Number(name)] = module as Layer;
  }
}
