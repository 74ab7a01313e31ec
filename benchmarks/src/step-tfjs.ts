/**
 * The same training step written with tfjs ops, for bench:step: GPT-2 (learned positions,
 * pre-LayerNorm blocks, causal attention, tanh GELU, tied head), LoRA written as
 * y = x W + b + s (x Aᵀ) Bᵀ on c_attn, attn.c_proj, c_fc and mlp.c_proj, Adam via
 * `optimizer.minimize` over the method's trainable variables.
 */
import * as tf from '@tensorflow/tfjs'; // the union package registers the gradients minimize needs
import type { StepShape } from './step-lorafa.js';
import { stepTokens } from './step-lorafa.js';

type Method = 'full' | 'lora' | 'lora-fa';

interface Projection {
  w: tf.Variable;
  b: tf.Variable;
  a?: tf.Variable;
  bUp?: tf.Variable;
}

export function tfjsStep(s: StepShape, method: Method): { step: () => number; dispose: () => void } {
  const d = s.embd;
  const scale = 2; // alpha / r with alpha = 2r
  let seed = 1;
  const normal = (shape: number[], std: number, trainable: boolean) =>
    tf.variable(tf.randomNormal(shape, 0, std, 'float32', seed++), trainable);
  const all: tf.Variable[] = [];
  const track = (v: tf.Variable) => {
    all.push(v);
    return v;
  };
  const full = method === 'full';
  const projection = (inF: number, outF: number): Projection => {
    const p: Projection = { w: track(normal([inF, outF], 0.02, full)), b: track(tf.variable(tf.zeros([outF]), full)) };
    if (!full) {
      p.a = track(normal([s.rank, inF], 1 / s.rank, method === 'lora'));
      p.bUp = track(tf.variable(tf.zeros([outF, s.rank]), true));
    }
    return p;
  };
  const norm = () => ({ g: track(tf.variable(tf.ones([d]), full)), b: track(tf.variable(tf.zeros([d]), full)) });
  const wte = track(normal([s.vocab, d], 0.02, full));
  const wpe = track(normal([s.seq, d], 0.01, full));
  const blocks = Array.from({ length: s.layers }, () => ({
    ln1: norm(),
    attn: projection(d, 3 * d),
    proj: projection(d, d),
    ln2: norm(),
    fc: projection(d, 4 * d),
    out: projection(4 * d, d),
  }));
  const lnF = norm();
  const ids = tf.tensor2d(stepTokens(s), [s.batch, s.seq], 'int32');
  const targets = tf.oneHot(tf.reshape(tf.slice(ids, [0, 1], [s.batch, s.seq - 1]), [-1]) as tf.Tensor1D, s.vocab);
  const inputOneHot = tf.oneHot(tf.reshape(ids, [-1]) as tf.Tensor1D, s.vocab) as tf.Tensor2D;
  const mask = tf.mul(tf.sub(tf.linalg.bandPart(tf.ones([s.seq, s.seq]), -1, 0), 1), 1e9); // 0 on and below the diagonal, −1e9 above

  const linear = (x: tf.Tensor2D, p: Projection): tf.Tensor2D => {
    let y = tf.add(tf.matMul(x, p.w), p.b) as tf.Tensor2D;
    if (p.a && p.bUp) y = tf.add(y, tf.mul(tf.matMul(tf.matMul(x, p.a, false, true), p.bUp, false, true), scale));
    return y;
  };
  const layerNorm = (x: tf.Tensor2D, n: { g: tf.Variable; b: tf.Variable }): tf.Tensor2D => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), n.g), n.b);
  };
  const gelu = (x: tf.Tensor2D): tf.Tensor2D =>
    tf.mul(
      tf.mul(x, 0.5),
      tf.add(tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI))), 1),
    );
  const tokens = s.batch * s.seq;
  const headDim = d / s.heads;
  const loss = (): tf.Scalar => {
    // The embedding lookup as one-hot x table: tfjs-backend-wasm has no kernel for gather's gradient.
    let x = tf.add(tf.matMul(inputOneHot, wte), tf.tile(wpe, [s.batch, 1])) as tf.Tensor2D;
    for (const block of blocks) {
      const qkv = linear(layerNorm(x, block.ln1), block.attn);
      const [q, k, v] = tf
        .split(qkv, 3, 1)
        .map((t) => tf.transpose(tf.reshape(t, [s.batch, s.seq, s.heads, headDim]), [0, 2, 1, 3]) as tf.Tensor4D);
      const scores = tf.add(tf.div(tf.matMul(q!, k!, false, true), Math.sqrt(headDim)), mask);
      const context = tf.reshape(tf.transpose(tf.matMul(tf.softmax(scores), v!), [0, 2, 1, 3]), [
        tokens,
        d,
      ]) as tf.Tensor2D;
      x = tf.add(x, linear(context, block.proj));
      x = tf.add(x, linear(gelu(linear(layerNorm(x, block.ln2), block.fc)), block.out));
    }
    const logits = tf.reshape(tf.matMul(layerNorm(x, lnF), wte, false, true), [s.batch, s.seq, s.vocab]);
    const shifted = tf.reshape(tf.slice(logits, [0, 0, 0], [s.batch, s.seq - 1, s.vocab]), [-1, s.vocab]);
    return tf.losses.softmaxCrossEntropy(targets, shifted) as tf.Scalar;
  };
  const optimizer = tf.train.adam(1e-4);
  const trainable = all.filter((v) => v.trainable);
  return {
    step: () => {
      const cost = tf.tidy(() => optimizer.minimize(loss, true, trainable)!);
      const value = cost.dataSync()[0]!;
      cost.dispose();
      return value;
    },
    dispose: () => {
      for (const v of all) v.dispose();
      ids.dispose();
      targets.dispose();
      inputOneHot.dispose();
      mask.dispose();
      optimizer.dispose();
    },
  };
}
