import { describe, expect, it } from 'vitest';
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { Linear, Module, ReLU, Sequential } from '@lorafa/nn';
import { injectLora, LoraLinear, loraScaling, matchesTarget, randomFactor } from '@lorafa/lorafa';
import { relativeError } from '../../../test/support/matchers.js';

const linear = (inF = 6, outF = 4) => new Linear(inF, outF, { dtype: 'float64', rng: new T.Rng(1) });

describe('LoraLinear', () => {
  it('starts equal to the base layer: B = 0 (lora, lora-fa) or A = 0 (lora-fb)', () => {
    const x = A.variable(T.randn([3, 6], { dtype: 'float64', rng: new T.Rng(2) }));
    const reference = linear().forward(x).value.dataSync();
    for (const method of ['lora', 'lora-fa', 'lora-fb'] as const) {
      const layer = new LoraLinear(linear(), { method, rank: 2, alpha: 4, rng: new T.Rng(3) });
      const { A: a, B: b } = layer.adapter!;
      expect(a.shape).toEqual([2, 6]);
      expect(b.shape).toEqual([4, 2]);
      const [zero, random] = method === 'lora-fb' ? [a, b] : [b, a];
      expect([...zero.value.dataSync()].every((v) => v === 0)).toBe(true);
      expect([...random.value.dataSync()].some((v) => v !== 0)).toBe(true);
      expect(layer.forward(x).value.dataSync()).toEqual(reference);
      // Which factor trains, and the base is frozen.
      expect([a.requiresGrad, b.requiresGrad]).toEqual(
        method === 'lora' ? [true, true] : method === 'lora-fa' ? [false, true] : [true, false],
      );
      expect(layer.base.weight.requiresGrad).toBe(false);
    }
  });

  it('draws A by the chosen init: gaussian std 1/r, kaiming-uniform bound 1/√in, uniform bound √(3/in)', () => {
    const draw = (init: 'gaussian' | 'kaiming-uniform' | 'uniform') => [
      ...new LoraLinear(new Linear(400, 2, { dtype: 'float64' }), {
        method: 'lora',
        rank: 4,
        alpha: 4,
        init,
        rng: new T.Rng(5),
      }).adapter!.A.value.dataSync(),
    ];
    const gaussian = draw('gaussian');
    const std = Math.sqrt(gaussian.reduce((s, v) => s + v * v, 0) / gaussian.length);
    expect(Math.abs(std - 1 / 4)).toBeLessThan(0.02);
    expect(Math.max(...draw('kaiming-uniform').map(Math.abs))).toBeLessThanOrEqual(1 / 20);
    expect(Math.max(...draw('uniform').map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(3 / 400));
    expect(Math.max(...draw('uniform').map(Math.abs))).toBeGreaterThan(1 / 20);
  });

  it('anisotropic init gives A Aᵀ a condition number near 10⁴', () => {
    const layer = new LoraLinear(new Linear(2000, 2, { dtype: 'float64' }), {
      method: 'lora-fa',
      rank: 4,
      alpha: 4,
      init: 'anisotropic',
      rng: new T.Rng(8),
    });
    const s = T.linalg.svd(layer.adapter!.A.value).s.dataSync();
    const condition = (s[0]! / s[3]!) ** 2;
    expect(condition).toBeGreaterThan(5e3);
    expect(condition).toBeLessThan(2e4);
  });

  it('scales by α/r, or α/√r with rsLoRA', () => {
    expect(loraScaling({ rank: 16, alpha: 32 })).toBe(2);
    expect(loraScaling({ rank: 16, alpha: 32, rsLora: true })).toBe(8);
    expect(new LoraLinear(linear(), { method: 'lora-fa', rank: 4, alpha: 8, rsLora: true }).adapter!.scaling).toBe(4);
  });

  it('merges s B A into W0 and unmerges back, with the same outputs', () => {
    const layer = new LoraLinear(linear(), { method: 'lora', rank: 2, alpha: 4, rng: new T.Rng(4) });
    layer.adapter!.B.assign(T.randn([4, 2], { dtype: 'float64', rng: new T.Rng(6) }));
    const x = A.variable(T.randn([5, 6], { dtype: 'float64', rng: new T.Rng(7) }));
    const before = layer.forward(x).value.dataSync();
    const w0 = layer.base.weight.value.dataSync().slice();
    layer.merge();
    expect(layer.isMerged).toBe(true);
    expect(relativeError(layer.forward(x).value.dataSync(), before)).toBeLessThan(1e-14);
    layer.unmerge();
    expect(relativeError(layer.base.weight.value.dataSync(), w0)).toBeLessThan(1e-14);
    expect(relativeError(layer.forward(x).value.dataSync(), before)).toBeLessThan(1e-14);
  });

  it('full fine-tuning trains the base weight and adds no adapter', () => {
    const layer = new LoraLinear(linear(), { method: 'full', rank: 1, alpha: 1 });
    expect(layer.adapter).toBeNull();
    expect(layer.base.weight.requiresGrad).toBe(true);
  });

  it('validates its configuration', () => {
    expect(() => new LoraLinear(linear(), { method: 'lora', rank: 0, alpha: 1 })).toThrow(
      /lora: rank must be a positive integer, got 0/,
    );
    expect(() => new LoraLinear(linear(), { method: 'dora' as 'lora', rank: 1, alpha: 1 })).toThrow(
      /lora: unknown method 'dora'/,
    );
    expect(() => new LoraLinear(linear(), { method: 'lora', rank: 1, alpha: 1, init: 'zeros' as 'gaussian' })).toThrow(
      /lora: unknown init 'zeros'/,
    );
  });
});

describe('injectLora', () => {
  class Net extends Module {
    encoder = this.registerModule('encoder', new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 8)));
    head = this.registerModule('head', new Linear(8, 2));
    forward(x: A.Variable): A.Variable {
      return this.head.call(this.encoder.call(x));
    }
  }

  it('replaces the targeted Linear modules by name suffix or RegExp, freezing everything else', () => {
    const net = new Net();
    const adapters = injectLora(net, { targets: ['head', /encoder\.2/], method: 'lora-fa', rank: 2, alpha: 4 });
    expect(adapters.map((a) => a.name)).toEqual(['encoder.2', 'head']);
    expect(net.getModule('head')).toBeInstanceOf(LoraLinear);
    expect(net.head).toBeInstanceOf(LoraLinear); // the typed field follows the replacement
    expect(net.getModule('encoder.0')).toBeInstanceOf(Linear);
    const trainable = [...net.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n]) => n);
    expect(trainable).toEqual(['encoder.2.lora_B', 'head.lora_B']);
    expect(net.call(A.variable(T.ones([3, 4]))).shape).toEqual([3, 2]);
  });

  it('matches targets like PEFT: whole path or dotted suffix; RegExp must match the whole path', () => {
    expect(matchesTarget('h.0.attn.c_attn', 'c_attn')).toBe(true);
    expect(matchesTarget('h.0.attn.c_attn', 'attn')).toBe(false);
    expect(matchesTarget('h.0.attn.c_proj', 'attn.c_proj')).toBe(true);
    expect(matchesTarget('h.0.mlp.c_proj', /.*attn.*/)).toBe(false);
  });

  it('lists the Linear modules when no target matches', () => {
    expect(() => injectLora(new Net(), { targets: ['q_proj'], method: 'lora', rank: 1, alpha: 1 })).toThrow(
      /injectLora: no Linear module matches targets \[q_proj\]; Linear modules: encoder\.0, encoder\.2, head/,
    );
  });
});

describe('LoraLinear, in detail', () => {
  it('names its parameters like PEFT (lora_A, lora_B, base.weight, base.bias); the adapter name defaults to ""', () => {
    const layer = new LoraLinear(linear(), { method: 'lora', rank: 2, alpha: 4 });
    expect([...layer.namedParameters()].map(([name]) => name)).toEqual([
      'lora_A',
      'lora_B',
      'base.weight',
      'base.bias',
    ]);
    expect(layer.adapter!.name).toBe('');
    expect(new LoraLinear(linear(), { method: 'lora', rank: 2, alpha: 4, name: 'h.0.mlp.c_fc' }).adapter!.name).toBe(
      'h.0.mlp.c_fc',
    );
  });

  it('runs LoRA-FA as the one custom op (node loraFA) and LoRA composed from primitives', () => {
    const x = A.variable(T.randn([3, 6], { dtype: 'float64', rng: new T.Rng(2) }));
    const fa = new LoraLinear(linear(), { method: 'lora-fa', rank: 2, alpha: 4 });
    expect(fa.forward(x).gradFn!.opName).toBe('loraFA');
    const lora = new LoraLinear(linear(), { method: 'lora', rank: 2, alpha: 4 });
    // … + s H Bᵀ onto X W0ᵀ + b: primitives (matmulAdd), outside any custom op
    const y = lora.forward(x);
    expect(y.gradFn!.opName).toBe('matmulAdd');
    const inputOps = y.gradFn!.inputs.map((edge) => (edge && 'node' in edge ? edge.node.opName : null));
    // s H and Bᵀ are recorded; X W0ᵀ + b is not (x is data, W0 and b are frozen)
    expect(inputOps).toEqual(['mulScalar', 'permute', null]);
  });

  it('merge and unmerge are idempotent, and do nothing without an adapter', () => {
    const layer = new LoraLinear(linear(), { method: 'lora', rank: 2, alpha: 4, rng: new T.Rng(4) });
    layer.adapter!.B.assign(T.randn([4, 2], { dtype: 'float64', rng: new T.Rng(6) }));
    const w0 = layer.base.weight.value.dataSync().slice();
    const merged = T.add(layer.base.weight.value, layer.delta()).dataSync();
    layer.merge();
    layer.merge();
    expect(relativeError(layer.base.weight.value.dataSync(), merged)).toBeLessThan(1e-14);
    layer.unmerge();
    layer.unmerge();
    expect(relativeError(layer.base.weight.value.dataSync(), w0)).toBeLessThan(1e-14);
    expect(layer.isMerged).toBe(false);
    const full = new LoraLinear(linear(), { method: 'full', rank: 1, alpha: 1 });
    const before = full.base.weight.value.dataSync().slice();
    full.merge();
    full.unmerge();
    expect(full.isMerged).toBe(false);
    expect(full.base.weight.value.dataSync()).toEqual(before);
  });

  it('validates alpha and lists the accepted methods and inits', () => {
    for (const alpha of [0, -1, Number.NaN]) {
      expect(() => new LoraLinear(linear(), { method: 'lora', rank: 1, alpha })).toThrow(
        `lora: alpha must be positive, got ${alpha}`,
      );
    }
    expect(() => new LoraLinear(linear(), { method: 'dora' as 'lora', rank: 1, alpha: 1 })).toThrow(
      "lora: unknown method 'dora' (expected full, lora, lora-fa, lora-fb)",
    );
    expect(() => new LoraLinear(linear(), { method: 'lora', rank: 1, alpha: 1, init: 'zeros' as 'gaussian' })).toThrow(
      "lora: unknown init 'zeros' (expected gaussian, kaiming-uniform, uniform, anisotropic, orthogonal, mixed, pissa)",
    );
  });

  it('anisotropic init: row i of A has standard deviation 10^(−2i/(r−1)) / r; one row is plain gaussian', () => {
    const options = { dtype: 'float64' as const };
    const a = randomFactor([4, 4000], 'anisotropic', 4, { ...options, rng: new T.Rng(3) });
    const rowStd = (i: number) => {
      const row = (a.arraySync() as number[][])[i]!;
      return Math.sqrt(row.reduce((s, v) => s + v * v, 0) / row.length);
    };
    expect(rowStd(0)).toBeCloseTo(0.25, 1);
    expect(rowStd(3) / 0.0025).toBeCloseTo(1, 1);
    const single = randomFactor([1, 5], 'anisotropic', 1, { ...options, rng: new T.Rng(9) });
    expect(single.dataSync()).toEqual(
      randomFactor([1, 5], 'gaussian', 1, { ...options, rng: new T.Rng(9) }).dataSync(),
    );
  });
});

describe('injectLora, in detail', () => {
  it('method full replaces nothing and makes every parameter trainable', () => {
    const net = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2));
    for (const p of net.parameters()) p.requiresGrad = false;
    expect(injectLora(net, { targets: ['0'], method: 'full', rank: 1, alpha: 1 })).toEqual([]);
    expect(net.getModule('0')).toBeInstanceOf(Linear);
    expect([...net.parameters()].every((p) => p.requiresGrad)).toBe(true);
  });

  it('a RegExp that matches only part of a path does not select it; a model without Linear says so', () => {
    expect(matchesTarget('h.0.mlp.c_proj', /mlp/)).toBe(false);
    expect(matchesTarget('h.0.mlp.c_proj', /h\.\d+\.mlp\.c_proj/)).toBe(true);
    expect(() =>
      injectLora(new Sequential(new ReLU()), { targets: ['fc'], method: 'lora', rank: 1, alpha: 1 }),
    ).toThrow('injectLora: no Linear module matches targets [fc]; Linear modules: none');
  });
});
