/**
 * The same training step as step-tfjs.ts, written with @jax-js/jax on its `wasm` device, for
 * bench:step: GPT-2 (learned positions, pre-LayerNorm blocks, causal attention, tanh GELU, tied
 * head, one-hot embedding), LoRA as y = x W + b + s (x Aᵀ) Bᵀ on c_attn, attn.c_proj, c_fc and
 * mlp.c_proj, and Adam — forward, backward and the update traced into ONE `jit`.
 *
 * Trained per method: full — every weight; lora — A and B; lora-fa — B only (A frozen).
 *
 * jax-js frees arrays by reference counting: every function takes ownership of its array
 * arguments, so an array used twice is passed once as `x.ref` (a new reference) and once as
 * `x`. The model code below follows that rule line by line; `wasmMemoryBytes` lets the caller
 * check that the Wasm heap stays flat from step to step (a leaked array grows it).
 */
import type * as Jax from '@jax-js/jax';
import type { StepShape } from './step-lorafa.js';
import { stepTokens } from './step-lorafa.js';

type Method = 'full' | 'lora' | 'lora-fa';
type JaxArray = Jax.Array;
type Params = Record<string, JaxArray>;
type Batch = { inputOneHot: JaxArray; targets: JaxArray; mask: JaxArray };
type Moments = { m: Params; v: Params };

const ADAM = { lr: 1e-4, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
const LORA_SCALE = 2; // alpha / r with alpha = 2r

/** The part of the WebAssembly JavaScript API used here (the project's `lib` has no DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}
type WasmApi = { Memory: new (descriptor: object) => WasmMemory };
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let jax: typeof Jax | undefined;
let wasmMemory: WasmMemory | undefined;

/**
 * Loads jax-js and starts its wasm device (its default init probes navigator.gpu, which Node
 * lacks). jax-js builds its Wasm heap when its module loads and does not expose it, so the module
 * is imported here, with WebAssembly.Memory watched for that one heap: its size shows a leak.
 */
async function loadJax(): Promise<typeof Jax> {
  if (jax) return jax;
  const Memory = wasmApi.Memory;
  const created: WasmMemory[] = [];
  wasmApi.Memory = class WatchedMemory extends Memory {
    constructor(descriptor: object) {
      super(descriptor);
      created.push(this);
    }
  };
  let loaded: typeof Jax;
  try {
    loaded = await import('@jax-js/jax');
  } finally {
    wasmApi.Memory = Memory;
  }
  if (created.length !== 1)
    throw new Error(
      `loading @jax-js/jax created ${created.length} Wasm memories, expected its one heap (was it imported before step-jax.ts?)`,
    );
  await loaded.init('wasm');
  wasmMemory = created[0];
  jax = loaded;
  return jax;
}

/** Bytes of jax-js's Wasm heap (it grows, never shrinks: flat over steps means no leak). */
export function wasmMemoryBytes(): number {
  if (!wasmMemory) throw new Error('wasmMemoryBytes: jax-js is not initialised (call jaxStep first)');
  return wasmMemory.buffer.byteLength;
}

/** Every weight of the model by name, from jax-js's PRNG with the tfjs model's init scales. */
function initParams(jax: typeof Jax, s: StepShape, lora: boolean): Params {
  const { numpy: np, random } = jax;
  const d = s.embd;
  let seed = 1;
  const normal = (shape: number[], std: number) => random.normal(random.key(seed++), shape).mul(std);
  const params: Params = { wte: normal([s.vocab, d], 0.02), wpe: normal([s.seq, d], 0.01) };
  const norm = (name: string) => {
    params[`${name}.g`] = np.ones([d]);
    params[`${name}.b`] = np.zeros([d]);
  };
  const projection = (name: string, inF: number, outF: number) => {
    params[`${name}.w`] = normal([inF, outF], 0.02);
    params[`${name}.b`] = np.zeros([outF]);
    if (lora) {
      params[`${name}.a`] = normal([s.rank, inF], 1 / s.rank);
      params[`${name}.bUp`] = np.zeros([outF, s.rank]);
    }
  };
  for (let l = 0; l < s.layers; l++) {
    norm(`h${l}.ln1`);
    projection(`h${l}.attn`, d, 3 * d);
    projection(`h${l}.proj`, d, d);
    norm(`h${l}.ln2`);
    projection(`h${l}.fc`, d, 4 * d);
    projection(`h${l}.out`, 4 * d, d);
  }
  norm('lnF');
  return params;
}

/** Whether `method` trains the weight called `name`. */
function isTrained(method: Method, name: string): boolean {
  if (method === 'full') return true;
  if (name.endsWith('.bUp')) return true;
  return method === 'lora' && name.endsWith('.a');
}

/** The inputs of every step: one-hot tokens, one-hot next tokens, the causal mask. */
function makeBatch(jax: typeof Jax, s: StepShape): Batch {
  const { numpy: np, nn } = jax;
  const ids = stepTokens(s);
  const next = Int32Array.from({ length: s.batch * (s.seq - 1) }, (_, i) => {
    const row = Math.floor(i / (s.seq - 1));
    return ids[row * s.seq + (i % (s.seq - 1)) + 1]!;
  });
  // 0 on and below the diagonal, −1e9 above: a token attends to itself and the past.
  const mask = np.triu(np.ones([s.seq, s.seq]), 1).mul(-1e9);
  return {
    inputOneHot: nn.oneHot(np.array(ids, { dtype: np.int32 }), s.vocab),
    targets: nn.oneHot(np.array(next, { dtype: np.int32 }), s.vocab),
    mask,
  };
}

/** The mean next-token cross-entropy of the model with weights `p` on `batch` (consumes both). */
function modelLoss(jax: typeof Jax, s: StepShape, p: Params, batch: Batch): JaxArray {
  const { numpy: np, nn } = jax;
  const d = s.embd;
  const tokens = s.batch * s.seq;
  const headDim = d / s.heads;
  const linear = (x: JaxArray, name: string): JaxArray => {
    const a = p[`${name}.a`];
    const bUp = p[`${name}.bUp`];
    const y = np.matmul(a ? x.ref : x, p[`${name}.w`]!).add(p[`${name}.b`]!);
    if (!a || !bUp) return y;
    const low = np.matmul(np.matmul(x, a.transpose()), bUp.transpose()); // (x Aᵀ) Bᵀ
    return y.add(low.mul(LORA_SCALE));
  };
  const layerNorm = (x: JaxArray, name: string): JaxArray => {
    const centered = x.ref.sub(x.mean(-1, { keepdims: true }));
    const variance = centered.ref.mul(centered.ref).mean(-1, { keepdims: true });
    return centered
      .div(np.sqrt(variance.add(1e-5)))
      .mul(p[`${name}.g`]!)
      .add(p[`${name}.b`]!);
  };
  // gelu_new: ½ x (1 + tanh(√(2/π) (x + 0.044715 x³)))
  const gelu = (x: JaxArray): JaxArray => {
    const cubed = x.ref.mul(x.ref).mul(x.ref);
    const inner = x.ref.add(cubed.mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
    return x.mul(0.5).mul(np.tanh(inner).add(1));
  };
  // [tokens, d] -> [batch, heads, seq, headDim]
  const heads = (t: JaxArray) => t.reshape([s.batch, s.seq, s.heads, headDim]).transpose([0, 2, 1, 3]);
  // Causal self-attention composed from matmul and softmax.
  const attention = (x: JaxArray, name: string): JaxArray => {
    const [q, k, v] = np.split(linear(x, `${name}.attn`), 3, 1).map(heads) as [JaxArray, JaxArray, JaxArray];
    const scores = np
      .matmul(q, k.transpose([0, 1, 3, 2]))
      .mul(1 / Math.sqrt(headDim))
      .add(batch.mask.ref);
    const context = np.matmul(nn.softmax(scores, -1), v).transpose([0, 2, 1, 3]).reshape([tokens, d]);
    return linear(context, `${name}.proj`);
  };

  // The embedding lookup as one-hot x table (as the tfjs model does), plus the positions.
  const embedded = np.matmul(batch.inputOneHot, p.wte!.ref).reshape([s.batch, s.seq, d]);
  let x = embedded.add(p.wpe!).reshape([tokens, d]);
  for (let l = 0; l < s.layers; l++) {
    x = x.ref.add(attention(layerNorm(x, `h${l}.ln1`), `h${l}`));
    x = x.ref.add(linear(gelu(linear(layerNorm(x, `h${l}.ln2`), `h${l}.fc`)), `h${l}.out`));
  }
  batch.mask.dispose();
  const logits = np.matmul(layerNorm(x, 'lnF'), p.wte!.transpose()).reshape([s.batch, s.seq, s.vocab]);
  const shifted = logits.slice([], [0, s.seq - 1], []).reshape([s.batch * (s.seq - 1), s.vocab]);
  return nn
    .logSoftmax(shifted, -1)
    .mul(batch.targets)
    .sum()
    .mul(-1 / (s.batch * (s.seq - 1)));
}

/**
 * Builds the model of `s` for `method` in jax-js and returns `step` (one jitted training step;
 * returns the loss before the update) and `dispose` (frees every array it holds).
 */
export async function jaxStep(s: StepShape, method: Method): Promise<{ step: () => number; dispose: () => void }> {
  const jax = await loadJax();
  const { numpy: np, jit, tree, valueAndGrad } = jax;
  const all = initParams(jax, s, method !== 'full');
  let trained: Params = {};
  const frozen: Params = {};
  for (const [name, value] of Object.entries(all)) (isTrained(method, name) ? trained : frozen)[name] = value;
  let moments: Moments = {
    m: Object.fromEntries(Object.entries(trained).map(([n, w]) => [n, np.zerosLike(w.ref)])),
    v: Object.fromEntries(Object.entries(trained).map(([n, w]) => [n, np.zerosLike(w.ref)])),
  };
  const batch = makeBatch(jax, s);
  const lossOf = (t: Params, f: Params, b: Batch) => modelLoss(jax, s, { ...f, ...t }, b);

  // One step: the loss and its gradient in the trained weights, then Adam,
  //   m ← β₁ m + (1 − β₁) g,  v ← β₂ v + (1 − β₂) g²,  w ← w − α̂ m / (√v + ε),
  // with the bias-corrected step size α̂ = α √(1 − β₂ᵗ) / (1 − β₁ᵗ) passed in as `stepSize`.
  const update = jit((t: Params, f: Params, b: Batch, state: Moments, stepSize: JaxArray) => {
    const [loss, grads] = valueAndGrad(lossOf)(tree.ref(t), f, b);
    const next: Params = {};
    const m: Params = {};
    const v: Params = {};
    for (const [name, w] of Object.entries(t)) {
      const g = grads[name]!;
      m[name] = state.m[name]!.mul(ADAM.beta1).add(g.ref.mul(1 - ADAM.beta1));
      v[name] = state.v[name]!.mul(ADAM.beta2).add(g.ref.mul(g).mul(1 - ADAM.beta2));
      const direction = m[name]!.ref.div(np.sqrt(v[name]!.ref).add(ADAM.epsilon));
      next[name] = w.sub(direction.mul(stepSize.ref));
    }
    stepSize.dispose();
    return { loss, trained: next, moments: { m, v } };
  });

  let t = 0;
  return {
    step: () => {
      t++;
      const stepSize = (ADAM.lr * Math.sqrt(1 - ADAM.beta2 ** t)) / (1 - ADAM.beta1 ** t);
      const out = update(trained, tree.ref(frozen), tree.ref(batch), moments, np.full([], stepSize));
      trained = out.trained;
      moments = out.moments;
      return out.loss.item(); // reading the loss consumes it
    },
    dispose: () => {
      tree.dispose([trained, frozen, batch, moments]);
      update.dispose();
    },
  };
}
