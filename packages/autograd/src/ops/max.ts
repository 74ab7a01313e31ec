import * as T from '@lorafa/tensor';
import { extremeOp } from './extreme.js';

/** max over axes; the gradient goes to the maxima, split among ties (see extreme.ts). */
export const maxOp = extremeOp('max', T.max);
