/** The linalg namespace (torch.linalg), exported as nb.linalg. */
export { solve, inv, det, slogdet } from './ops/lu.js';
export type { SolveOptions, SignLogAbsDet } from './ops/lu.js';
export { cholesky } from './ops/cholesky.js';
export type { CholeskyOptions } from './ops/cholesky.js';
export { qr } from './ops/qr.js';
export type { QrOptions, QrResult } from './ops/qr.js';
export { eigh, eigvalsh } from './ops/eigh.js';
export type { EighOptions, EighResult } from './ops/eigh.js';
export { svd, svdvals, pinv } from './ops/svd.js';
export type { SvdOptions, SvdResult, PinvOptions } from './ops/svd.js';
export { matrixNorm, vectorNorm } from './ops/matrix-norm.js';
export type { MatrixNormOrd, MatrixNormOptions, VectorNormOptions } from './ops/matrix-norm.js';
