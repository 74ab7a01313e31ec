/**
 * The quick-start job until the `lorafa` CLI lands: fit a small tanh MLP to a 2-D function
 * with lorafa-ts's autograd and SGD with momentum, printing the loss as it falls.
 *
 *   npm start                                   (500 steps)
 *   npx tsx --conditions=source examples/train-mlp.ts --steps 200 --seed 3
 */
import { pathToFileURL } from 'node:url';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';

export interface TrainOptions {
  steps?: number;
  seed?: number;
  hidden?: number;
  learningRate?: number;
  momentum?: number;
  /** Called with (step, loss) every `logEvery` steps and at the first and last step. */
  onLog?: (step: number, loss: number) => void;
  logEvery?: number;
}

/** Target f(x) = exp(−|x|²) − ½ tanh(2 x₀ x₁) on 512 points drawn uniformly from [-2, 2]². */
export function makeData(rng: T.Rng): { inputs: T.Tensor; targets: T.Tensor } {
  const inputs = T.uniform([512, 2], -2, 2, { rng });
  const [x0, x1] = [inputs.slice([null, 0]), inputs.slice([null, 1])];
  const bump = T.exp(T.neg(T.add(T.square(x0), T.square(x1))));
  const targets = T.sub(bump, T.mul(T.tanh(T.mul(T.mul(x0, x1), 2)), 0.5)).reshape([512, 1]);
  return { inputs, targets };
}

/** Trains 2 → hidden → hidden → 1 (tanh) with mean squared error; returns the losses. */
export function trainMlp(options: TrainOptions = {}): number[] {
  const { steps = 500, seed = 7, hidden = 32, learningRate = 0.05, momentum = 0.9, logEvery = 100 } = options;
  const rng = new T.Rng(seed);
  const { inputs, targets } = makeData(rng);

  // Kaiming-uniform weights and U(±1/√fanIn) biases, as PyTorch's nn.Linear initialises them.
  const sizes = [2, hidden, hidden, 1];
  const layers = sizes.slice(1).map((fanOut, i) => ({
    weight: A.parameter(T.kaimingUniform([fanOut, sizes[i]!], { rng }), `layer${i}.weight`),
    bias: A.parameter(
      T.uniform([fanOut], -1 / Math.sqrt(sizes[i]!), 1 / Math.sqrt(sizes[i]!), { rng }),
      `layer${i}.bias`,
    ),
  }));
  const parameters = layers.flatMap((l) => [l.weight, l.bias]);
  const forward = (x: A.Variable): A.Variable =>
    layers.reduce((h, layer, i) => {
      const z = A.add(A.matmul(h, A.transpose(layer.weight)), layer.bias);
      return i < layers.length - 1 ? A.tanh(z) : z;
    }, x);

  const velocity = parameters.map((p) => T.zerosLike(p.value));
  const x = new A.Variable(inputs);
  const losses: number[] = [];
  for (let step = 1; step <= steps; step++) {
    const loss = A.mean(A.square(A.sub(forward(x), targets)));
    A.zeroGrad(parameters);
    loss.backward();
    // SGD with momentum: v ← μ v + g, p ← p − η v.
    parameters.forEach((p, i) => {
      velocity[i] = T.add(T.mul(velocity[i]!, momentum), p.grad!);
      p.assign(T.sub(p.value, T.mul(velocity[i]!, learningRate)));
    });
    losses.push(loss.item());
    if (step === 1 || step % logEvery === 0 || step === steps) options.onLog?.(step, loss.item());
  }
  return losses;
}

function argument(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = Number(process.argv[i + 1]);
  if (!Number.isFinite(value)) {
    console.error(`train-mlp: --${name} needs a number, got '${process.argv[i + 1] ?? ''}'`);
    process.exit(2);
  }
  return value;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const steps = argument('steps') ?? 500;
  const seed = argument('seed') ?? 7;
  console.log(
    `Fitting f(x) = exp(-|x|^2) - tanh(2 x0 x1)/2 with a 2-32-32-1 tanh MLP (seed ${seed}, ${steps} steps of SGD with momentum)`,
  );
  const started = performance.now();
  trainMlp({
    steps,
    seed,
    onLog: (step, loss) => console.log(`step ${String(step).padStart(4)}  loss ${loss.toFixed(6)}`),
  });
  console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
