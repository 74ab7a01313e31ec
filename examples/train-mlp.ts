/**
 * The quick-start job until the `lorafa` CLI lands: fit a small tanh MLP to a 2-D function
 * with lorafa-ts's autograd and plain SGD with momentum, printing the loss as it falls.
 *
 *   npm start              (or: npx tsx --conditions=source examples/train-mlp.ts --steps 400)
 */
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';

const steps = Number(process.argv[process.argv.indexOf("--steps") + 1]) || 500;
const rng = new T.Rng(7);

// Data: 512 points in [-2, 2]², target f(x) = exp(−|x|²) − ½ tanh(2 x₀ x₁).
const inputs = T.uniform([512, 2], -2, 2, { rng });
const [x0, x1] = [inputs.slice([null, 0]), inputs.slice([null, 1])];
const bump = T.exp(T.neg(T.add(T.square(x0), T.square(x1))));
const target = T.sub(bump, T.mul(T.tanh(T.mul(T.mul(x0, x1), 2)), 0.5)).reshape([512, 1]);

// Model: 2 → 32 → 32 → 1 with tanh, weights Kaiming-uniform like nn.Linear.
const hidden = 32;
const layers = [
  [2, hidden],
  [hidden, hidden],
  [hidden, 1],
].map(([fanIn, fanOut]) => ({
  weight: A.parameter(T.kaimingUniform([fanOut!, fanIn!], { rng })),
  bias: A.parameter(T.uniform([fanOut!], -1 / Math.sqrt(fanIn!), 1 / Math.sqrt(fanIn!), { rng })),
}));
const parameters = layers.flatMap((l) => [l.weight, l.bias]);

function forward(x: A.Variable): A.Variable {
  let h = x;
  layers.forEach((layer, i) => {
    h = A.add(A.matmul(h, A.transpose(layer.weight)), layer.bias);
    if (i < layers.length - 1) h = A.tanh(h);
  });
  return h;
}

const learningRate = 0.05;
const momentum = 0.9;
const velocity = parameters.map((p) => T.zerosLike(p.value));
const x = new A.Variable(inputs);
const started = performance.now();

for (let step = 1; step <= steps; step++) {
  const loss = A.mean(A.square(A.sub(forward(x), target)));
  A.zeroGrad(parameters);
  loss.backward();
  // SGD with momentum: v ← μ v + g, p ← p − η v.
  parameters.forEach((p, i) => {
    velocity[i] = T.add(T.mul(velocity[i]!, momentum), p.grad!);
    p.assign(T.sub(p.value, T.mul(velocity[i]!, learningRate)));
  });
  if (step === 1 || step % 100 === 0 || step === steps) {
    console.log(`step ${String(step).padStart(4)}  loss ${loss.item().toFixed(6)}`);
  }
}
console.log(`trained ${steps} steps in ${((performance.now() - started) / 1000).toFixed(1)} s`);
