/**
 * Sampling from a neural language model: any model that maps token ids to next-token logits
 * (an RNN, GRU, LSTM or Transformer with a Linear head). Greedy at temperature 0; otherwise
 * softmax(logits / temperature), cut to the topK most likely tokens and to the nucleus of
 * cumulative probability topP, then sampled with a seeded generator.
 */
import { Tensor } from '../tensor/tensor.js';
import { Generator } from '../tensor/random.js';
import { noGrad } from '../autograd/grad-mode.js';
import { logSoftmax } from '../ops/nn.js';
import { checkOptionKeys, describe, requireOptions } from '../ops/args.js';
import type { Vocab } from './vocab.js';

/** A model as generate calls it: int32 ids [1, T] ([T, 1] with batchFirst false) -> logits whose last dim is the vocabulary. */
export type LanguageModel = ((ids: Tensor) => Tensor) | { forward(ids: Tensor): Tensor };

export interface SamplingOptions {
  /** 0 picks the most likely token (greedy); higher flattens the distribution (default 1). */
  temperature?: number;
  /** Sample only among the k most likely tokens (default: all). */
  topK?: number;
  /** Sample only among the most likely tokens whose probabilities add up to topP (nucleus sampling; default 1). */
  topP?: number;
}

export interface GenerateOptions extends SamplingOptions {
  /** How many tokens to generate at most (default 50). */
  maxLength?: number;
  /** Stop when this token (an id, or a string looked up in vocab) is generated; it is not returned. */
  stopAt?: number | string;
  /** Seed of the sampling (default 0). */
  seed?: number;
  /** Turns a string prompt and stopAt into ids and the output back into tokens. */
  vocab?: Vocab;
  /** Feed the model [1, T] (default true) or [T, 1]. */
  batchFirst?: boolean;
  /** Feed only the last contextLength tokens (default: all). */
  contextLength?: number;
}

const SAMPLING_KEYS = ['temperature', 'topK', 'topP'];

/** Picks the next token from one row of logits (see SamplingOptions). */
export function sampleLogits(logits: ArrayLike<number>, options: SamplingOptions, generator: Generator): number {
  requireOptions('sampleLogits', options, ['temperature?', 'topK?', 'topP?']);
  checkOptionKeys('sampleLogits', options, SAMPLING_KEYS);
  checkSampling('sampleLogits', options);
  if (!(generator instanceof Generator)) throw new TypeError(`sampleLogits: generator must be a Generator, got ${describe(generator)}`);
  return pickToken(logits, options, generator);
}

/** sampleLogits on options already checked. */
function pickToken(logits: ArrayLike<number>, options: SamplingOptions, generator: Generator): number {
  const n = logits.length;
  if (n === 0) throw new Error('sampleLogits: the logits are empty');
  const temperature = options.temperature ?? 1;
  let best = 0;
  for (let i = 1; i < n; i++) if (logits[i]! > logits[best]!) best = i;
  if (temperature === 0) return best;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => logits[b]! - logits[a]! || a - b);
  const keep = Math.min(n, options.topK ?? n);
  const top = logits[order[0]!]!;
  const probs = order.slice(0, keep).map((i) => Math.exp((logits[i]! - top) / temperature));
  const total = probs.reduce((a, b) => a + b, 0);
  const topP = options.topP ?? 1;
  // The nucleus: the most likely tokens until their probabilities reach topP (at least one).
  let cut = probs.length;
  if (topP < 1) {
    let cumulative = 0;
    for (let i = 0; i < probs.length; i++) {
      cumulative += probs[i]! / total;
      if (cumulative >= topP) {
        cut = i + 1;
        break;
      }
    }
  }
  const kept = probs.slice(0, cut);
  let r = generator.nextDouble() * kept.reduce((a, b) => a + b, 0);
  for (let i = 0; i < kept.length; i++) {
    r -= kept[i]!;
    if (r < 0) return order[i]!;
  }
  return order[kept.length - 1]!;
}

function checkSampling(name: string, o: SamplingOptions): void {
  const t = o.temperature ?? 1;
  if (typeof t !== 'number' || !(t >= 0) || !Number.isFinite(t)) throw new Error(`${name}: temperature must be a number >= 0, got ${String(t)}`);
  if (o.topK !== undefined && (!Number.isInteger(o.topK) || o.topK < 1)) throw new Error(`${name}: topK must be a positive integer, got ${String(o.topK)}`);
  const p = o.topP ?? 1;
  if (typeof p !== 'number' || !(p > 0 && p <= 1)) throw new Error(`${name}: topP must be in (0, 1], got ${String(p)}`);
}

/**
 * Continues a prompt with a language model, one token at a time (no gradients recorded). Returns
 * the generated tokens only: ids, or strings when the prompt is strings (looked up in vocab).
 */
export function generate(model: LanguageModel, prompt: readonly number[], options?: GenerateOptions): number[];
export function generate(model: LanguageModel, prompt: readonly string[], options: GenerateOptions & { vocab: Vocab }): string[];
export function generate(model: LanguageModel, prompt: readonly (number | string)[], options: GenerateOptions = {}): (number | string)[] {
  checkOptionKeys('generate', options, [...SAMPLING_KEYS, 'maxLength', 'stopAt', 'seed', 'vocab', 'batchFirst', 'contextLength']);
  checkSampling('generate', options);
  const call = typeof model === 'function' ? model : typeof model?.forward === 'function' ? (ids: Tensor) => model.forward(ids) : null;
  if (call === null) throw new Error('generate: model must be a function or a module with forward(ids) returning logits');
  if (!Array.isArray(prompt) || prompt.length === 0) throw new Error('generate: prompt must be a non-empty array of token ids (or tokens with a vocab)');
  const vocab = options.vocab;
  const strings = typeof prompt[0] === 'string';
  if (strings && vocab === undefined) throw new Error('generate: a prompt of strings needs options.vocab to look them up');
  const ids = prompt.map((t, i) => {
    if (typeof t === 'string') return vocab!.indexOf(t);
    if (!Number.isInteger(t) || t < 0) throw new Error(`generate: prompt token ${i} is ${String(t)}, not a token id`);
    return t;
  });
  const stopAt = typeof options.stopAt === 'string' ? (vocab ?? null)?.indexOf(options.stopAt) : options.stopAt;
  if (typeof options.stopAt === 'string' && vocab === undefined) throw new Error('generate: stopAt as a string needs options.vocab');
  const maxLength = options.maxLength ?? 50;
  if (!Number.isInteger(maxLength) || maxLength < 0) throw new Error(`generate: maxLength must be a non-negative integer, got ${String(maxLength)}`);
  const contextLength = options.contextLength ?? Infinity;
  const batchFirst = options.batchFirst ?? true;
  const generator = new Generator(options.seed ?? 0);
  const out: number[] = [];
  noGrad(() => {
    for (let step = 0; step < maxLength; step++) {
      const context = ids.slice(Math.max(0, ids.length - contextLength));
      const input = Tensor.fromData(Int32Array.from(context), batchFirst ? [1, context.length] : [context.length, 1], 'int32');
      const logits = call(input);
      if (!(logits instanceof Tensor) || logits.ndim < 1) throw new Error('generate: the model must return a logits tensor');
      const vocabSize = logits.shape[logits.ndim - 1]!;
      const all = logits.contiguous().toTypedArray();
      const next = pickToken(all.subarray(all.length - vocabSize) as ArrayLike<number>, options, generator);
      if (next === stopAt) break;
      out.push(next);
      ids.push(next);
    }
  });
  return strings ? out.map((id) => vocab!.tokenOf(id)) : out;
}

/**
 * ln P(ids[1..] | ids[0]) under a language model: the model reads the sequence but its last
 * token once, and the log-softmax of each position's logits scores the next token.
 */
export function sequenceLogProb(model: LanguageModel, ids: readonly number[], options: { batchFirst?: boolean } = {}): number {
  checkOptionKeys('sequenceLogProb', options, ['batchFirst']);
  const call = typeof model === 'function' ? model : typeof model?.forward === 'function' ? (x: Tensor) => model.forward(x) : null;
  if (call === null) throw new Error('sequenceLogProb: model must be a function or a module with forward(ids) returning logits');
  if (!Array.isArray(ids) || ids.length < 2 || !ids.every((t) => Number.isInteger(t) && t >= 0)) {
    throw new Error('sequenceLogProb: ids must be an array of at least 2 token ids');
  }
  const batchFirst = options.batchFirst ?? true;
  const steps = ids.length - 1;
  return noGrad(() => {
    const input = Tensor.fromData(Int32Array.from(ids.slice(0, steps)), batchFirst ? [1, steps] : [steps, 1], 'int32');
    const logits = call(input);
    const vocabSize = logits.shape[logits.ndim - 1]!;
    if (logits.numel() !== steps * vocabSize) {
      throw new Error(`sequenceLogProb: the model must return logits for each of the ${steps} positions, got shape [${logits.shape.join(', ')}]`);
    }
    const logProbs = logSoftmax(logits.reshape([steps, vocabSize]), 1).contiguous().toTypedArray();
    let sum = 0;
    for (let t = 0; t < steps; t++) {
      const next = ids[t + 1]!;
      if (next >= vocabSize) throw new Error(`sequenceLogProb: token ${next} is outside the model's ${vocabSize} logits`);
      sum += logProbs[t * vocabSize + next]!;
    }
    return sum;
  });
}

/** exp(-sequenceLogProb / (length - 1)): the model's perplexity per predicted token. */
export function sequencePerplexity(model: LanguageModel, ids: readonly number[], options: { batchFirst?: boolean } = {}): number {
  return Math.exp(-sequenceLogProb(model, ids, options) / (ids.length - 1));
}
