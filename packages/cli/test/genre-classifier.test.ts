/**
 * The genre classifier (genre/classifier.ts): the masked mean pool, and that padding a batch
 * changes nothing (GPT-2 is causal, so a passage's logits are the same alone or padded).
 */
import * as T from '@lorafa/tensor';
import * as A from '@lorafa/autograd';
import { ByteTokenizer, GPT2 } from '@lorafa/nn';
import { describe, expect, it } from 'vitest';
import { GenreClassifier, meanPool, passageBatch } from '../src/genre/classifier.js';

const passages = [
  { text: 'A short one.', label: 2, file: 'cc01' },
  { text: 'A rather longer passage of text.', label: 0, file: 'ca01' },
  { text: 'Medium length here', label: 1, file: 'cb01' },
];

describe('passageBatch', () => {
  it('pads to the longest passage, masks the padding and keeps the labels', () => {
    const batch = passageBatch(passages, new ByteTokenizer(), 64);
    expect(batch.ids.shape).toEqual([3, 32]);
    expect([...batch.lengths.dataSync()]).toEqual([12, 32, 18]);
    const mask = batch.mask.dataSync();
    expect([...mask.slice(0, 32)]).toEqual([...new Array(12).fill(1), ...new Array(20).fill(0)]);
    expect([...batch.ids.dataSync().slice(0, 3)]).toEqual([65, 32, 115]); // 'A', ' ', 's'
    expect([...batch.labels.dataSync()]).toEqual([2, 0, 1]);
  });

  it('pads to padTo when that is longer than every passage', () => {
    const batch = passageBatch(passages, new ByteTokenizer(), 64, 40);
    expect(batch.ids.shape).toEqual([3, 40]);
    expect([...batch.lengths.dataSync()]).toEqual([12, 32, 18]);
    expect(
      batch.mask
        .dataSync()
        .slice(40 + 32, 80)
        .every((v) => v === 0),
    ).toBe(true);
    expect(passageBatch(passages, new ByteTokenizer(), 64, 8).ids.shape).toEqual([3, 32]);
  });

  it("refuses a passage longer than the model's context", () => {
    expect(() => passageBatch(passages, new ByteTokenizer(), 16)).toThrow(
      "a passage of 32 tokens exceeds the model's n_positions 16",
    );
  });
});

describe('meanPool', () => {
  it('averages each passage over its real tokens only', () => {
    const batch = passageBatch(
      [
        { text: 'ab', label: 0, file: 'ca01' },
        { text: 'abc', label: 0, file: 'ca01' },
      ],
      new ByteTokenizer(),
      8,
    );
    // hidden [2, 3, 2]: the first passage's third position is padding
    const hidden = new A.Variable(
      T.tensor([
        [
          [1, 10],
          [3, 20],
          [100, 100],
        ],
        [
          [1, 2],
          [2, 4],
          [6, 9],
        ],
      ]),
    );
    expect([...meanPool(hidden, batch).value.dataSync()]).toEqual([2, 15, 3, 5]);
  });
});

describe('GenreClassifier', () => {
  const config = {
    vocab_size: 257,
    n_positions: 64,
    n_embd: 16,
    n_layer: 2,
    n_head: 2,
    layer_norm_epsilon: 1e-5,
    activation_function: 'gelu_new' as const,
  };

  it('gives each passage the same logits in a padded batch as alone (unpadded or padded further)', () => {
    const classifier = new GenreClassifier(new GPT2(config, { seed: 1 }), 15, new T.Rng(2));
    const tokenizer = new ByteTokenizer();
    classifier.calibrate([passageBatch(passages, tokenizer, 64)]);
    const together = A.noGrad(() => classifier.logits(passageBatch(passages, tokenizer, 64))).value;
    expect(together.shape).toEqual([3, 15]);
    passages.forEach((p, i) => {
      const alone = A.noGrad(() => classifier.logits(passageBatch([p], tokenizer, 64, i === 0 ? 0 : 48))).value;
      const row = [...together.dataSync().slice(i * 15, (i + 1) * 15)];
      [...alone.dataSync()].forEach((v, j) => expect(row[j]).toBeCloseTo(v, 5));
    });
  });

  it('calibrate standardises the pooled features: mean 0 and standard deviation 1 over the calibration batch', () => {
    const classifier = new GenreClassifier(new GPT2(config, { seed: 1 }), 15, new T.Rng(2));
    const batch = passageBatch(passages, new ByteTokenizer(), 64);
    const raw = A.noGrad(() => classifier.features(batch)).value;
    classifier.calibrate([batch]);
    const z = A.noGrad(() => classifier.features(batch)).value;
    const mean = T.mean(z, 0).dataSync();
    const std = T.sqrt(T.mean(T.square(z), 0)).dataSync();
    for (let j = 0; j < config.n_embd; j++) {
      expect(mean[j]).toBeCloseTo(0, 4);
      expect(std[j]).toBeCloseTo(1, 3);
    }
    // the same affine map of every feature: z = (raw − μ) / σ with μ, σ from raw
    const r = raw.dataSync();
    const column = (j: number) => [0, 1, 2].map((b) => r[b * config.n_embd + j]!);
    const m0 = column(0).reduce((a, v) => a + v, 0) / 3;
    const s0 = Math.sqrt(column(0).reduce((a, v) => a + (v - m0) ** 2, 0) / 3);
    expect(z.dataSync()[0]).toBeCloseTo((r[0]! - m0) / s0, 3);
  });

  it('trains its head: the loss has a gradient for the head and the backbone', () => {
    const model = new GPT2(config, { seed: 1 });
    const classifier = new GenreClassifier(model, 15, new T.Rng(2));
    const loss = classifier.loss(passageBatch(passages, new ByteTokenizer(), 64));
    loss.backward();
    expect(classifier.head.weight.grad).not.toBeNull();
    expect(model.transformer.ln_f.weight.grad).not.toBeNull();
  });
});
