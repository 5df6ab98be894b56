/** How well an embedding keeps neighbourhoods: trustworthiness as sklearn.manifold.trustworthiness. */
import { checkOptionKeys } from '../ops/args.js';
import { readMatrix, type MatrixLike } from '../decomposition/matrix.js';

function neighbourOrder(data: Float64Array, n: number, f: number, i: number): number[] {
  const d = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < f; k++) { const t = data[i * f + k]! - data[j * f + k]!; s += t * t; }
    d[j] = s;
  }
  const order: number[] = [];
  for (let j = 0; j < n; j++) if (j !== i) order.push(j);
  return order.sort((a, b) => d[a]! - d[b]! || a - b);
}

/**
 * 1 - 2 / (n k (2n - 3k - 1)) sum_i sum_{j in the k nearest of i in the embedding} max(0, r(i, j) - k),
 * r(i, j) the rank of j among i's neighbours in the original space (Euclidean): 1 when every
 * embedded neighbourhood was a neighbourhood in X. k (default 5) must be less than n / 2.
 */
export function trustworthiness(X: MatrixLike, embedding: MatrixLike, options: { nNeighbors?: number } = {}): number {
  const op = 'metrics.trustworthiness';
  if (options === null || typeof options !== 'object') throw new Error(`${op}: options must be an object`);
  checkOptionKeys(op, options, ['nNeighbors']);
  const x = readMatrix(op, X);
  const y = readMatrix(op, embedding);
  if (x.rows !== y.rows) throw new Error(`${op}: X has ${x.rows} samples but the embedding has ${y.rows}`);
  const n = x.rows;
  const k = options.nNeighbors ?? 5;
  if (!Number.isInteger(k) || k < 1) throw new Error(`${op}: nNeighbors must be a positive integer, got ${String(k)}`);
  if (k >= n / 2) throw new Error(`${op}: nNeighbors (${k}) must be less than n_samples / 2 (${n / 2})`);
  const rank = new Int32Array(n);
  let t = 0;
  for (let i = 0; i < n; i++) {
    neighbourOrder(x.data, n, x.cols, i).forEach((j, r) => { rank[j] = r + 1; });
    const near = neighbourOrder(y.data, n, y.cols, i);
    for (let m = 0; m < k; m++) t += Math.max(0, rank[near[m]!]! - k);
  }
  return 1 - t * (2 / (n * k * (2 * n - 3 * k - 1)));
}
