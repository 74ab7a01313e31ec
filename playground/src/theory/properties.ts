/**
 * A few of the theorems in docs/theory.md as fast-check properties, small enough to run live in
 * a page: float64 on the `cpu` backend, the same functions the optimizer uses (correctB,
 * correctA) checked against the statements, not against themselves.
 */
import fc from 'fast-check';
import * as T from '@lorafa/tensor';
import { correctA, correctB, GramSolver } from '@lorafa/lorafa';

export interface TheoryCheck {
  name: string;
  statement: string;
  /** The heading of docs/theory.md the property comes from (its anchor). */
  anchor: string;
  property: fc.IProperty<[Problem]>;
}

interface Problem {
  r: number;
  extra: number;
  m: number;
  s: number;
  seed: number;
}

const problem = fc.record({
  r: fc.integer({ min: 1, max: 4 }),
  extra: fc.integer({ min: 0, max: 4 }),
  m: fc.integer({ min: 1, max: 5 }),
  s: fc.double({ min: 0.1, max: 4, noNaN: true }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

const WELL_CONDITIONED = 1e8;
const frobenius = (t: T.Tensor) => Math.sqrt(T.sum(T.mul(t, t)).item());
const inner = (a: T.Tensor, b: T.Tensor) => T.sum(T.mul(a, b)).item();
const randn = (shape: number[], rng: T.Rng) => T.randn(shape, { rng, dtype: 'float64' });

/** A (r x d) of full row rank, dW (m x d), and LoRA-FA's corrected X = correctB(s dW Aᵀ, A, s). */
function loraFaProblem({ r, extra, m, s, seed }: Problem) {
  const rng = new T.Rng(seed);
  const a = randn([r, r + extra], rng);
  fc.pre(GramSolver.forRows(a).condition < WELL_CONDITIONED);
  const dW = randn([m, r + extra], rng);
  const x = correctB(T.mul(T.matmul(dW, a.transpose()), s), a, s); // from the raw gradient g_B = s dW Aᵀ
  return { a, dW, x, update: T.mul(T.matmul(x, a), s) };
}

export const THEORY_CHECKS: TheoryCheck[] = [
  {
    name: 'Theorem 4.1: least squares',
    statement: 'X = correctB(s dW Aᵀ, A, s) solves the normal equations (s X A − dW) Aᵀ = 0',
    anchor: 'theorem-41--the-corrected-gradient-of-b',
    property: fc.property(problem, (p) => {
      const { a, dW, update } = loraFaProblem(p);
      const normal = T.matmul(T.sub(update, dW), a.transpose());
      return frobenius(normal) <= 1e-9 * (1 + frobenius(dW) * frobenius(a));
    }),
  },
  {
    name: 'Theorem 4.1: descent',
    statement: 'the corrected step never points uphill: ⟨dW, s X A⟩ ≥ 0',
    anchor: 'descent',
    property: fc.property(problem, (p) => {
      const { dW, update } = loraFaProblem(p);
      return inner(dW, update) >= -1e-12;
    }),
  },
  {
    name: 'Equivalence at one step',
    statement: 's X A = dW P_A: the full gradient projected onto A’s row space (P_A = A⁺A, from the SVD)',
    anchor: 'equivalence-at-one-step',
    property: fc.property(problem, (p) => {
      const { a, dW, update } = loraFaProblem(p);
      const projected = T.matmul(dW, T.matmul(T.linalg.pinv(a), a));
      return frobenius(T.sub(update, projected)) <= 1e-8 * (1 + frobenius(dW));
    }),
  },
  {
    name: 'Theorem A.1: LoRA-FB',
    statement: 'Y = correctA(s Bᵀ dW, B, s) solves Bᵀ (s B Y − dW) = 0',
    anchor: 'theorem-a1--lora-fb-the-mirror-image',
    property: fc.property(problem, ({ r, extra, m, s, seed }) => {
      const rng = new T.Rng(seed);
      const b = randn([r + extra, r], rng);
      fc.pre(GramSolver.forColumns(b).condition < WELL_CONDITIONED);
      const dW = randn([r + extra, m], rng);
      const y = correctA(T.mul(T.matmul(b.transpose(), dW), s), b, s);
      const normal = T.matmul(b.transpose(), T.sub(T.mul(T.matmul(b, y), s), dW));
      return frobenius(normal) <= 1e-9 * (1 + frobenius(dW) * frobenius(b));
    }),
  },
];

export interface TheoryResult {
  name: string;
  statement: string;
  anchor: string;
  runs: number;
  skipped: number;
  passed: boolean;
  counterexample?: string;
  ms: number;
}

/** Runs one property with fast-check (seeded: the same runs every time) and reports it. */
export function runCheck(check: TheoryCheck, numRuns = 100): TheoryResult {
  const started = performance.now();
  const details = fc.check(check.property, { numRuns, seed: 42 });
  return {
    name: check.name,
    statement: check.statement,
    anchor: check.anchor,
    runs: details.numRuns,
    skipped: details.numSkips,
    passed: !details.failed,
    counterexample: details.failed
      ? `${fc.stringify(details.counterexample)} (shrunk ${details.numShrinks} times)`
      : undefined,
    ms: performance.now() - started,
  };
}
