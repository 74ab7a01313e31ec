import * as T from '@lorafa/tensor';
import { UsageError } from '../cli-error.js';

/** Random training windows of `seq` tokens from a token stream, drawn with a seeded Rng. */
export class WindowSampler {
  constructor(
    private readonly tokens: Int32Array,
    readonly batch: number,
    readonly seq: number,
    public rng: T.Rng,
  ) {
    if (tokens.length < seq + 1)
      throw new UsageError(
        `too little training data: ${tokens.length} tokens, fewer than one window of --seq ${seq} + 1 = ${seq + 1}`,
      );
  }

  /** int32 [batch, seq]. */
  next(): T.Tensor {
    const data = new Int32Array(this.batch * this.seq);
    for (let b = 0; b < this.batch; b++) {
      const start = Math.floor(this.rng.nextFloat64() * (this.tokens.length - this.seq));
      data.set(this.tokens.subarray(start, start + this.seq), b * this.seq);
    }
    return T.fromFlat(data, [this.batch, this.seq], { dtype: 'int32' });
  }
}

/** Fixed, non-overlapping evaluation windows (the first `maxBatches` batches of the held-out text). */
export function evaluationBatches(tokens: Int32Array, batch: number, seq: number, maxBatches: number): T.Tensor[] {
  const windows = Math.floor(tokens.length / seq);
  const out: T.Tensor[] = [];
  for (let start = 0; start + batch <= windows && out.length < maxBatches; start += batch) {
    out.push(T.fromFlat(tokens.subarray(start * seq, (start + batch) * seq), [batch, seq], { dtype: 'int32' }));
  }
  if (out.length === 0)
    throw new UsageError(
      `too little held-out data: ${tokens.length} tokens, fewer than one evaluation batch of --batch ${batch} x --seq ${seq} = ${batch * seq}`,
    );
  return out;
}
