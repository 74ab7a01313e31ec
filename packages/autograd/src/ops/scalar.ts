import * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';

/**
 * Arithmetic with a plain number. The number is an attribute, not a tensor, so these ops save
 * nothing (x · c, x / c) or only x (x^c) — no scalar tensor shows up in the saved bytes.
 */
export const mulScalarOp: OpDefinition<{ value: number }, 'mulScalar'> = {
  name: 'mulScalar',
  forward: (_ctx, [x], { value }) => T.mul(x!, value),
  backward: (_ctx, g, { value }) => [T.mul(g, value)],
};

/** x / c for a number c: d/dx = 1/c. Saves nothing. */
export const divScalarOp: OpDefinition<{ value: number }, 'divScalar'> = {
  name: 'divScalar',
  forward: (_ctx, [x], { value }) => T.div(x!, value),
  backward: (_ctx, g, { value }) => [T.div(g, value)],
};

/** x^c: d/dx = c·x^(c−1). Saves x. */
export const powScalarOp: OpDefinition<{ exponent: number }, 'powScalar'> = {
  name: 'powScalar',
  forward(ctx, [x], { exponent }) {
    ctx.save(x!);
    return T.pow(x!, exponent);
  },
  backward: (ctx, g, { exponent }) => [T.mul(g, T.mul(T.pow(ctx.saved[0]!, exponent - 1), exponent))],
};
