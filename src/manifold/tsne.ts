/**
 * t-SNE (van der Maaten and Hinton 2008; Barnes-Hut: van der Maaten 2014) as scikit-learn 1.2's
 * TSNE: the same perplexity search for each point's sigma, P symmetrised and normalised, early
 * exaggeration (12 for 250 iterations, momentum 0.5, then 0.8), learning rate 'auto'
 * (max(N / earlyExaggeration / 4, 50)), the delta-bar-delta gains of its _gradient_descent, and
 * 'pca' initialisation scaled to a first-component std of 1e-4. Loops run on typed arrays.
 */
import { checkOptionKeys } from '../ops/args.js';
import { Tensor } from '../tensor/tensor.js';
import { Generator } from '../tensor/random.js';
import { PCA } from '../decomposition/pca.js';
import { readMatrix, toTensor, type MatrixLike } from '../decomposition/matrix.js';
import { QuadTree } from './quadtree.js';

export interface TSNEOptions {
  /** Embedding dimension (default 2; Barnes-Hut needs 2). */
  nComponents?: number;
  /** The effective number of neighbours each point's Gaussian keeps (default 30; less than N). */
  perplexity?: number;
  /** P is multiplied by this during the first 250 iterations (default 12). */
  earlyExaggeration?: number;
  /** 'auto' (default): max(N / earlyExaggeration / 4, 50); or a positive number. */
  learningRate?: number | 'auto';
  /** Total iterations (default 1000, at least 250). */
  nIter?: number;
  /** Stop when the KL divergence has not improved for this many iterations (checked every 50; default 300). */
  nIterWithoutProgress?: number;
  /** Stop when the gradient norm falls to this (checked every 50; default 1e-7). */
  minGradNorm?: number;
  /** 'pca' (default), 'random' (N(0, 1e-4^2)), or an [N, nComponents] starting embedding. */
  init?: 'pca' | 'random' | MatrixLike;
  /** 'barnesHut' (default; O(N log N) per step, 2-D) or 'exact' (O(N^2)). */
  method?: 'barnesHut' | 'exact';
  /** Barnes-Hut trade-off: cells with width / distance below it are summarised (default 0.5; 0 is exact). */
  angle?: number;
  /** Seed of the 'random' initialisation (default 0). */
  seed?: number;
}

export interface TSNEResult {
  /** [N, nComponents] float32 embedding. */
  embedding: Tensor;
  /** KL(P || Q) at the end (over P's neighbour pairs for Barnes-Hut, as scikit-learn). */
  klDivergence: number;
  /** Iterations run (scikit-learn's n_iter_). */
  nIter: number;
}

const OPTIONS = ['nComponents', 'perplexity', 'earlyExaggeration', 'learningRate', 'nIter', 'nIterWithoutProgress', 'minGradNorm', 'init', 'method', 'angle', 'seed'];
const MACHINE_EPSILON = 2.220446049250313e-16;
const FLOAT32_TINY = 1.1754943508222875e-38;
const EXPLORATION_N_ITER = 250;

/** A sparse symmetric P in compressed rows (the dense case stores every j != i). */
interface SparseP { indptr: Int32Array; indices: Int32Array; values: Float64Array; n: number }

function positive(op: string, name: string, v: number | undefined, fallback: number, integer = false): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new Error(`${op}: ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${String(v)}`);
  }
  return v;
}

function squaredDistances(data: Float64Array, n: number, f: number): Float64Array {
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < f; k++) { const t = data[i * f + k]! - data[j * f + k]!; s += t * t; }
      d[i * n + j] = s; d[j * n + i] = s;
    }
  }
  return d;
}

/**
 * scikit-learn's _binary_search_perplexity: for each row of squared distances (float32, as
 * scikit-learn casts them), the precision beta whose conditional distribution has entropy
 * log(perplexity), to 1e-5, in at most 100 halvings/doublings. Writes the rows of P(j|i).
 */
function binarySearchPerplexity(dist: Float64Array, rows: number, cols: number, perplexity: number, skipSelf: boolean): Float64Array {
  const P = new Float64Array(rows * cols);
  const desired = Math.log(perplexity);
  const d32 = Float64Array.from(dist, Math.fround);
  for (let i = 0; i < rows; i++) {
    let betaMin = -Infinity; let betaMax = Infinity; let beta = 1;
    const base = i * cols;
    for (let step = 0; step < 100; step++) {
      let sumP = 0;
      for (let j = 0; j < cols; j++) {
        const p = skipSelf && j === i ? 0 : Math.exp(-d32[base + j]! * beta);
        P[base + j] = p; sumP += p;
      }
      if (sumP === 0) sumP = 1e-8;
      let sumDistP = 0;
      for (let j = 0; j < cols; j++) { P[base + j]! /= sumP; sumDistP += d32[base + j]! * P[base + j]!; }
      const diff = Math.log(sumP) + beta * sumDistP - desired;
      if (Math.abs(diff) <= 1e-5) break;
      if (diff > 0) { betaMin = beta; beta = betaMax === Infinity ? beta * 2 : (beta + betaMax) / 2; }
      else { betaMax = beta; beta = betaMin === -Infinity ? beta / 2 : (beta + betaMin) / 2; }
    }
  }
  return P;
}

/** Exact P: conditional P for all pairs, (P + P^T) / sum, floored at machine epsilon (dense rows). */
function exactP(data: Float64Array, n: number, f: number, perplexity: number): SparseP {
  const cond = binarySearchPerplexity(squaredDistances(data, n, f), n, n, perplexity, true);
  let total = 0;
  for (let i = 0; i < n * n; i++) total += cond[i]!;
  total = Math.max(2 * total, MACHINE_EPSILON);
  const indptr = new Int32Array(n + 1); const indices = new Int32Array(n * (n - 1)); const values = new Float64Array(n * (n - 1));
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      indices[k] = j; values[k++] = Math.max((cond[i * n + j]! + cond[j * n + i]!) / total, MACHINE_EPSILON);
    }
    indptr[i + 1] = k;
  }
  return { indptr, indices, values, n };
}

/** Barnes-Hut P: conditional P over each point's min(N - 1, floor(3 perplexity + 1)) nearest neighbours, symmetrised, normalised. */
function neighbourP(data: Float64Array, n: number, f: number, perplexity: number): SparseP {
  const k = Math.min(n - 1, Math.floor(3 * perplexity + 1));
  const dist = squaredDistances(data, n, f);
  const nbr = new Int32Array(n * k); const nd = new Float64Array(n * k);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) order[j] = j;
    const row = dist.subarray(i * n, i * n + n);
    const sorted = Array.from(order).filter((j) => j !== i).sort((a, b) => row[a]! - row[b]! || a - b);
    for (let t = 0; t < k; t++) { nbr[i * k + t] = sorted[t]!; nd[i * k + t] = row[sorted[t]!]!; }
  }
  const cond = binarySearchPerplexity(nd, n, k, perplexity, false);
  // P + P^T as a map per row, then compressed.
  const rows: Map<number, number>[] = Array.from({ length: n }, () => new Map());
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = nbr[i * k + t]!; const p = cond[i * k + t]!;
      rows[i]!.set(j, (rows[i]!.get(j) ?? 0) + p);
      rows[j]!.set(i, (rows[j]!.get(i) ?? 0) + p);
      total += 2 * p;
    }
  }
  total = Math.max(total, MACHINE_EPSILON);
  const indptr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) indptr[i + 1] = indptr[i]! + rows[i]!.size;
  const indices = new Int32Array(indptr[n]!); const values = new Float64Array(indptr[n]!);
  rows.forEach((row, i) => {
    let at = indptr[i]!;
    for (const j of [...row.keys()].sort((a, b) => a - b)) { indices[at] = j; values[at++] = row.get(j)! / total; }
  });
  return { indptr, indices, values, n };
}

function denseOf(P: SparseP): Float64Array {
  const out = new Float64Array(P.n * P.n);
  for (let i = 0; i < P.n; i++) for (let t = P.indptr[i]!; t < P.indptr[i + 1]!; t++) out[i * P.n + P.indices[t]!] = P.values[t]!;
  return out;
}

function sparseOf(dense: Float64Array, n: number): SparseP {
  const indptr = new Int32Array(n + 1); const indices: number[] = []; const values: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) if (j !== i && dense[i * n + j] !== 0) { indices.push(j); values.push(dense[i * n + j]!); }
    indptr[i + 1] = indices.length;
  }
  return { indptr, indices: Int32Array.from(indices), values: Float64Array.from(values), n };
}

/**
 * scikit-learn's _kl_divergence: Student-t similarities with `dof` degrees of freedom over all
 * pairs; grad_i = c sum_j (p_ij - q_ij) w_ij (y_i - y_j), c = 2 (dof + 1) / dof. P is dense [N, N].
 */
function exactGradient(P: Float64Array, Y: Float64Array, n: number, c: number, dof: number, grad: Float64Array): number {
  const w = new Float64Array(n * n);
  const exponent = (dof + 1) / -2;
  let sumW = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let d2 = 0;
      for (let a = 0; a < c; a++) { const t = Y[i * c + a]! - Y[j * c + a]!; d2 += t * t; }
      const v = dof === 1 ? 1 / (1 + d2) : Math.pow(1 + d2 / dof, exponent);
      w[i * n + j] = v; w[j * n + i] = v; sumW += 2 * v;
    }
  }
  let kl = 0;
  grad.fill(0);
  const scale = (2 * (dof + 1)) / dof;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const q = Math.max(w[i * n + j]! / sumW, MACHINE_EPSILON);
      const p = P[i * n + j]!;
      kl += p * Math.log(Math.max(p, MACHINE_EPSILON) / q);
      const m = (p - q) * w[i * n + j]!;
      for (let a = 0; a < c; a++) grad[i * c + a]! += m * (Y[i * c + a]! - Y[j * c + a]!);
    }
  }
  for (let i = 0; i < grad.length; i++) grad[i]! *= scale;
  return kl;
}

/**
 * scikit-learn's _kl_divergence_bh in 2-D (one degree of freedom): attraction over P's pairs,
 * repulsion by the quadtree; the KL over P's pairs when asked (else NaN).
 */
function barnesHutGradient(P: SparseP, Y: Float64Array, angle: number, grad: Float64Array, computeError: boolean): number {
  const n = P.n;
  const tree = new QuadTree(Y, n);
  const neg = new Float64Array(2 * n);
  const force = new Float64Array(2);
  const stack = new Int32Array(256);
  let z = 0;
  const angle2 = angle * angle;
  for (let i = 0; i < n; i++) {
    z += tree.repulsion(i, angle2, force, stack);
    neg[2 * i] = force[0]!; neg[2 * i + 1] = force[1]!;
  }
  let kl = 0;
  for (let i = 0; i < n; i++) {
    const yx = Y[2 * i]!; const yy = Y[2 * i + 1]!;
    let px = 0; let py = 0;
    for (let t = P.indptr[i]!; t < P.indptr[i + 1]!; t++) {
      const j = P.indices[t]!;
      const dx = yx - Y[2 * j]!; const dy = yy - Y[2 * j + 1]!;
      const q = 1 / (1 + dx * dx + dy * dy);
      const p = P.values[t]!;
      px += p * q * dx; py += p * q * dy;
      if (computeError) kl += p * Math.log(Math.max(p, FLOAT32_TINY) / Math.max(q / z, FLOAT32_TINY));
    }
    grad[2 * i] = 4 * (px - neg[2 * i]! / z);
    grad[2 * i + 1] = 4 * (py - neg[2 * i + 1]! / z);
  }
  return computeError ? kl : NaN;
}

/**
 * The joint probabilities P [N, N] (float64, symmetric, summing to 1) that t-SNE fits, for
 * 'exact' (all pairs) or 'barnesHut' (nearest neighbours), as scikit-learn's _joint_probabilities(_nn).
 */
export function tsneJointProbabilities(X: MatrixLike, options: { perplexity?: number; method?: 'barnesHut' | 'exact' } = {}): Tensor {
  const op = 'manifold.tsneJointProbabilities';
  checkOptionKeys(op, options, ['perplexity', 'method']);
  const { data, rows: n, cols: f } = readMatrix(op, X);
  const perplexity = positive(op, 'perplexity', options.perplexity, 30);
  const method = checkMethod(op, options.method);
  const P = method === 'exact' ? exactP(data, n, f, perplexity) : neighbourP(data, n, f, perplexity);
  return Tensor.fromData(denseOf(P), [n, n], 'float64');
}

/**
 * KL(P || Q) and its gradient at embedding Y [N, d] for a dense P [N, N]: 'exact' as
 * scikit-learn's _kl_divergence (dof = max(d - 1, 1)), 'barnesHut' (2-D) as _kl_divergence_bh.
 */
export function tsneGradient(P: MatrixLike, Y: MatrixLike, options: { method?: 'barnesHut' | 'exact'; angle?: number } = {}): { klDivergence: number; grad: Tensor } {
  const op = 'manifold.tsneGradient';
  checkOptionKeys(op, options, ['method', 'angle']);
  const method = checkMethod(op, options.method);
  const y = readMatrix(op, Y);
  const p = readMatrix(op, P);
  if (p.rows !== y.rows || p.cols !== y.rows) throw new Error(`${op}: P must be [${y.rows}, ${y.rows}] for ${y.rows} points, got [${p.rows}, ${p.cols}]`);
  const grad = new Float64Array(y.rows * y.cols);
  let kl: number;
  if (method === 'exact') kl = exactGradient(p.data, y.data, y.rows, y.cols, Math.max(y.cols - 1, 1), grad);
  else {
    if (y.cols !== 2) throw new Error(`${op}: the Barnes-Hut method needs a 2-D embedding, got ${y.cols} columns (use method 'exact')`);
    kl = barnesHutGradient(sparseOf(p.data, p.rows), y.data, checkAngle(op, options.angle), grad, true);
  }
  return { klDivergence: kl, grad: Tensor.fromData(grad, [y.rows, y.cols], 'float64') };
}

function checkMethod(op: string, method: unknown): 'barnesHut' | 'exact' {
  if (method === undefined) return 'barnesHut';
  if (method !== 'barnesHut' && method !== 'exact') throw new Error(`${op}: method must be 'barnesHut' or 'exact', got ${JSON.stringify(method)}`);
  return method;
}

function checkAngle(op: string, angle: number | undefined): number {
  if (angle === undefined) return 0.5;
  if (typeof angle !== 'number' || !(angle >= 0 && angle <= 1)) throw new Error(`${op}: angle must be a number in [0, 1], got ${String(angle)}`);
  return angle;
}

/** t-SNE with scikit-learn 1.2's defaults; fitTransform returns the embedding, klDivergence and nIter are kept. */
export class TSNE {
  readonly options: Readonly<TSNEOptions>;
  klDivergence = NaN;
  nIter = 0;
  embedding: Tensor | null = null;

  constructor(options: TSNEOptions = {}) {
    const op = 'TSNE';
    checkOptionKeys(op, options, OPTIONS);
    positive(op, 'nComponents', options.nComponents, 2, true);
    positive(op, 'perplexity', options.perplexity, 30);
    positive(op, 'earlyExaggeration', options.earlyExaggeration, 12);
    if (options.learningRate !== 'auto') positive(op, 'learningRate', options.learningRate, 1);
    if (options.nIter !== undefined && (positive(op, 'nIter', options.nIter, 1000, true) < EXPLORATION_N_ITER)) throw new Error(`${op}: nIter must be at least ${EXPLORATION_N_ITER} (the early exaggeration phase), got ${options.nIter}`);
    positive(op, 'nIterWithoutProgress', options.nIterWithoutProgress, 300, true);
    if (options.minGradNorm !== undefined && !(typeof options.minGradNorm === 'number' && options.minGradNorm >= 0)) throw new Error(`${op}: minGradNorm must be a number >= 0, got ${String(options.minGradNorm)}`);
    const method = checkMethod(op, options.method);
    checkAngle(op, options.angle);
    if (method === 'barnesHut' && (options.nComponents ?? 2) !== 2) throw new Error(`${op}: the Barnes-Hut method embeds in 2-D, got nComponents ${options.nComponents} (use method 'exact')`);
    if (options.seed !== undefined && !Number.isInteger(options.seed)) throw new Error(`${op}: seed must be an integer, got ${String(options.seed)}`);
    const init = options.init;
    if (init !== undefined && init !== 'pca' && init !== 'random' && !(init instanceof Tensor) && !Array.isArray(init)) throw new Error(`${op}: init must be 'pca', 'random' or an [N, ${options.nComponents ?? 2}] array, got ${JSON.stringify(init)}`);
    this.options = { ...options };
  }

  /** Embeds X [N, F]: returns the [N, nComponents] float32 embedding. */
  fitTransform(X: MatrixLike): Tensor {
    const op = 'TSNE.fitTransform';
    const o = this.options;
    const { data, rows: n, cols: f } = readMatrix(op, X);
    const c = o.nComponents ?? 2;
    const perplexity = o.perplexity ?? 30;
    if (perplexity >= n) throw new Error(`${op}: perplexity (${perplexity}) must be less than the number of samples (${n})`);
    const method = o.method ?? 'barnesHut';
    const exaggeration = o.earlyExaggeration ?? 12;
    const learningRate = o.learningRate === undefined || o.learningRate === 'auto' ? Math.max(n / exaggeration / 4, 50) : o.learningRate;
    const angle = o.angle ?? 0.5;
    const P = method === 'exact' ? exactP(data, n, f, perplexity) : neighbourP(data, n, f, perplexity);
    const Y = this.initialEmbedding(op, X, n, c);
    const dof = Math.max(c - 1, 1);
    const dense = method === 'exact' ? denseOf(P) : null;
    const gradient = (y: Float64Array, grad: Float64Array, computeError: boolean): number =>
      dense !== null ? exactGradient(dense, y, n, c, dof, grad) : barnesHutGradient(P, y, angle, grad, computeError);
    const scaleP = (s: number): void => { for (let i = 0; i < P.values.length; i++) P.values[i]! *= s; if (dense !== null) for (let i = 0; i < dense.length; i++) dense[i]! *= s; };
    scaleP(exaggeration);
    const first = gradientDescent(gradient, Y, { it: 0, nIter: EXPLORATION_N_ITER, momentum: 0.5, learningRate, minGradNorm: o.minGradNorm ?? 1e-7, nIterWithoutProgress: EXPLORATION_N_ITER });
    scaleP(1 / exaggeration);
    const nIter = o.nIter ?? 1000;
    let result = first;
    if (first.it < EXPLORATION_N_ITER - 1 || nIter - EXPLORATION_N_ITER > 0) {
      result = gradientDescent(gradient, Y, { it: first.it + 1, nIter, momentum: 0.8, learningRate, minGradNorm: o.minGradNorm ?? 1e-7, nIterWithoutProgress: o.nIterWithoutProgress ?? 300 });
    }
    this.klDivergence = result.error;
    this.nIter = result.it;
    this.embedding = toTensor(Y, [n, c], 'float32');
    return this.embedding;
  }

  private initialEmbedding(op: string, X: MatrixLike, n: number, c: number): Float64Array {
    const init = this.options.init ?? 'pca';
    if (init === 'random') {
      const g = new Generator(this.options.seed ?? 0);
      const y = new Float64Array(n * c);
      for (let i = 0; i < y.length; i += 2) {
        // Box-Muller: two standard normals per pair of uniforms.
        const r = Math.sqrt(-2 * Math.log(1 - g.nextDouble())); const t = 2 * Math.PI * g.nextDouble();
        y[i] = 1e-4 * r * Math.cos(t);
        if (i + 1 < y.length) y[i + 1] = 1e-4 * r * Math.sin(t);
      }
      return y;
    }
    if (init === 'pca') {
      if (readMatrix(op, X).cols < c) throw new Error(`${op}: init 'pca' needs at least nComponents (${c}) features`);
      const scores = Float64Array.from(new PCA({ nComponents: c }).fitTransform(X).toTypedArray() as ArrayLike<number>, Math.fround);
      let mean = 0; for (let i = 0; i < n; i++) mean += scores[i * c]! / n;
      let v = 0; for (let i = 0; i < n; i++) v += (scores[i * c]! - mean) ** 2 / n;
      const scale = 1e-4 / Math.sqrt(v);
      return scores.map((s) => s * scale);
    }
    const given = readMatrix(op, init);
    if (given.rows !== n || given.cols !== c) throw new Error(`${op}: init must be [${n}, ${c}], got [${given.rows}, ${given.cols}]`);
    return given.data;
  }
}

interface DescentOptions { it: number; nIter: number; momentum: number; learningRate: number; minGradNorm: number; nIterWithoutProgress: number }

/** scikit-learn's _gradient_descent: momentum, gains (+0.2 when the sign flips, *0.8 otherwise, >= 0.01), checks every 50 steps. */
function gradientDescent(gradient: (y: Float64Array, g: Float64Array, computeError: boolean) => number, p: Float64Array, o: DescentOptions): { error: number; it: number } {
  const update = new Float64Array(p.length);
  const gains = new Float64Array(p.length).fill(1);
  const grad = new Float64Array(p.length);
  let error = Number.MAX_VALUE; let bestError = Number.MAX_VALUE;
  let bestIter = o.it; let i = o.it;
  for (; i < o.nIter; i++) {
    const check = (i + 1) % 50 === 0;
    const e = gradient(p, grad, check || i === o.nIter - 1);
    if (!Number.isNaN(e)) error = e;
    let norm2 = 0;
    for (let k = 0; k < p.length; k++) {
      const g = grad[k]!;
      gains[k] = update[k]! * g < 0 ? gains[k]! + 0.2 : Math.max(gains[k]! * 0.8, 0.01);
      const scaled = g * gains[k]!;
      norm2 += scaled * scaled;
      update[k] = o.momentum * update[k]! - o.learningRate * scaled;
      p[k]! += update[k]!;
    }
    if (check) {
      if (error < bestError) { bestError = error; bestIter = i; } else if (i - bestIter > o.nIterWithoutProgress) break;
      if (Math.sqrt(norm2) <= o.minGradNorm) break;
    }
  }
  return { error, it: Math.min(i, o.nIter - 1) };
}

/** t-SNE in one call: the embedding and the final KL divergence. */
export function tsne(X: MatrixLike, options: TSNEOptions = {}): TSNEResult {
  checkOptionKeys('tsne', options, OPTIONS); // named here: the class would blame TSNE
  const model = new TSNE(options);
  const embedding = model.fitTransform(X);
  return { embedding, klDivergence: model.klDivergence, nIter: model.nIter };
}
