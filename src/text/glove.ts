/**
 * GloVe (Pennington et al. 2014, as the Stanford C code trains it): symmetric co-occurrence counts
 * weighted 1/distance, the weighted least-squares loss f(X_ij) (w_i . w~_j + b_i + b~_j - log X_ij)^2
 * with f(x) = min(1, (x / xMax)^alpha), AdaGrad (squared-gradient sums start at 1), and the final
 * vectors W + W~.
 */
import { Generator } from '../tensor/random.js';
import { KeyedVectors } from './keyed-vectors.js';
import { checkOptionKeys } from '../ops/args.js';

export interface GloVeOptions {
  /** Dimension of the vectors (default 100). */
  vectorSize?: number;
  /** Words counted on each side of a word (default 10). */
  window?: number;
  /** Ignore words seen fewer times (default 5). */
  minCount?: number;
  /** Cut-off of the weighting function (default 100). */
  xMax?: number;
  /** Exponent of the weighting function (default 0.75). */
  alpha?: number;
  /** AdaGrad's initial learning rate (default 0.05). */
  learningRate?: number;
  /** Passes over the co-occurrence entries (default 25). */
  epochs?: number;
  /** Seed of the initial vectors and the shuffling (default 1). */
  seed?: number;
}

const DEFAULTS: Required<GloVeOptions> = { vectorSize: 100, window: 10, minCount: 5, xMax: 100, alpha: 0.75, learningRate: 0.05, epochs: 25, seed: 1 };

/** GloVe's weighting f(x) = (x / xMax)^alpha below xMax, 1 above. */
export function gloveWeight(x: number, xMax = 100, alpha = 0.75): number {
  return x < xMax ? (x / xMax) ** alpha : 1;
}

/** Non-zero co-occurrences as parallel arrays (row word, context word, weighted count). */
export interface Cooccurrences {
  rows: Int32Array;
  cols: Int32Array;
  values: Float64Array;
}

export class GloVe {
  readonly options: Required<GloVeOptions>;
  readonly words: readonly string[];
  readonly counts: readonly number[];
  readonly cooccurrences: Cooccurrences;
  /** Main and context vectors [V, vectorSize] and biases [V]. */
  readonly w: Float64Array;
  readonly wContext: Float64Array;
  readonly b: Float64Array;
  readonly bContext: Float64Array;
  readonly #gradSq: Float64Array[];
  readonly #generator: Generator;

  /** Counts the vocabulary and the co-occurrences of the sentences and initializes the vectors. */
  constructor(sentences: Iterable<readonly string[]>, options: GloVeOptions = {}) {
    checkOptionKeys('GloVe', options, Object.keys(DEFAULTS));
    const o = { ...DEFAULTS, ...options };
    for (const name of ['vectorSize', 'window', 'minCount', 'epochs', 'seed'] as const) {
      if (!Number.isInteger(o[name]) || o[name] < (name === 'seed' ? 0 : 1)) throw new Error(`GloVe: ${name} must be a positive integer, got ${String(o[name])}`);
    }
    for (const name of ['xMax', 'alpha', 'learningRate'] as const) {
      if (typeof o[name] !== 'number' || !(o[name] > 0) || !Number.isFinite(o[name])) throw new Error(`GloVe: ${name} must be a positive number, got ${String(o[name])}`);
    }
    this.options = o;
    if (sentences === null || typeof sentences !== 'object' || !(Symbol.iterator in sentences)) throw new Error('GloVe: sentences must be an iterable of token arrays');
    const list = [...sentences];
    const counts = new Map<string, number>();
    list.forEach((s, i) => {
      if (!Array.isArray(s)) throw new Error(`GloVe: sentence ${i} is not an array of tokens (give tokenized sentences: string[][])`);
      for (const t of s) {
        if (typeof t !== 'string') throw new Error(`GloVe: sentence ${i} holds a ${typeof t}, not a string token`);
        counts.set(t, (counts.get(t) ?? 0) + 1);
      }
    });
    const kept = [...counts].filter(([, c]) => c >= o.minCount).sort((a, b) => b[1] - a[1]);
    if (kept.length < 2) throw new Error(`GloVe: only ${kept.length} word(s) occur at least minCount (${o.minCount}) times; a vocabulary needs 2 or more`);
    this.words = kept.map(([w]) => w);
    this.counts = kept.map(([, c]) => c);
    this.cooccurrences = countCooccurrences(list, new Map(this.words.map((w, i) => [w, i])), o.window);
    const vocab = this.words.length;
    const size = o.vectorSize;
    this.#generator = new Generator(o.seed);
    const init = (n: number): Float64Array => Float64Array.from({ length: n }, () => (this.#generator.nextDouble() - 0.5) / size);
    this.w = init(vocab * size);
    this.wContext = init(vocab * size);
    this.b = init(vocab);
    this.bContext = init(vocab);
    this.#gradSq = [vocab * size, vocab * size, vocab, vocab].map((n) => new Float64Array(n).fill(1));
  }

  /** Trains options.epochs passes over the shuffled co-occurrences; returns each epoch's mean cost. */
  train(): number[] {
    const { vectorSize: d, xMax, alpha, learningRate: eta, epochs } = this.options;
    const { rows, cols, values } = this.cooccurrences;
    const { w, wContext, b, bContext } = this;
    const [gw, gwc, gb, gbc] = this.#gradSq as [Float64Array, Float64Array, Float64Array, Float64Array];
    const n = values.length;
    const order = Int32Array.from({ length: n }, (_, i) => i);
    const losses: number[] = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(this.#generator.nextDouble() * (i + 1));
        const t = order[i]!;
        order[i] = order[j]!;
        order[j] = t;
      }
      let cost = 0;
      for (let e = 0; e < n; e++) {
        const k = order[e]!;
        const x = values[k]!;
        const r = rows[k]! * d;
        const c = cols[k]! * d;
        let diff = b[rows[k]!]! + bContext[cols[k]!]! - Math.log(x);
        for (let q = 0; q < d; q++) diff += w[r + q]! * wContext[c + q]!;
        const fdiff = (x < xMax ? (x / xMax) ** alpha : 1) * diff;
        cost += 0.5 * fdiff * diff;
        for (let q = 0; q < d; q++) {
          const g1 = fdiff * wContext[c + q]!;
          const g2 = fdiff * w[r + q]!;
          w[r + q]! -= (eta * g1) / Math.sqrt(gw[r + q]!);
          wContext[c + q]! -= (eta * g2) / Math.sqrt(gwc[c + q]!);
          gw[r + q]! += g1 * g1;
          gwc[c + q]! += g2 * g2;
        }
        b[rows[k]!]! -= (eta * fdiff) / Math.sqrt(gb[rows[k]!]!);
        bContext[cols[k]!]! -= (eta * fdiff) / Math.sqrt(gbc[cols[k]!]!);
        gb[rows[k]!]! += fdiff * fdiff;
        gbc[cols[k]!]! += fdiff * fdiff;
      }
      losses.push(cost / n);
    }
    return losses;
  }

  /** The word vectors W + W~ (GloVe's default output). */
  get wv(): KeyedVectors {
    const sum = new Float32Array(this.w.length);
    for (let i = 0; i < sum.length; i++) sum[i] = this.w[i]! + this.wContext[i]!;
    return new KeyedVectors(this.words, sum, this.options.vectorSize, this.counts);
  }
}

/** Symmetric co-occurrence counts within `window` words, each pair adding 1 / distance. */
function countCooccurrences(sentences: readonly (readonly string[])[], index: Map<string, number>, window: number): Cooccurrences {
  const vocab = index.size;
  const table = new Map<number, number>();
  const ids: number[] = [];
  for (const sentence of sentences) {
    ids.length = 0;
    // Out-of-vocabulary words are removed before windowing, as the GloVe C code does.
    for (const t of sentence) {
      const i = index.get(t);
      if (i !== undefined) ids.push(i);
    }
    for (let i = 0; i < ids.length; i++) {
      for (let j = Math.max(0, i - window); j < i; j++) {
        const weight = 1 / (i - j);
        const a = ids[i]!;
        const b = ids[j]!;
        table.set(a * vocab + b, (table.get(a * vocab + b) ?? 0) + weight);
        table.set(b * vocab + a, (table.get(b * vocab + a) ?? 0) + weight);
      }
    }
  }
  const keys = [...table.keys()].sort((x, y) => x - y);
  return {
    rows: Int32Array.from(keys, (k) => Math.floor(k / vocab)),
    cols: Int32Array.from(keys, (k) => k % vocab),
    values: Float64Array.from(keys, (k) => table.get(k)!),
  };
}
