import type * as T from '@lorafa/tensor';
import type { OpDefinition } from '../define-op.js';
import { absOp } from './abs.js';
import { addOp } from './add.js';
import { castOp } from './cast.js';
import { concatOp } from './concat.js';
import { divOp } from './div.js';
import { expOp } from './exp.js';
import { expandOp } from './expand.js';
import { indexSelectOp } from './index-select.js';
import { logOp } from './log.js';
import type { AxisAttrs } from './log-sum-exp.js';
import { logSumExpOp } from './log-sum-exp.js';
import { matmulOp } from './matmul.js';
import { matmulAddOp } from './matmul-add.js';
import { maxOp } from './max.js';
import { minOp } from './min.js';
import { maximumOp } from './maximum.js';
import { mulOp } from './mul.js';
import { negOp } from './neg.js';
import { permuteOp } from './permute.js';
import { powOp } from './pow.js';
import { reluOp } from './relu.js';
import { reshapeOp } from './reshape.js';
import { sigmoidOp } from './sigmoid.js';
import { sliceOp } from './slice.js';
import { sqrtOp } from './sqrt.js';
import { subOp } from './sub.js';
import type { ReduceAttrs } from './sum.js';
import { sumOp } from './sum.js';
import { tanhOp } from './tanh.js';
import { whereOp } from './where.js';
import { divScalarOp, mulScalarOp, powScalarOp } from './scalar.js';
import { erfOp } from './erf.js';
import type { GeluAttrs } from './gelu.js';
import { geluOp } from './gelu.js';
import type { LayerNormAttrs } from './layer-norm.js';
import { layerNormOp } from './layer-norm.js';
import type { CrossEntropyAttrs } from './softmax-cross-entropy.js';
import { softmaxCrossEntropyOp } from './softmax-cross-entropy.js';
import type { AttentionSoftmaxAttrs } from './attention-softmax.js';
import { attentionSoftmaxOp } from './attention-softmax.js';

/** Every differentiable primitive and the attributes it takes. */
export interface PrimitiveAttrs {
  add: void;
  sub: void;
  mul: void;
  div: void;
  pow: void;
  maximum: void;
  neg: void;
  exp: void;
  log: void;
  sqrt: void;
  tanh: void;
  relu: void;
  sigmoid: void;
  abs: void;
  erf: void;
  mulScalar: { value: number };
  divScalar: { value: number };
  powScalar: { exponent: number };
  where: void;
  sum: ReduceAttrs;
  max: ReduceAttrs;
  min: ReduceAttrs;
  logSumExp: AxisAttrs;
  matmul: void;
  matmulAdd: void;
  reshape: { shape: readonly number[] };
  permute: { axes: readonly number[] };
  slice: { specs: readonly T.SliceSpec[] };
  expand: { shape: readonly number[] };
  concat: { axis: number };
  indexSelect: { axis: number };
  cast: { dtype: T.DType };
  gelu: GeluAttrs;
  layerNorm: LayerNormAttrs;
  softmaxCrossEntropy: CrossEntropyAttrs;
  attentionSoftmax: AttentionSoftmaxAttrs;
}

/** The name of a differentiable primitive (a key of the gradient table). */
export type Primitive = keyof PrimitiveAttrs;

/**
 * The gradient table: one forward/backward pair per primitive. The mapped type makes a missing
 * primitive a compile error, and so is a rule under the wrong key (`add: subOp`): the entry
 * under key P must be an `OpDefinition` named P, with P's attributes. Everything else (mean,
 * softmax, ...) is composed from these; gelu, layerNorm, softmaxCrossEntropy and attentionSoftmax are fused
 * layers, primitives for speed and saved memory (their composed forms are the tests' reference).
 */
export const primitives: { [P in Primitive]: OpDefinition<PrimitiveAttrs[P], P> } = {
  add: addOp,
  sub: subOp,
  mul: mulOp,
  div: divOp,
  pow: powOp,
  maximum: maximumOp,
  neg: negOp,
  exp: expOp,
  log: logOp,
  sqrt: sqrtOp,
  tanh: tanhOp,
  relu: reluOp,
  sigmoid: sigmoidOp,
  abs: absOp,
  erf: erfOp,
  mulScalar: mulScalarOp,
  divScalar: divScalarOp,
  powScalar: powScalarOp,
  where: whereOp,
  sum: sumOp,
  max: maxOp,
  min: minOp,
  logSumExp: logSumExpOp,
  matmul: matmulOp,
  matmulAdd: matmulAddOp,
  reshape: reshapeOp,
  permute: permuteOp,
  slice: sliceOp,
  expand: expandOp,
  concat: concatOp,
  indexSelect: indexSelectOp,
  cast: castOp,
  gelu: geluOp,
  layerNorm: layerNormOp,
  softmaxCrossEntropy: softmaxCrossEntropyOp,
  attentionSoftmax: attentionSoftmaxOp,
};
