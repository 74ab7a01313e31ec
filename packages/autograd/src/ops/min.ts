import * as T from '@lorafa/tensor';
import { extremeOp } from './extreme.js';

/** min over axes; the gradient goes to the minima, split among ties (see extreme.ts). */
export const minOp = extremeOp('min', T.min);
