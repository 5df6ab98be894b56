/**
 * Hard debiasing of word vectors (Bolukbasi et al. 2016, "Man is to Computer Programmer as Woman
 * is to Homemaker?"): a bias direction from definitional pairs, neutralize (remove the component
 * along it) and equalize (make a pair differ only along it, symmetric about the neutral space).
 * Words are unit-normalized first, as in the paper.
 */
import { Tensor } from '../tensor/tensor.js';
import { svd } from '../linalg.js';
import { KeyedVectors } from './keyed-vectors.js';
import { checkOptionKeys, requireOptions } from '../ops/args.js';

export type Pair = readonly [string, string];

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function unit(v: ArrayLike<number>): Float64Array {
  const n = Math.sqrt(dot(v, v));
  if (n === 0) throw new Error('debias: a vector of length 0 has no direction');
  return Float64Array.from(v as ArrayLike<number>, (x) => x / n);
}

function checkDirection(name: string, v: ArrayLike<number>, direction: ArrayLike<number>): void {
  if (v?.length === undefined || direction?.length === undefined || v.length !== direction.length) {
    throw new Error(`${name}: the vector (${v?.length}) and the direction (${direction?.length}) must have the same length`);
  }
}

function checkPairs(name: string, kv: KeyedVectors, pairs: readonly Pair[]): void {
  if (!(kv instanceof KeyedVectors)) throw new Error(`${name}: expected KeyedVectors (e.g. model.wv)`);
  if (!Array.isArray(pairs) || pairs.length === 0) throw new Error(`${name}: give at least one pair of words, e.g. [['woman', 'man']]`);
  pairs.forEach((p, i) => {
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string' || typeof p[1] !== 'string') throw new Error(`${name}: pair ${i} must be two words, got ${JSON.stringify(p)}`);
  });
}

/**
 * The unit bias direction of definitional pairs such as [['she', 'he'], ['woman', 'man']]:
 * 'pca' (default; the paper's) takes the first principal component of each pair's two unit
 * vectors minus the pair's mean (by linalg.svd), oriented like the first pair's difference;
 * 'mean' the normalized average difference first - second (the course's e_woman - e_man).
 */
export function biasDirection(kv: KeyedVectors, pairs: readonly Pair[], options: { method?: 'pca' | 'mean' } = {}): Float32Array {
  checkOptionKeys('biasDirection', options, ['method']);
  checkPairs('biasDirection', kv, pairs);
  const method = options.method ?? 'pca';
  if (method !== 'pca' && method !== 'mean') throw new Error(`biasDirection: method must be 'pca' or 'mean', got ${JSON.stringify(method)}`);
  const d = kv.vectorSize;
  const differences = pairs.map(([a, b]) => {
    const ua = kv.getVector(a, { norm: true });
    const ub = kv.getVector(b, { norm: true });
    return Float64Array.from(ua, (x, k) => x - ub[k]!);
  });
  if (method === 'mean') {
    const mean = new Float64Array(d);
    for (const diff of differences) for (let k = 0; k < d; k++) mean[k]! += diff[k]! / differences.length;
    return Float32Array.from(unit(mean));
  }
  // Each pair's vectors minus their mean are +-diff / 2: the rows whose principal component we want.
  const rows = new Float64Array(pairs.length * 2 * d);
  differences.forEach((diff, i) => {
    for (let k = 0; k < d; k++) {
      rows[(2 * i) * d + k] = diff[k]! / 2;
      rows[(2 * i + 1) * d + k] = -diff[k]! / 2;
    }
  });
  const { Vh } = svd(Tensor.fromData(rows, [pairs.length * 2, d], 'float64'), { fullMatrices: false });
  const first = Vh.toTypedArray().subarray(0, d) as Float64Array;
  const sign = dot(first, differences[0]!) < 0 ? -1 : 1;
  return Float32Array.from(unit(first), (x) => sign * x);
}

/** The vector without its component along the direction: v - (v . g / g . g) g. */
export function neutralize(vector: ArrayLike<number>, direction: ArrayLike<number>): Float32Array {
  checkDirection('neutralize', vector, direction);
  const scale = dot(vector, direction) / dot(direction, direction);
  return Float32Array.from(vector as ArrayLike<number>, (x, k) => x - scale * direction[k]!);
}

/**
 * Equalizes a pair (the paper's equalize on unit vectors): both get the pair's mean's component
 * orthogonal to the direction, nu, plus +-sqrt(1 - |nu|^2) along the unit direction, so they are
 * unit vectors equally far from every neutralized word. The first keeps the side it was on.
 */
export function equalize(a: ArrayLike<number>, b: ArrayLike<number>, direction: ArrayLike<number>): [Float32Array, Float32Array] {
  checkDirection('equalize', a, direction);
  checkDirection('equalize', b, direction);
  const g = unit(direction);
  const ua = unit(a);
  const ub = unit(b);
  const mu = ua.map((x, k) => (x + ub[k]!) / 2);
  const along = dot(mu, g);
  const nu = mu.map((x, k) => x - along * g[k]!);
  let z = Math.sqrt(Math.max(0, 1 - dot(nu, nu)));
  if (dot(ua, g) - dot(ub, g) < 0) z = -z;
  return [Float32Array.from(nu, (x, k) => x + z * g[k]!), Float32Array.from(nu, (x, k) => x - z * g[k]!)];
}

export interface HardDebiasOptions {
  /** Pairs defining the bias direction (e.g. she/he, woman/man). */
  definitionalPairs: readonly Pair[];
  /** Pairs to equalize (default: the definitional pairs). */
  equalizePairs?: readonly Pair[];
  /** Words to neutralize (default: every word not in a pair). */
  neutralWords?: readonly string[];
  method?: 'pca' | 'mean';
}

/** Bolukbasi's hard debias: unit-normalizes every vector, neutralizes the neutral words and equalizes the pairs. */
export function hardDebias(kv: KeyedVectors, options: HardDebiasOptions): { vectors: KeyedVectors; direction: Float32Array } {
  requireOptions('hardDebias', options, ['definitionalPairs', 'equalizePairs?', 'neutralWords?', 'method?']);
  checkOptionKeys('hardDebias', options, ['definitionalPairs', 'equalizePairs', 'neutralWords', 'method']);
  const direction = biasDirection(kv, options?.definitionalPairs, options.method === undefined ? {} : { method: options.method });
  const equalizePairs = (options.equalizePairs ?? options.definitionalPairs).filter(([a, b]) => kv.has(a) && kv.has(b));
  const inPairs = new Set([...options.definitionalPairs, ...equalizePairs].flat());
  const neutral = new Set(options.neutralWords ?? kv.indexToKey.filter((w) => !inPairs.has(w)));
  const d = kv.vectorSize;
  const out = new Float32Array(kv.size * d);
  kv.indexToKey.forEach((word, i) => {
    let v: ArrayLike<number> = unit(kv.getVector(word));
    if (neutral.has(word)) v = unit(neutralize(v, direction));
    out.set(v, i * d);
  });
  for (const [a, b] of equalizePairs) {
    const [ea, eb] = equalize(out.subarray(kv.indexOf(a) * d, (kv.indexOf(a) + 1) * d), out.subarray(kv.indexOf(b) * d, (kv.indexOf(b) + 1) * d), direction);
    out.set(ea, kv.indexOf(a) * d);
    out.set(eb, kv.indexOf(b) * d);
  }
  return { vectors: new KeyedVectors(kv.indexToKey, out, d, kv.counts), direction };
}
