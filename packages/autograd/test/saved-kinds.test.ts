/**
 * Saved bytes by kind: `withSavedKind` labels what ops save inside it, and the ledger charges
 * each storage to the kind in force when it was first saved, within its scope.
 */
import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';

/** A leaf that needs a gradient but is no model parameter, so what ops save of it counts. */
const param = (shape: number[]) => A.variable(T.ones(shape), { requiresGrad: true });

describe('saved bytes by kind', () => {
  it('charges what is saved inside withSavedKind to that kind, the rest to the kind ""', () => {
    const tape = new A.Tape();
    A.withTape(tape, () =>
      tape.scope('layer', () => {
        A.withSavedKind('X', () => A.tanh(param([2, 3]))); // tanh saves its output: 24 bytes
        A.exp(param([5])); // 20 bytes, no label
      }),
    );
    const report = tape.savedBytes();
    expect(report.kinds).toEqual({ layer: { X: { live: 24, peak: 24 }, '': { live: 20, peak: 20 } } });
    expect(report.scopes['layer']).toEqual({ live: 44, peak: 44 });
  });

  it('the innermost label wins, and the outer one is back after it', () => {
    const tape = new A.Tape();
    A.withTape(tape, () =>
      A.withSavedKind('outer', () => {
        A.withSavedKind('inner', () => A.exp(param([1]))); // 4 bytes
        A.exp(param([2])); // 8 bytes
      }),
    );
    expect(tape.savedBytes().kinds['']).toEqual({ inner: { live: 4, peak: 4 }, outer: { live: 8, peak: 8 } });
    expect(tape.currentKind).toBe('');
  });

  it('a custom op may label its own saves: the label is read when ctx.save runs', () => {
    const labelled = A.customOp({
      name: 'labelled',
      forward(ctx, x) {
        const h = T.mul(x, 2);
        A.withSavedKind('H', () => ctx.save(h));
        return h;
      },
      backward: (_ctx, g) => [T.mul(g, 2)],
    });
    const tape = new A.Tape();
    A.withTape(tape, () => labelled(param([3])));
    expect(tape.savedBytes().kinds['']).toEqual({ H: { live: 12, peak: 12 } });
  });

  it('a storage saved under two kinds counts once, for the kind that saved it first', () => {
    const tape = new A.Tape();
    A.withTape(tape, () => {
      const x = param([4]);
      A.withSavedKind('first', () => A.log(x)); // saves x: 16 bytes
      A.withSavedKind('second', () => A.abs(x)); // saves x again
    });
    expect(tape.savedBytes().kinds['']).toEqual({ first: { live: 16, peak: 16 } });
  });

  it('backward releases each kind; peaks remember, resetPeak starts them over', () => {
    const tape = new A.Tape();
    const x = param([8]);
    const y = A.withTape(tape, () => A.sum(A.withSavedKind('X', () => A.tanh(x))));
    y.backward();
    expect(tape.savedBytes().kinds['']).toEqual({ X: { live: 0, peak: 32 } });
    tape.resetPeak();
    expect(tape.savedBytes().kinds['']!['X']).toEqual({ live: 0, peak: 0 });
  });

  it('parameters stay apart: a label does not make a weight an activation', () => {
    const tape = new A.Tape();
    A.withTape(tape, () => A.withSavedKind('X', () => A.matmul(param([2, 3]), A.parameter(T.ones([3, 1]), 'w'))));
    expect(tape.savedBytes()).toMatchObject({ live: 24, parameters: 12, kinds: { '': { X: { live: 24, peak: 24 } } } });
  });

  it('records no label when nothing records', () => {
    const tape = new A.Tape();
    A.withTape(tape, () => A.withSavedKind('X', () => A.tanh(A.variable(T.ones([3])))));
    expect(tape.savedBytes().kinds).toEqual({});
  });
});
