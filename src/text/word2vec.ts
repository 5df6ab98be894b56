/**
 * word2vec (Mikolov et al. 2013) as gensim 4 trains it: skip-gram or CBOW, negative sampling from
 * the unigram^nsExponent table and/or hierarchical softmax over a Huffman tree, frequent-word
 * subsampling, shrinking windows, and a learning rate falling linearly from alpha to minAlpha.
 * Hyperparameters carry gensim's names in camelCase. The update loop is word2vec-kernel.ts.
 */
import { checkOptionKeys } from '../ops/args.js';
import { Generator } from '../tensor/random.js';
import { fused } from '../backend/registry.js';
import { getNumThreads, setNumThreads } from '../backend/wasm/index.js';
import type { Word2VecArrays, Word2VecTask } from '../backend/types.js';
import { KeyedVectors } from './keyed-vectors.js';
import { makeSigmoidTable, trainChunksReference } from './word2vec-kernel.js';

export interface Word2VecOptions {
  /** Dimension of the word vectors (default 100). */
  vectorSize?: number;
  /** Largest distance between the current and a predicted word (default 5). */
  window?: number;
  /** Ignore words seen fewer times (default 5). */
  minCount?: number;
  /** 1 for skip-gram, 0 for CBOW (default 0, as gensim). */
  sg?: 0 | 1;
  /** 1 for hierarchical softmax (default 0). */
  hs?: 0 | 1;
  /** Noise words per positive example for negative sampling (default 5; 0 for none, then hs must be 1). */
  negative?: number;
  /** Exponent of the counts in the negative-sampling distribution (default 0.75). */
  nsExponent?: number;
  /** CBOW: 1 averages the context vectors, 0 sums them (default 1). */
  cbowMean?: 0 | 1;
  /** Initial learning rate (default 0.025). */
  alpha?: number;
  /** Final learning rate (default 0.0001). */
  minAlpha?: number;
  /** Subsampling threshold for frequent words (default 1e-3; 0 for none). */
  sample?: number;
  /** Passes over the corpus (default 5). */
  epochs?: number;
  /**
   * Threads (default: the wasm backend's thread count, nb.getNumThreads()); threads share the
   * vectors without locks as gensim's workers do. 1 gives a reproducible run for a seed.
   */
  workers?: number;
  /** Seed of the initial vectors and the random draws (default 1, as gensim). */
  seed?: number;
  /** Draw each word's window size in 1..window (default true, gensim's shrink_windows). */
  shrinkWindows?: boolean;
}

export type ResolvedWord2VecOptions = Required<Word2VecOptions>;

const DEFAULTS: ResolvedWord2VecOptions = {
  vectorSize: 100, window: 5, minCount: 5, sg: 0, hs: 0, negative: 5, nsExponent: 0.75, cbowMean: 1, alpha: 0.025,
  minAlpha: 0.0001, sample: 1e-3, epochs: 5, workers: 0, seed: 1, shrinkWindows: true,
};

function resolve(options: Word2VecOptions): ResolvedWord2VecOptions {
  checkOptionKeys('Word2Vec', options, Object.keys(DEFAULTS));
  const o = { ...DEFAULTS, ...options };
  const int = (name: keyof ResolvedWord2VecOptions, min: number): void => {
    const v = o[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new Error(`Word2Vec: ${name} must be an integer >= ${min}, got ${String(v)}`);
  };
  int('vectorSize', 1);
  int('window', 1);
  int('minCount', 1);
  int('negative', 0);
  int('epochs', 1);
  int('workers', 0);
  int('seed', 0);
  for (const flag of ['sg', 'hs', 'cbowMean'] as const) {
    if (o[flag] !== 0 && o[flag] !== 1) throw new Error(`Word2Vec: ${flag} must be 0 or 1, got ${String(o[flag])}`);
  }
  if (o.hs === 0 && o.negative === 0) throw new Error('Word2Vec: with negative 0, hs must be 1 (nothing would train the output layer)');
  for (const name of ['alpha', 'minAlpha', 'sample', 'nsExponent'] as const) {
    if (typeof o[name] !== 'number' || !Number.isFinite(o[name]) || o[name] < 0) throw new Error(`Word2Vec: ${name} must be a finite number >= 0, got ${String(o[name])}`);
  }
  if (o.minAlpha > o.alpha) throw new Error(`Word2Vec: minAlpha (${o.minAlpha}) must not exceed alpha (${o.alpha})`);
  if (typeof o.shrinkWindows !== 'boolean') throw new Error('Word2Vec: shrinkWindows must be a boolean');
  return o;
}

/** The corpus as vocabulary indices, sentence by sentence (out-of-vocabulary words removed). */
export interface EncodedCorpus {
  corpus: Int32Array;
  sentenceStart: Int32Array;
  maxSentence: number;
  /** Words in the corpus, out-of-vocabulary ones included (what words/second counts). */
  rawWords: number;
}

/** What training reports. */
export interface Word2VecTrainingReport {
  /** Corpus words (out-of-vocabulary ones included) times epochs. */
  rawWords: number;
  /** Words trained on after subsampling, over all epochs. */
  effectiveWords: number;
  seconds: number;
}

export class Word2Vec {
  readonly options: ResolvedWord2VecOptions;
  /** Vocabulary words by descending count (ties: first seen first). */
  readonly words: readonly string[];
  readonly counts: readonly number[];
  /** The state the kernel trains: vectors, output layers, tables. */
  readonly arrays: Word2VecArrays;
  readonly #index: Map<string, number>;
  #wv: KeyedVectors | null = null;

  /** Builds the vocabulary and tables from the sentences and initializes the vectors (no training yet; see train). */
  constructor(sentences: Iterable<readonly string[]>, options: Word2VecOptions = {}) {
    this.options = resolve(options);
    const o = this.options;
    const counts = new Map<string, number>();
    if (sentences === null || typeof sentences !== 'object' || !(Symbol.iterator in sentences)) throw new Error('Word2Vec: sentences must be an iterable of token arrays');
    let s = 0;
    for (const sentence of sentences) {
      if (!Array.isArray(sentence)) throw new Error(`Word2Vec: sentence ${s} is not an array of tokens (give tokenized sentences: string[][])`);
      for (const t of sentence) {
        if (typeof t !== 'string') throw new Error(`Word2Vec: sentence ${s} holds a ${typeof t}, not a string token`);
        counts.set(t, (counts.get(t) ?? 0) + 1);
      }
      s++;
    }
    const kept = [...counts].filter(([, c]) => c >= o.minCount).sort((a, b) => b[1] - a[1]);
    if (kept.length < 2) throw new Error(`Word2Vec: only ${kept.length} word(s) occur at least minCount (${o.minCount}) times; a vocabulary needs 2 or more`);
    this.words = kept.map(([w]) => w);
    this.counts = kept.map(([, c]) => c);
    this.#index = new Map(this.words.map((w, i) => [w, i]));
    const vocab = this.words.length;
    const size = o.vectorSize;
    const alloc = (n: number): Float32Array => new Float32Array(n);
    const syn0 = alloc(vocab * size);
    const generator = new Generator(o.seed);
    for (let i = 0; i < syn0.length; i++) syn0[i] = (generator.nextDouble() - 0.5) / size;
    const tree = o.hs === 1 ? huffmanTree(this.counts) : { codes: new Uint8Array(0), points: new Int32Array(0), codeOffset: new Int32Array(vocab + 1) };
    this.arrays = {
      vectorSize: size,
      sg: o.sg === 1,
      hs: o.hs === 1,
      negative: o.negative,
      cbowMean: o.cbowMean === 1,
      window: o.window,
      shrinkWindows: o.shrinkWindows,
      syn0,
      syn1: alloc(o.hs === 1 ? (vocab - 1) * size : 0),
      syn1neg: alloc(o.negative > 0 ? vocab * size : 0),
      cumTable: cumulativeTable(this.counts, o.nsExponent),
      sampleInt: sampleInts(this.counts, o.sample),
      ...tree,
      sigmoid: makeSigmoidTable(),
    };
  }

  /** Index of each vocabulary word. */
  indexOf(word: string): number | undefined {
    return this.#index.get(word);
  }

  /** The sentences as vocabulary indices, for the kernel. */
  encode(sentences: Iterable<readonly string[]>): EncodedCorpus {
    const ids: number[] = [];
    const starts: number[] = [0];
    let rawWords = 0;
    for (const sentence of sentences) {
      if (!Array.isArray(sentence)) throw new Error('Word2Vec.train: sentences must be arrays of tokens');
      rawWords += sentence.length;
      for (const t of sentence) {
        const i = this.#index.get(t);
        if (i === undefined) continue;
        ids.push(i);
        // Longer sentences are cut into pieces of MAX_SENTENCE words (gensim's MAX_WORDS_IN_BATCH).
        if (ids.length - starts[starts.length - 1]! === MAX_SENTENCE) starts.push(ids.length);
      }
      if (ids.length > starts[starts.length - 1]!) starts.push(ids.length);
    }
    let maxSentence = 1;
    for (let s = 0; s + 1 < starts.length; s++) maxSentence = Math.max(maxSentence, starts[s + 1]! - starts[s]!);
    return { corpus: Int32Array.from(ids), sentenceStart: Int32Array.from(starts), maxSentence, rawWords };
  }

  /**
   * Trains on the sentences for options.epochs passes. The corpus is cut into chunks of about
   * 10,000 words (gensim's jobs); each chunk trains at the learning rate of its place in the run
   * (falling linearly from alpha to minAlpha) with its own seeded random stream, so with one
   * worker a seed gives the same vectors every time.
   */
  train(sentences: Iterable<readonly string[]>): Word2VecTrainingReport {
    const encoded = this.encode(sentences);
    if (encoded.corpus.length === 0) throw new Error('Word2Vec.train: no sentence holds a vocabulary word (give the sentences as an array: an iterator is used up after the vocabulary is built)');
    const started = performance.now();
    const o = this.options;
    const starts = encoded.sentenceStart;
    const sentenceCount = starts.length - 1;
    const pieces: [number, number][] = [];
    for (let from = 0; from < sentenceCount; ) {
      let to = from + 1;
      while (to < sentenceCount && starts[to]! - starts[from]! < CHUNK_WORDS) to++;
      pieces.push([from, to]);
      from = to;
    }
    const total = encoded.corpus.length * o.epochs;
    const chunks = pieces.length * o.epochs;
    const task: Word2VecTask = {
      ...this.arrays,
      corpus: encoded.corpus,
      sentenceStart: starts,
      maxSentence: encoded.maxSentence,
      chunkFrom: new Int32Array(chunks),
      chunkTo: new Int32Array(chunks),
      chunkAlpha: new Float32Array(chunks),
      chunkSeed: new Uint32Array(chunks),
    };
    for (let epoch = 0, c = 0; epoch < o.epochs; epoch++) {
      for (const [from, to] of pieces) {
        const done = epoch * encoded.corpus.length + starts[from]!;
        task.chunkFrom[c] = from;
        task.chunkTo[c] = to;
        task.chunkAlpha[c] = o.alpha - ((o.alpha - o.minAlpha) * done) / total;
        task.chunkSeed[c] = chunkSeed(o.seed, c);
        c++;
      }
    }
    const effective = this.#run(task);
    this.#wv = null;
    return { rawWords: encoded.rawWords * o.epochs, effectiveWords: effective.reduce((s, n) => s + n, 0), seconds: (performance.now() - started) / 1000 };
  }

  #run(task: Word2VecTask): Int32Array {
    const kernel = fused('word2vecTrain');
    if (kernel === undefined) return trainChunksReference(task);
    const previous = getNumThreads();
    const workers = this.options.workers === 0 ? previous : this.options.workers;
    if (workers !== previous) setNumThreads(workers);
    try {
      return kernel(task) ?? trainChunksReference(task);
    } finally {
      if (workers !== previous) setNumThreads(previous);
    }
  }

  /** The trained word vectors (a snapshot of the input vectors; taken again after more training). */
  get wv(): KeyedVectors {
    this.#wv ??= new KeyedVectors(this.words, Float32Array.from(this.arrays.syn0), this.options.vectorSize, this.counts);
    return this.#wv;
  }
}

/** Words per chunk of training (gensim's job size). */
const CHUNK_WORDS = 10_000;
/** Longest sentence trained at once (gensim's MAX_WORDS_IN_BATCH). */
const MAX_SENTENCE = 10_000;

/** A distinct nonzero seed per (seed, chunk) for the kernel's xorshift stream. */
function chunkSeed(seed: number, chunk: number): number {
  let h = (Math.imul(seed + 1, 0x9e3779b1) + Math.imul(chunk + 1, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  return h >>> 0 || 1;
}

/** gensim's cum_table: cumulative count^exponent scaled to 2^31 - 1, searched by bisection. */
function cumulativeTable(counts: readonly number[], exponent: number): Uint32Array {
  const domain = 2 ** 31 - 1;
  const total = counts.reduce((s, c) => s + c ** exponent, 0);
  const table = new Uint32Array(counts.length);
  let cumulative = 0;
  counts.forEach((c, i) => {
    cumulative += c ** exponent;
    table[i] = Math.round((cumulative / total) * domain);
  });
  return table;
}

/** gensim's sample_int: a word with count v is kept with probability (sqrt(v / t) + 1) * t / v, t = sample * total. */
function sampleInts(counts: readonly number[], sample: number): Uint32Array {
  const total = counts.reduce((s, c) => s + c, 0);
  const threshold = sample === 0 ? total : sample < 1 ? sample * total : Math.floor((sample * (3 + Math.sqrt(5))) / 2);
  return Uint32Array.from(counts, (v) => Math.min(2 ** 32 - 1, Math.round(Math.min(1, (Math.sqrt(v / threshold) + 1) * (threshold / v)) * 2 ** 32)));
}

/** word2vec.c's CreateBinaryTree over counts sorted in descending order: codes and inner-node points per word. */
function huffmanTree(counts: readonly number[]): { codes: Uint8Array; points: Int32Array; codeOffset: Int32Array } {
  const n = counts.length;
  const count = new Float64Array(2 * n).fill(1e15);
  counts.forEach((c, i) => (count[i] = c));
  const parent = new Int32Array(2 * n);
  const binary = new Uint8Array(2 * n);
  let pos1 = n - 1;
  let pos2 = n;
  const pickMin = (): number => (pos1 >= 0 && count[pos1]! < count[pos2]! ? pos1-- : pos2++);
  for (let a = 0; a < n - 1; a++) {
    const min1 = pickMin();
    const min2 = pickMin();
    count[n + a] = count[min1]! + count[min2]!;
    parent[min1] = n + a;
    parent[min2] = n + a;
    binary[min2] = 1;
  }
  const codes: number[] = [];
  const points: number[] = [];
  const codeOffset = new Int32Array(n + 1);
  for (let a = 0; a < n; a++) {
    const pathCodes: number[] = [];
    const pathNodes: number[] = [];
    for (let b = a; b !== 2 * n - 2; b = parent[b]!) {
      pathCodes.push(binary[b]!);
      pathNodes.push(b);
    }
    // From the root down: inner node k is row k - n of syn1 (the root is n - 2).
    const len = pathCodes.length;
    for (let i = 0; i < len; i++) {
      codes.push(pathCodes[len - 1 - i]!);
      points.push(i === 0 ? n - 2 : pathNodes[len - i]! - n);
    }
    codeOffset[a + 1] = codes.length;
  }
  return { codes: Uint8Array.from(codes), points: Int32Array.from(points), codeOffset };
}
