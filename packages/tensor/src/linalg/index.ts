export { cholesky, choleskySolve, spdInverse, NotPositiveDefiniteError } from './cholesky.js';
export { solve } from './lu.js';
export { qr, lstsq } from './qr.js';
export { svd, pinv } from './svd.js';
export type { Matrix } from './matrix.js';
