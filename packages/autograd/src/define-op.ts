import type { Tensor } from '@lorafa/tensor';
import { formatShape, trackAllocations } from '@lorafa/tensor';
import { OpContext } from './context.js';
import { isGradEnabled } from './grad-mode.js';
import type { Edge } from './node.js';
import { Node } from './node.js';
import { currentTape } from './tape.js';
import { Variable } from './variable.js';

/**
 * A differentiable op: forward computes the output from plain tensors and declares with
 * `ctx.save` (once) what backward needs; backward maps the output's gradient to one gradient
 * per input, of that input's shape and dtype, or null where `ctx.needsInputGrad[i]` is false
 * or the input is not differentiable. Every built-in op is one of these; user-defined ops use
 * the very same contract.
 *
 * `Name` is the op's name as a literal type: the primitive table requires the entry under key
 * `P` to be named `P`, so a rule filed under the wrong key fails to compile.
 */
export interface OpDefinition<Attrs = void, Name extends string = string> {
  /** The op's name: its key in the primitive table, and the name errors and the tape use. */
  readonly name: Name;
  /** The output from the inputs' values; calls `ctx.save` at most once with what backward needs. */
  forward(ctx: OpContext, inputs: readonly Tensor[], attrs: Attrs): Tensor;
  /** One gradient per input (null where none is needed), from the output's gradient and what was saved. */
  backward(ctx: OpContext, gradOutput: Tensor, attrs: Attrs): readonly (Tensor | null)[];
}

function edgeOf(input: Variable): Edge {
  if (!input.requiresGrad) return null;
  return input.gradFn ? { node: input.gradFn } : { leaf: input };
}

/**
 * Runs an op on variables. When grad mode is on and some input requires a gradient, the op is
 * recorded as a node whose only memory of forward is what `ctx.save` declared.
 */
export function applyOp<Attrs>(definition: OpDefinition<Attrs>, inputs: readonly Variable[], attrs: Attrs): Variable {
  const values = inputs.map((v) => v.value);
  const needsInputGrad = inputs.map((v) => v.requiresGrad);
  const recording = isGradEnabled() && needsInputGrad.some(Boolean);
  const tape = recording ? currentTape() : null;
  const ctx = new OpContext(definition.name, values, needsInputGrad, tape, tape?.currentScope ?? '');
  const output = runForward(definition, ctx, values, attrs);
  if (!tape) return new Variable(output);
  const node = new Node(tape.nextSequence(), definition.name, ctx, inputs.map(edgeOf), output.shape, (gradOutput) =>
    checkedGradients(definition, ctx, gradOutput, attrs),
  );
  return new Variable(output, {}, node);
}

/**
 * Runs forward and hands the context the storages it allocated (see adoptForwardStorages). A
 * function of its own, so that its closure over the input values is not part of the scope the
 * node's backward closure keeps alive: an op must hold only what it saved.
 */
function runForward<Attrs>(
  definition: OpDefinition<Attrs>,
  ctx: OpContext,
  values: readonly Tensor[],
  attrs: Attrs,
): Tensor {
  const { result: output, allocated } = trackAllocations(() => definition.forward(ctx, values, attrs));
  ctx.adoptForwardStorages(allocated, output);
  return output;
}

/** Runs a backward rule and checks that each gradient has its input's shape and dtype. */
function checkedGradients<Attrs>(
  definition: OpDefinition<Attrs>,
  ctx: OpContext,
  gradOutput: Tensor,
  attrs: Attrs,
): (Tensor | null)[] {
  const grads = definition.backward(ctx, gradOutput, attrs);
  if (grads.length !== ctx.inputShapes.length) {
    throw new Error(
      `${definition.name}: backward returned ${grads.length} gradients for ${ctx.inputShapes.length} inputs`,
    );
  }
  return grads.map((g, i) => {
    if (!ctx.needsInputGrad[i] || g === null) return null;
    const shape = ctx.inputShapes[i]!;
    if (g.rank !== shape.length || g.shape.some((d, k) => d !== shape[k])) {
      throw new Error(
        `${definition.name}: gradient for input ${i} has shape ${formatShape(g.shape)}, expected ${formatShape(shape)}`,
      );
    }
    if (g.dtype !== ctx.inputDTypes[i]) {
      throw new Error(
        `${definition.name}: gradient for input ${i} has dtype ${g.dtype}, expected ${ctx.inputDTypes[i]}`,
      );
    }
    return g;
  });
}

/**
 * A user-defined differentiable function, PyTorch `autograd.Function` style:
 *
 *   const square = customOp({
 *     name: 'square',
 *     forward(ctx, x) { ctx.save(x); return mul(x, x); },
 *     backward(ctx, g) { const [x] = ctx.saved; return [mul(g, mul(x, 2))]; },
 *   });
 *   const y = square(xVariable);
 */
export function customOp(definition: {
  name: string;
  forward(ctx: OpContext, ...inputs: Tensor[]): Tensor;
  backward(ctx: OpContext, gradOutput: Tensor): readonly (Tensor | null)[];
}): (...inputs: Variable[]) => Variable {
  const op: OpDefinition<void> = {
    name: definition.name,
    forward: (ctx, inputs) => definition.forward(ctx, ...inputs),
    backward: (ctx, gradOutput) => definition.backward(ctx, gradOutput),
  };
  return (...inputs) => applyOp(op, inputs, undefined);
}
