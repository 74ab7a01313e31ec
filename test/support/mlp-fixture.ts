/**
 * An independent reference for `mlp-lorafa` fixtures of any size: plain float64 arrays, the
 * MLP's gradients derived by hand, and PEFT's LoRA-FA AdamW written from the fixtures' README.
 * It shares no code with the packages (only the Rng, as a source of numbers), so replaying
 * its fixtures checks lorafa-ts against the documented semantics rather than against itself.
 */
import * as T from '@lorafa/tensor';
import { serializeSafetensors } from '@lorafa/nn';

type M = number[][];
const mm = (a: M, b: M): M => a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const tr = (a: M): M => a[0]!.map((_, j) => a.map((row) => row[j]!));
const add = (a: M, b: M): M => a.map((row, i) => row.map((v, j) => v + b[i]![j]!));
const scale = (a: M, c: number): M => a.map((row) => row.map((v) => v * c));

/** Gauss–Jordan inverse of a small well-conditioned matrix. */
function inverse(a: M): M {
  const n = a.length;
  const w = a.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    const p = w.slice(c).reduce((best, row, k) => (Math.abs(row[c]!) > Math.abs(w[best]![c]!) ? k + c : best), c);
    [w[c], w[p]] = [w[p]!, w[c]!];
    const pivot = w[c]![c]!;
    w[c] = w[c]!.map((v) => v / pivot);
    for (let r = 0; r < n; r++) if (r !== c) w[r] = w[r]!.map((v, j) => v - w[r]![c]! * w[c]![j]!);
  }
  return w.map((row) => row.slice(n));
}

export interface MlpFixtureConfig {
  seed: number;
  d_in: number;
  d_h: number;
  d_out: number;
  batch: number;
  r: number;
  alpha: number;
  lr: number;
  weight_decay: number;
  steps: number;
}

export function makeMlpFixture(c: MlpFixtureConfig): Uint8Array {
  const rng = new T.Rng(c.seed);
  const random = (rows: number, cols: number, std: number): M =>
    Array.from({ length: rows }, () => Array.from({ length: cols }, () => Math.fround(std * rng.nextNormal())));
  const s = c.alpha / c.r;
  const x = random(c.batch, c.d_in, 1);
  const y = random(c.batch, c.d_out, 1);
  const layers = [
    {
      name: 'fc1',
      W: random(c.d_h, c.d_in, 0.3),
      b: random(1, c.d_h, 0.1),
      A: random(c.r, c.d_in, 0.4),
      B: random(c.d_h, c.r, 0.05),
    },
    {
      name: 'fc2',
      W: random(c.d_out, c.d_h, 0.3),
      b: random(1, c.d_out, 0.1),
      A: random(c.r, c.d_h, 0.4),
      B: random(c.d_out, c.r, 0.05),
    },
  ];
  const tensors: Record<string, M> = { x, y };
  for (const l of layers) {
    Object.assign(tensors, {
      [`base.${l.name}.weight`]: l.W,
      [`base.${l.name}.bias`]: l.b,
      [`init.${l.name}.lora_A`]: l.A,
      [`init.${l.name}.lora_B`]: l.B,
    });
  }

  /** Forward and hand-derived backward; returns the loss, output and dL/dW_eff per layer. */
  const evaluate = () => {
    const effective = layers.map((l) => add(l.W, scale(mm(l.B, l.A), s)));
    const z1 = mm(x, tr(effective[0]!)).map((row) => row.map((v, j) => v + layers[0]!.b[0]![j]!));
    const h = z1.map((row) => row.map(Math.tanh));
    const out = mm(h, tr(effective[1]!)).map((row) => row.map((v, j) => v + layers[1]!.b[0]![j]!));
    const n = c.batch * c.d_out;
    const loss = out.flat().reduce((acc, v, i) => acc + (v - y.flat()[i]!) ** 2, 0) / n;
    const dOut = out.map((row, i) => row.map((v, j) => (2 * (v - y[i]![j]!)) / n));
    const dW2 = mm(tr(dOut), h);
    const dZ1 = mm(dOut, effective[1]!).map((row, i) => row.map((v, j) => v * (1 - h[i]![j]! ** 2)));
    const dW1 = mm(tr(dZ1), x);
    return { loss, out, dW: [dW1, dW2] };
  };

  const initial = evaluate();
  tensors['init.loss'] = [[initial.loss]];
  layers.forEach((l, i) => {
    tensors[`init.${l.name}.base_grad`] = initial.dW[i]!;
    tensors[`init.${l.name}.lora_B_grad`] = scale(mm(initial.dW[i]!, tr(l.A)), s); // s · dW Aᵀ
    tensors[`init.${l.name}.lora_A_grad`] = scale(mm(tr(l.B), initial.dW[i]!), s); // s · Bᵀ dW
  });

  // PEFT's LoRA-FA AdamW (README): corrected g, eps 1e-6, bias correction in the step size, decay after.
  const moments = layers.map((l) => ({ m: scale(l.B, 0), v: scale(l.B, 0) }));
  for (let t = 1; t <= c.steps; t++) {
    const { loss, dW } = evaluate();
    tensors[`step${t}.loss`] = [[loss]];
    layers.forEach((l, i) => {
      const gB = scale(mm(dW[i]!, tr(l.A)), s);
      tensors[`step${t}.${l.name}.lora_B_grad`] = gB;
      const gram = add(
        mm(l.A, tr(l.A)),
        l.A.map((_, a) => l.A.map((__, b) => (a === b ? 1e-8 : 0))),
      );
      const g = scale(mm(gB, inverse(gram)), 1 / (s * s));
      const { m, v } = moments[i]!;
      const stepSize = (c.lr * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
      l.B = l.B.map((row, a) =>
        row.map((value, b) => {
          m[a]![b] = 0.9 * m[a]![b]! + 0.1 * g[a]![b]!;
          v[a]![b] = 0.999 * v[a]![b]! + 0.001 * g[a]![b]! ** 2;
          const updated = value - (stepSize * m[a]![b]!) / (Math.sqrt(v[a]![b]!) + 1e-6);
          return updated - c.lr * c.weight_decay * updated;
        }),
      );
      tensors[`step${t}.${l.name}.lora_B`] = l.B;
    });
  }
  tensors['final.output'] = evaluate().out;

  const shapes: Record<string, number[]> = {};
  const asTensors: Record<string, T.Tensor> = {};
  for (const [name, rows] of Object.entries(tensors)) {
    const isScalar = name.endsWith('.loss');
    const isBias = name.endsWith('.bias');
    shapes[name] = isScalar ? [1] : isBias ? [rows[0]!.length] : [rows.length, rows[0]!.length];
    asTensors[name] = T.fromFlat(rows.flat(), shapes[name]!, { dtype: 'float32' });
  }
  const manifest = {
    kind: 'mlp-lorafa',
    source: 'test/support/mlp-fixture.ts (independent float64 reference)',
    config: c,
  };
  return serializeSafetensors(asTensors, { manifest: JSON.stringify(manifest) });
}
