import { assertSameDType, formatShape, shapeError } from '../errors.js';
import { Tensor } from '../tensor.js';
import type { SliceSpec } from '../tensor.js';
import { normalizeAxis } from '../shape.js';
import type { Shape } from '../shape.js';
import { zeros } from '../creation.js';
import { commonBackend } from './operands.js';

/** Joins tensors along an existing axis; all other dimensions must agree. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw shapeError('concat', 'needs at least one tensor');
  const first = tensors[0]!;
  const a = normalizeAxis('concat', axis, first.rank);
  assertSameDType('concat', ...tensors.map((t) => t.dtype));
  const backend = commonBackend('concat', ...tensors);
  for (const t of tensors) {
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw shapeError(
        'concat',
        `shapes ${tensors.map((x) => formatShape(x.shape)).join(', ')} differ outside axis ${axis}`,
      );
    }
  }
  const shape = first.shape.map((d, i) => (i === a ? tensors.reduce((s, t) => s + t.shape[a]!, 0) : d));
  const out = zeros(shape, { dtype: first.dtype, backend: backend.name });
  let start = 0;
  for (const t of tensors) {
    const target = out.slice([...new Array<null>(a).fill(null), { start, stop: start + t.shape[a]! }]);
    backend.assign(target, t);
    start += t.shape[a]!;
  }
  return out;
}

/** Joins equally shaped tensors along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw shapeError('stack', 'needs at least one tensor');
  const first = tensors[0]!;
  for (const t of tensors) {
    if (t.rank !== first.rank || t.shape.some((d, i) => d !== first.shape[i])) {
      throw shapeError('stack', `shapes ${tensors.map((x) => formatShape(x.shape)).join(', ')} differ`);
    }
  }
  const a = normalizeAxis('stack', axis, first.rank + 1);
  return concat(
    tensors.map((t) => t.unsqueeze(a)),
    a,
  );
}

/**
 * A copy of `base` with the slice `specs` replaced by `source` (PyTorch's slice_scatter).
 * With a zero base it is the adjoint of slicing, so it gives slice's gradient.
 */
export function sliceScatter(base: Tensor, specs: readonly SliceSpec[], source: Tensor): Tensor {
  assertSameDType('sliceScatter', base.dtype, source.dtype);
  const backend = commonBackend('sliceScatter', base, source);
  return writeSlice(new Tensor(backend.copy(base), base.shape), specs, source);
}

/**
 * Zeros of `shape` with `source` at the slice `specs`: the adjoint of slicing (slice's gradient),
 * as sliceScatter onto zeros without copying the zeros first.
 */
export function sliceScatterZeros(shape: Shape, specs: readonly SliceSpec[], source: Tensor): Tensor {
  return writeSlice(zeros(shape, { dtype: source.dtype, backend: source.backend.name }), specs, source);
}

/** Writes `source` into the slice of `out`, a tensor the caller has just created. */
function writeSlice(out: Tensor, specs: readonly SliceSpec[], source: Tensor): Tensor {
  const backend = out.backend;
  const target = out.slice(specs);
  if (target.rank !== source.rank || target.shape.some((d, i) => d !== source.shape[i])) {
    throw shapeError(
      'sliceScatter',
      `slice of ${formatShape(out.shape)} has shape ${formatShape(target.shape)} but source is ${formatShape(source.shape)}`,
    );
  }
  backend.assign(target, source);
  return out;
}
