/** Sequence metrics: perplexity of a language model, and BLEU for generated text. */
import { Tensor } from '../tensor/tensor.js';
import { shapeStr } from '../tensor/shape.js';
import { flat, type Values } from './inputs.js';
import { arrayOf, int, num, oneOf, parseOptions } from '../ops/args.js';

/** exp of the mean negative log-likelihood per token, from per-token losses (or their mean). */
export function perplexityFromLoss(losses: number | Values): number {
  const values = typeof losses === 'number' ? [losses] : Array.from(flat('perplexityFromLoss', losses, 'losses').values);
  if (values.length === 0) throw new Error('perplexityFromLoss: no losses');
  if (values.some((v) => !(v >= 0))) throw new Error('perplexityFromLoss: losses must be non-negative negative log-likelihoods');
  return Math.exp(values.reduce((a, b) => a + b, 0) / values.length);
}

/** exp(-mean log p) over the probabilities the model gave to the actual tokens. */
export function perplexityFromProbabilities(probabilities: Values): number {
  const p = flat('perplexityFromProbabilities', probabilities, 'probabilities').values;
  if (p.length === 0) throw new Error('perplexityFromProbabilities: no probabilities');
  let s = 0;
  p.forEach((v, i) => {
    if (!(v > 0 && v <= 1)) throw new Error(`perplexityFromProbabilities: probabilities must be in (0, 1], got ${v} at index ${i}`);
    s += Math.log(v);
  });
  return Math.exp(-s / p.length);
}

export interface PerplexityOptions {
  /** Target value to skip (padding), as torch's ignore_index. */
  ignoreIndex?: number;
}

export const PERPLEXITY_SPEC = { ignoreIndex: int };

/** Sum of token negative log-likelihoods and token count, from logits [..., V] and int targets [...]. */
export function tokenNll(logits: Tensor, target: Tensor, options: PerplexityOptions = {}): { sum: number; count: number } {
  const op = 'perplexity';
  if (!(logits instanceof Tensor) || !(target instanceof Tensor)) throw new Error(`${op}: expected logits and target tensors`);
  const v = logits.shape[logits.ndim - 1];
  const lead = logits.shape.slice(0, -1);
  if (v === undefined || lead.length !== target.ndim || lead.some((d, i) => d !== target.shape[i])) {
    throw new Error(`${op}: logits of shape [..., V] need targets of the leading shape; got logits ${shapeStr(logits.shape)} and target ${shapeStr(target.shape)}`);
  }
  const x = logits.toTypedArray();
  const y = target.toTypedArray();
  let sum = 0;
  let count = 0;
  for (let i = 0; i < y.length; i++) {
    const label = y[i]!;
    if (label === options.ignoreIndex) continue;
    if (!Number.isInteger(label) || label < 0 || label >= v) throw new Error(`${op}: target ${label} at flat index ${i} is not a class in [0, ${v})`);
    let max = -Infinity;
    for (let k = 0; k < v; k++) max = Math.max(max, x[i * v + k]!);
    let z = 0;
    for (let k = 0; k < v; k++) z += Math.exp(x[i * v + k]! - max);
    sum += max + Math.log(z) - x[i * v + label]!;
    count++;
  }
  return { sum, count };
}

/** Perplexity of logits [..., V] against token ids [...]: exp(cross-entropy), skipping ignoreIndex. */
export function perplexity(logits: Tensor, target: Tensor, options: PerplexityOptions = {}, ...extra: []): number {
  parseOptions('metrics.perplexity', options, PERPLEXITY_SPEC, extra);
  const { sum, count } = tokenNll(logits, target, options);
  if (count === 0) throw new Error('perplexity: no tokens to score (all ignored or empty)');
  return Math.exp(sum / count);
}

/** Tokens of a sentence: an array of tokens, or a string split on whitespace. */
export type Sentence = string | readonly string[];

export interface BleuOptions {
  /** Largest n-gram order (default 4). */
  maxOrder?: number;
  /** Weight of each order's log precision (default uniform 1 / maxOrder). */
  weights?: readonly number[];
  /**
   * What to do with an order that has no matching n-gram: 'none' (score 0), 'epsilon' (add
   * `epsilon` to its match count: NLTK method1), 'add1' (add 1 to matches and total for orders >= 2:
   * NLTK method2, Lin & Och 2004), 'exp' (1 / 2^k for the k-th empty order: NLTK method3, sacreBLEU's default).
   */
  smoothing?: 'none' | 'epsilon' | 'add1' | 'exp';
  epsilon?: number;
}

const BLEU_SPEC = { maxOrder: int, weights: arrayOf(num), smoothing: oneOf('none', 'epsilon', 'add1', 'exp'), epsilon: num };

function tokens(s: Sentence): readonly string[] {
  return typeof s === 'string' ? s.split(/\s+/).filter((t) => t !== '') : s;
}

function ngramCounts(words: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= words.length; i++) {
    const key = words.slice(i, i + n).join('\u0000');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/**
 * Corpus BLEU (Papineni et al., 2002): clipped n-gram precisions summed over the corpus, their
 * weighted geometric mean, times the brevity penalty exp(1 - r / c) when the candidates are
 * shorter than the closest reference lengths. In [0, 1]; matches NLTK's corpus_bleu.
 */
export function corpusBleu(candidates: readonly Sentence[], references: readonly (readonly Sentence[])[], options: BleuOptions = {}, ...extra: []): number {
  const op = 'corpusBleu';
  parseOptions(`metrics.${op}`, options, BLEU_SPEC, extra);
  if (candidates.length !== references.length) {
    throw new Error(`${op}: ${candidates.length} candidates but ${references.length} reference lists; give one list of references per candidate`);
  }
  const maxOrder = options.maxOrder ?? 4;
  if (!Number.isInteger(maxOrder) || maxOrder < 1) throw new Error(`${op}: maxOrder must be a positive integer, got ${maxOrder}`);
  const weights = options.weights ?? new Array<number>(maxOrder).fill(1 / maxOrder);
  if (weights.length !== maxOrder) throw new Error(`${op}: ${weights.length} weights for maxOrder ${maxOrder}`);
  const matches = new Array<number>(maxOrder).fill(0);
  const totals = new Array<number>(maxOrder).fill(0);
  let candidateLength = 0;
  let referenceLength = 0;
  candidates.forEach((cand, s) => {
    const hyp = tokens(cand);
    const refs = references[s]!.map(tokens);
    if (refs.length === 0) throw new Error(`${op}: candidate ${s} has no references`);
    for (let n = 1; n <= maxOrder; n++) {
      const counts = ngramCounts(hyp, n);
      const maxRef = new Map<string, number>();
      for (const ref of refs) for (const [g, c] of ngramCounts(ref, n)) maxRef.set(g, Math.max(maxRef.get(g) ?? 0, c));
      let clipped = 0;
      let total = 0;
      for (const [g, c] of counts) {
        clipped += Math.min(c, maxRef.get(g) ?? 0);
        total += c;
      }
      matches[n - 1]! += clipped;
      totals[n - 1]! += Math.max(1, total);
    }
    candidateLength += hyp.length;
    // The reference length closest to the candidate's, the shorter one on a tie.
    referenceLength += refs.map((r) => r.length).reduce((best, len) => {
      const d = Math.abs(len - hyp.length);
      const bestD = Math.abs(best - hyp.length);
      return d < bestD || (d === bestD && len < best) ? len : best;
    });
  });
  if (matches[0] === 0) return 0;
  const smoothing = options.smoothing ?? 'none';
  const epsilon = options.epsilon ?? 0.1;
  let k = 1;
  const precisions = matches.map((m, i) => {
    const t = totals[i]!;
    switch (smoothing) {
      case 'none':
        return m / t;
      case 'epsilon':
        return m === 0 ? epsilon / t : m / t;
      case 'add1':
        return i === 0 ? m / t : (m + 1) / (t + 1);
      case 'exp':
        return m === 0 ? 1 / (2 ** k++ * t) : m / t;
      default:
        throw new Error(`${op}: smoothing must be 'none', 'epsilon', 'add1' or 'exp', got ${JSON.stringify(smoothing)}`);
    }
  });
  if (precisions.some((p, i) => p === 0 && weights[i] !== 0)) return 0;
  const brevity = candidateLength > referenceLength ? 1 : candidateLength === 0 ? 0 : Math.exp(1 - referenceLength / candidateLength);
  const logMean = precisions.reduce((s, p, i) => (p > 0 ? s + weights[i]! * Math.log(p) : s), 0);
  return brevity * Math.exp(logMean);
}

/**
 * BLEU of one candidate against a list of references (NLTK's sentence_bleu), e.g.
 * `bleuScore('the cat sat', ['the cat sat down', 'a cat sat'])`; a single string is one reference.
 */
export function bleuScore(candidate: Sentence, references: readonly Sentence[] | string, options: BleuOptions = {}, ...extra: []): number {
  parseOptions('metrics.bleuScore', options, BLEU_SPEC, extra);
  const refs = typeof references === 'string' ? [references] : references;
  return corpusBleu([candidate], [refs], options);
}
