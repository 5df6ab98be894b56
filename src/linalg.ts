/** The linalg namespace (torch.linalg), exported as nb.linalg. */
export { solve, inv, det, slogdet } from './ops/lu.js';
export type { SolveOptions, SignLogAbsDet } from './ops/lu.js';
export { cholesky } from './ops/cholesky.js';
export type { CholeskyOptions } from './ops/cholesky.js';
export { qr } from './ops/qr.js';
export type { QrOptions, QrResult } from './ops/qr.js';
export { eigh, eigvalsh } from './ops/eigh.js';
export type { EighOptions, EighResult } from './ops/eigh.js';
