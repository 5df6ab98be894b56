/**
 * n-gram language models as NLTK 3.8's nltk.lm: sentences padded with order - 1 `<s>` and `</s>`,
 * counts of every n-gram up to the order, a vocabulary with an unkCutoff and `<UNK>`, and the
 * smoothings MLE, Lidstone (add-k), Laplace (add-1) and interpolated Kneser-Ney. Scores,
 * log-probabilities, cross-entropy and perplexity agree with nltk.lm; sampling is seeded.
 */
import { Generator } from '../tensor/random.js';
import { checkOptionKeys } from '../ops/args.js';

export type Smoothing = 'mle' | 'laplace' | 'lidstone' | 'kneserNey';

export interface NgramOptions {
  /** 'mle' (default), 'laplace' (add 1), 'lidstone' (add gamma) or 'kneserNey' (interpolated). */
  smoothing?: Smoothing;
  /** Lidstone's added count (default 1 for laplace; required for lidstone). */
  gamma?: number;
  /** Kneser-Ney's absolute discount (default 0.1, as nltk.lm). */
  discount?: number;
  /** Words seen fewer times become `<UNK>` (default 1: every training word is known). */
  unkCutoff?: number;
}

export const BOS = '<s>';
export const EOS = '</s>';
export const UNK = '<UNK>';
const SEP = '\u0000';

/** A sentence padded as nltk.lm.preprocessing.pad_both_ends: order - 1 `<s>` before, order - 1 `</s>` after. */
export function padBothEnds(sentence: readonly string[], order: number): string[] {
  const pad = Math.max(0, order - 1);
  return [...Array<string>(pad).fill(BOS), ...sentence, ...Array<string>(pad).fill(EOS)];
}

/** The n-grams of one order of a token list, as arrays. */
export function ngrams(tokens: readonly string[], n: number): string[][] {
  const out: string[][] = [];
  for (let i = 0; i + n <= tokens.length; i++) out.push(tokens.slice(i, i + n));
  return out;
}

type FreqDist = Map<string, number>;

export class NgramLM {
  readonly order: number;
  readonly smoothing: Smoothing;
  readonly gamma: number;
  readonly discount: number;
  readonly unkCutoff: number;
  /** counts[k]: context (k - 1 words joined) -> word -> count, for k = 1 .. order. */
  readonly #counts: Map<string, FreqDist>[] = [];
  readonly #wordCounts = new Map<string, number>();
  /** Kneser-Ney continuation counts: by order k >= 2, the context without its first word -> word -> distinct first words. */
  readonly #continuation: Map<string, FreqDist>[] = [];
  /** ... and -> distinct n-grams with that tail. */
  readonly #continuationTotal: Map<string, number>[] = [];
  #vocabSize = 0;

  constructor(order: number, options: NgramOptions = {}) {
    if (!Number.isInteger(order) || order < 1) throw new Error(`NgramLM: order must be a positive integer, got ${String(order)}`);
    checkOptionKeys('NgramLM', options, ['smoothing', 'gamma', 'discount', 'unkCutoff']);
    const smoothing = options.smoothing ?? 'mle';
    if (!['mle', 'laplace', 'lidstone', 'kneserNey'].includes(smoothing)) {
      throw new Error(`NgramLM: smoothing must be 'mle', 'laplace', 'lidstone' or 'kneserNey', got ${JSON.stringify(smoothing)}`);
    }
    if (smoothing === 'lidstone' && options.gamma === undefined) throw new Error("NgramLM: smoothing 'lidstone' needs gamma (the count added to every word)");
    const gamma = options.gamma ?? 1;
    if (typeof gamma !== 'number' || !(gamma > 0) || !Number.isFinite(gamma)) throw new Error(`NgramLM: gamma must be a positive number, got ${String(gamma)}`);
    const discount = options.discount ?? 0.1;
    if (typeof discount !== 'number' || !(discount >= 0 && discount <= 1)) throw new Error(`NgramLM: discount must be in [0, 1], got ${String(discount)}`);
    const unkCutoff = options.unkCutoff ?? 1;
    if (!Number.isInteger(unkCutoff) || unkCutoff < 1) throw new Error(`NgramLM: unkCutoff must be a positive integer, got ${String(unkCutoff)}`);
    this.order = order;
    this.smoothing = smoothing;
    this.gamma = smoothing === 'laplace' ? 1 : gamma;
    this.discount = discount;
    this.unkCutoff = unkCutoff;
  }

  /** Counts the n-grams of tokenized sentences (each padded with padBothEnds). Call once. */
  fit(sentences: Iterable<readonly string[]>): this {
    if (this.#counts.length > 0) throw new Error('NgramLM.fit: the model is already fitted; make a new NgramLM');
    const padded: string[][] = [];
    let s = 0;
    for (const sentence of sentences) {
      if (!Array.isArray(sentence) || !sentence.every((t) => typeof t === 'string')) throw new Error(`NgramLM.fit: sentence ${s} is not an array of string tokens`);
      padded.push(padBothEnds(sentence, this.order));
      s++;
    }
    for (const p of padded) for (const t of p) this.#wordCounts.set(t, (this.#wordCounts.get(t) ?? 0) + 1);
    let known = 0;
    for (const c of this.#wordCounts.values()) if (c >= this.unkCutoff) known++;
    this.#vocabSize = known + (this.#wordCounts.size > 0 ? 1 : 0);
    for (let k = 0; k <= this.order; k++) this.#counts.push(new Map());
    for (const p of padded) {
      const ids = p.map((t) => this.#lookup(t));
      for (let k = 1; k <= this.order; k++) {
        for (const gram of ngrams(ids, k)) {
          const key = gram.slice(0, -1).join(SEP);
          let dist = this.#counts[k]!.get(key);
          if (dist === undefined) this.#counts[k]!.set(key, (dist = new Map()));
          const word = gram[k - 1]!;
          dist.set(word, (dist.get(word) ?? 0) + 1);
        }
      }
    }
    for (let k = 0; k <= this.order; k++) {
      this.#continuation.push(new Map());
      this.#continuationTotal.push(new Map());
    }
    for (let k = 2; k <= this.order; k++) {
      for (const [key, dist] of this.#counts[k]!) {
        const tail = key.split(SEP).slice(1).join(SEP);
        let cont = this.#continuation[k]!.get(tail);
        if (cont === undefined) this.#continuation[k]!.set(tail, (cont = new Map()));
        for (const word of dist.keys()) cont.set(word, (cont.get(word) ?? 0) + 1);
        this.#continuationTotal[k]!.set(tail, (this.#continuationTotal[k]!.get(tail) ?? 0) + dist.size);
      }
    }
    return this;
  }

  /** Words in the vocabulary, `<UNK>` included (nltk's len(lm.vocab)). */
  get vocabSize(): number {
    return this.#vocabSize;
  }

  /** A word as the model sees it: itself when seen at least unkCutoff times, else `<UNK>`. */
  #lookup(word: string): string {
    return (this.#wordCounts.get(word) ?? 0) >= this.unkCutoff ? word : UNK;
  }

  #checkFitted(name: string): void {
    if (this.#counts.length === 0) throw new Error(`NgramLM.${name}: fit the model first`);
  }

  /** P(word | context), as nltk's lm.score (the context's last order - 1 words count). */
  score(word: string, context: readonly string[] = []): number {
    this.#checkFitted('score');
    if (typeof word !== 'string' || !Array.isArray(context)) throw new Error('NgramLM.score: expected a word (string) and a context (array of strings)');
    const ctx = context.slice(Math.max(0, context.length - (this.order - 1))).map((t) => this.#lookup(t));
    return this.#unmasked(this.#lookup(word), ctx);
  }

  /** log2 P(word | context), as nltk's lm.logscore (-Infinity for impossible words). */
  logScore(word: string, context: readonly string[] = []): number {
    return Math.log2(this.score(word, context));
  }

  #dist(context: readonly string[]): FreqDist | undefined {
    return this.#counts[context.length + 1]?.get(context.join(SEP));
  }

  #unmasked(word: string, context: string[]): number {
    if (this.smoothing === 'kneserNey') return this.#kneserNey(word, context);
    const dist = this.#dist(context);
    const count = dist?.get(word) ?? 0;
    let total = 0;
    if (dist !== undefined) for (const c of dist.values()) total += c;
    // An unseen context has probability 0 under MLE (nltk's FreqDist.freq of an empty distribution).
    if (this.smoothing === 'mle') return total === 0 ? 0 : count / total;
    return (count + this.gamma) / (total + this.#vocabSize * this.gamma);
  }

  /** nltk.lm's InterpolatedLanguageModel with the KneserNey estimator. */
  #kneserNey(word: string, context: string[]): number {
    if (context.length === 0) {
      const total = this.#continuationTotal[2]?.get('') ?? 0;
      return (this.#continuation[2]?.get('')?.get(word) ?? 0) / total;
    }
    const dist = this.#dist(context);
    if (dist === undefined || dist.size === 0) return this.#kneserNey(word, context.slice(1));
    let count: number;
    let total: number;
    if (context.length + 1 === this.order) {
      count = dist.get(word) ?? 0;
      total = 0;
      for (const c of dist.values()) total += c;
    } else {
      const key = context.join(SEP);
      count = this.#continuation[context.length + 2]!.get(key)?.get(word) ?? 0;
      total = this.#continuationTotal[context.length + 2]!.get(key) ?? 0;
    }
    const alpha = Math.max(count - this.discount, 0) / total;
    const gamma = (this.discount * dist.size) / total;
    return alpha + gamma * this.#kneserNey(word, context.slice(1));
  }

  /** The order-n n-grams of padded sentences (what entropy and perplexity average over). */
  #evaluationNgrams(sentences: Iterable<readonly string[]>): string[][] {
    const grams: string[][] = [];
    for (const s of sentences) {
      if (!Array.isArray(s)) throw new Error('NgramLM: expected sentences as arrays of tokens');
      grams.push(...ngrams(padBothEnds(s, this.order), this.order));
    }
    if (grams.length === 0) throw new Error('NgramLM: no n-grams to evaluate');
    return grams;
  }

  /** Cross-entropy in bits per n-gram: -mean log2 P(w | context) over the padded sentences' n-grams. */
  entropy(sentences: Iterable<readonly string[]>): number {
    this.#checkFitted('entropy');
    const grams = this.#evaluationNgrams(sentences);
    let sum = 0;
    for (const g of grams) sum += this.logScore(g[g.length - 1]!, g.slice(0, -1));
    return -sum / grams.length;
  }

  /** 2^entropy, as nltk's lm.perplexity over the padded sentences' n-grams. */
  perplexity(sentences: Iterable<readonly string[]>): number {
    return 2 ** this.entropy(sentences);
  }

  /** Natural log P(sentence) with its padding: the sum of ln P(w | context) over its n-grams (</s> included). */
  logProb(sentence: readonly string[]): number {
    this.#checkFitted('logProb');
    let sum = 0;
    for (const g of this.#evaluationNgrams([sentence])) sum += Math.log(this.score(g[g.length - 1]!, g.slice(0, -1)));
    return sum;
  }

  /**
   * Samples words one at a time as nltk's generate: candidates are the words seen after the last
   * order - 1 words (backing off to shorter contexts when there are none), weighted by score.
   * Stops after numWords words or at stopAt (default '</s>', not included; null never stops).
   */
  generate(numWords: number, options: { context?: readonly string[]; seed?: number; stopAt?: string | null } = {}): string[] {
    this.#checkFitted('generate');
    checkOptionKeys('NgramLM.generate', options, ['context', 'seed', 'stopAt']);
    if (!Number.isInteger(numWords) || numWords < 0) throw new Error(`NgramLM.generate: numWords must be a non-negative integer, got ${String(numWords)}`);
    const generator = new Generator(options.seed ?? 0);
    const stopAt = options.stopAt === undefined ? EOS : options.stopAt;
    const text = [...(options.context ?? padBothEnds([], this.order).slice(0, this.order - 1))];
    const out: string[] = [];
    for (let i = 0; i < numWords; i++) {
      let context = text.slice(Math.max(0, text.length - (this.order - 1))).map((t) => this.#lookup(t));
      let dist = this.#dist(context);
      while (context.length > 0 && (dist === undefined || dist.size === 0)) {
        context = context.slice(1);
        dist = this.#dist(context);
      }
      const candidates = [...(dist?.keys() ?? [])].sort();
      const weights = candidates.map((w) => this.#unmasked(w, context));
      const total = weights.reduce((a, b) => a + b, 0);
      let r = generator.nextDouble() * total;
      let pick = candidates[candidates.length - 1]!;
      for (let k = 0; k < candidates.length; k++) {
        r -= weights[k]!;
        if (r < 0) {
          pick = candidates[k]!;
          break;
        }
      }
      if (pick === stopAt) break;
      out.push(pick);
      text.push(pick);
    }
    return out;
  }
}
