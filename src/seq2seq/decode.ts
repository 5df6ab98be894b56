/**
 * Decoding a sequence model, generic over a step function, so RNN and Transformer decoders share
 * it: greedy search, beam search with the course's length normalisation, sequence scoring and
 * beam-search error analysis.
 *
 * A step function takes the last token of every row (int32 [rows]) and a state holding `rows`
 * rows, and returns log-probabilities [rows, V] of the next token and the new state. Beam search
 * duplicates and reorders rows of the state with `reorderState` (default: indexSelect on dim 0 of
 * every tensor in the state, which may be a tensor or nested arrays / plain objects of tensors).
 */
import { checkOptionKeys, requireOptions } from '../ops/args.js';
import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/creation.js';
import { isFloat } from '../tensor/dtype.js';
import { shapeStr } from '../tensor/shape.js';
import { indexSelect } from '../ops/indexing.js';
import { noGrad } from '../autograd/grad-mode.js';

/** What a step returns: log-probabilities of the next token [rows, V] and the state after the step. */
export interface StepResult<S> {
  logProbs: Tensor;
  state: S;
}

/** One decoder step over `rows` rows: last tokens int32 [rows] -> next-token log-probabilities and state. */
export type StepFunction<S> = (tokens: Tensor, state: S) => StepResult<S>;

/** A decoded sequence. tokens are the generated tokens (the start token excluded, EOS included when generated). */
export interface Hypothesis {
  tokens: number[];
  /** log P(tokens | x): the sum of the tokens' log-probabilities. */
  logProb: number;
  /** The ranking score: logProb / T_y^alpha with T_y = tokens.length (logProb itself for greedy search). */
  score: number;
  /** Whether the sequence ended with EOS (false: stopped at maxLength). */
  finished: boolean;
}

export interface DecodeOptions<S> {
  /** The start token fed at the first step. */
  bos: number;
  /** The end token: a hypothesis that emits it is finished. */
  eos: number;
  /** Most tokens generated per sentence, EOS included (default 50). */
  maxLength?: number;
  /** Selects rows of the state: rows[i] is the old row of new row i (default: indexSelect on dim 0 of every tensor). */
  reorderState?: (state: S, rows: Int32Array) => S;
}

export interface BeamSearchOptions<S> extends DecodeOptions<S> {
  /** Hypotheses kept per sentence at every step, B (default 3). */
  beamWidth?: number;
  /**
   * Length-normalisation exponent: hypotheses are ranked by (1 / T_y^alpha) sum_t log P(y<t> | x, y<1..t-1>)
   * (default 0.7; 0 ranks by log-probability, 1 by its mean per token).
   */
  alpha?: number;
  /** Hypotheses returned per sentence, best first (default beamWidth). */
  nBest?: number;
}

const DECODE_KEYS = ['bos', 'eos', 'maxLength', 'reorderState'];

function checkInt(op: string, name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new Error(`${op}: ${name} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

function checkCommon<S>(op: string, step: unknown, options: DecodeOptions<S>, allowed: readonly string[]): { maxLength: number; reorder: (s: S, rows: Int32Array) => S } {
  if (typeof step !== 'function') throw new Error(`${op}: step must be a function (tokens, state) => { logProbs, state }`);
  requireOptions(op, options, ['bos', 'eos', '...']);
  checkOptionKeys(op, options, allowed);
  checkInt(op, 'bos', options.bos, 0);
  checkInt(op, 'eos', options.eos, 0);
  const maxLength = checkInt(op, 'maxLength', options.maxLength ?? 50, 1);
  if (options.reorderState !== undefined && typeof options.reorderState !== 'function') throw new Error(`${op}: reorderState must be a function`);
  return { maxLength, reorder: options.reorderState ?? defaultReorder };
}

/** indexSelect(dim 0) on every tensor of a state made of tensors, arrays and plain objects; other values are kept. */
export function reorderRows<S>(state: S, rows: Int32Array): S {
  return defaultReorder(state, rows);
}

function defaultReorder<S>(state: S, rows: Int32Array): S {
  const index = tensor(Array.from(rows), { dtype: 'int32' });
  const walk = (s: unknown): unknown => {
    if (s instanceof Tensor) return indexSelect(s, 0, index);
    if (Array.isArray(s)) return s.map(walk);
    if (s !== null && typeof s === 'object' && Object.getPrototypeOf(s) === Object.prototype) {
      return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, walk(v)]));
    }
    return s;
  };
  return walk(state) as S;
}

/** Runs the step and checks its result: [rows, V] log-probabilities (each row sums to 1 after exp). */
interface CheckedStep<S> {
  logProbs: Float64Array;
  vocab: number;
  state: S;
}

function runStep<S>(op: string, step: StepFunction<S>, tokens: Int32Array, state: S, vocab: number | null, eos: number | null): CheckedStep<S> {
  const result = step(tensor(Array.from(tokens), { dtype: 'int32' }), state);
  if (typeof result !== 'object' || result === null || !(result.logProbs instanceof Tensor)) {
    throw new Error(`${op}: the step function must return { logProbs: Tensor [rows, V], state }`);
  }
  const lp = result.logProbs;
  const rows = tokens.length;
  if (lp.ndim !== 2 || lp.shape[0] !== rows || !isFloat(lp.dtype)) {
    throw new Error(`${op}: the step returned logProbs ${shapeStr(lp.shape)} of dtype ${lp.dtype}; expected float [${rows}, V] (one row per input token)`);
  }
  const v = lp.shape[1]!;
  if (vocab !== null && v !== vocab) throw new Error(`${op}: the step returned ${v} classes, earlier steps ${vocab}`);
  if (eos !== null && eos >= v) throw new Error(`${op}: eos ${eos} is not a token of the step's vocabulary of ${v}`);
  const values = Float64Array.from(lp.toTypedArray() as ArrayLike<number>);
  for (let r = 0; r < rows; r++) {
    let total = 0;
    for (let k = 0; k < v; k++) total += Math.exp(values[r * v + k]!);
    if (!(Math.abs(total - 1) < 1e-3)) {
      throw new Error(`${op}: row ${r} of the step's logProbs sums to ${total} after exp; return log-probabilities (F.logSoftmax of the logits)`);
    }
  }
  return { logProbs: values, vocab: v, state: result.state };
}

function rowsOf<S>(op: string, state: S, batch: number | undefined): number {
  const found = stateRows(state);
  if (batch !== undefined) {
    checkInt(op, 'batchSize', batch, 1);
    if (found !== null && found !== batch) throw new Error(`${op}: ${batch} sentences but the state holds ${found} rows`);
    return batch;
  }
  if (found === null) throw new Error(`${op}: the state holds no tensor to count sentences by; give batchSize`);
  return found;
}

/** The first dim of the first tensor in a state, or null when it holds none. */
function stateRows(state: unknown): number | null {
  const find = (s: unknown): number | null => {
    if (s instanceof Tensor) return s.ndim > 0 ? s.shape[0]! : null;
    if (Array.isArray(s)) {
      for (const x of s) {
        const r = find(x);
        if (r !== null) return r;
      }
      return null;
    }
    if (s !== null && typeof s === 'object') return find(Object.values(s));
    return null;
  };
  return find(state);
}

/**
 * Greedy search: at every step the most probable token, until EOS or maxLength. initialState holds
 * one row per sentence (batchSize: their number when the state holds no tensor). One hypothesis
 * per sentence (score = logProb).
 */
export function greedyDecode<S>(step: StepFunction<S>, initialState: S, options: DecodeOptions<S> & { batchSize?: number }): Hypothesis[] {
  const op = 'greedyDecode';
  const { maxLength, reorder } = checkCommon(op, step, options, [...DECODE_KEYS, 'batchSize']);
  const batch = rowsOf(op, initialState, options.batchSize);
  const out: Hypothesis[] = Array.from({ length: batch }, () => ({ tokens: [], logProb: 0, score: 0, finished: false }));
  return noGrad(() => {
    let alive = Array.from({ length: batch }, (_, i) => i);
    let state = initialState;
    let tokens = new Int32Array(batch).fill(options.bos);
    let vocab: number | null = null;
    for (let t = 0; t < maxLength && alive.length > 0; t++) {
      const r: CheckedStep<S> = runStep(op, step, tokens, state, vocab, options.eos);
      vocab = r.vocab;
      const keep: number[] = [];
      const next: number[] = [];
      alive.forEach((sentence, row) => {
        let best = 0;
        for (let k = 1; k < r.vocab; k++) if (r.logProbs[row * r.vocab + k]! > r.logProbs[row * r.vocab + best]!) best = k;
        const h = out[sentence]!;
        h.tokens.push(best);
        h.logProb += r.logProbs[row * r.vocab + best]!;
        if (best === options.eos) h.finished = true;
        else {
          keep.push(row);
          next.push(best);
        }
      });
      alive = keep.map((row) => alive[row]!);
      state = keep.length === r.logProbs.length / r.vocab ? r.state : reorder(r.state, Int32Array.from(keep));
      tokens = Int32Array.from(next);
    }
    for (const h of out) h.score = h.logProb;
    return out;
  });
}

interface Beam {
  tokens: number[];
  logProb: number;
}

/** The (k) largest entries of values[offset .. offset + n) as indices, best first. */
function topIndices(values: Float64Array, offset: number, n: number, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = values[offset + i]!;
    if (best.length === k && v <= values[offset + best[k - 1]!]!) continue;
    let pos = best.length === k ? k - 1 : best.length;
    while (pos > 0 && values[offset + best[pos - 1]!]! < v) pos--;
    best.splice(pos, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}

/**
 * Beam search over B hypotheses per sentence, batched over sentences (initialState holds one row
 * per sentence). At every step each sentence keeps the B most probable continuations (by the sum
 * of log-probabilities); a continuation ending in EOS that ranks within the top B is finished. A
 * hypothesis reaching maxLength ends there unfinished. The search of a sentence stops when none is
 * alive, or when B are finished and no alive hypothesis can still beat them (its log-probability
 * only falls, so its best possible score is logProb / maxLength^alpha). Returns for each sentence
 * its nBest hypotheses by score = logProb / T_y^alpha, best first.
 */
export function beamSearch<S>(step: StepFunction<S>, initialState: S, options: BeamSearchOptions<S> & { batchSize?: number }): Hypothesis[][] {
  const op = 'beamSearch';
  const { maxLength, reorder } = checkCommon(op, step, options, [...DECODE_KEYS, 'beamWidth', 'alpha', 'nBest', 'batchSize']);
  const width = checkInt(op, 'beamWidth', options.beamWidth ?? 3, 1);
  const nBest = checkInt(op, 'nBest', options.nBest ?? width, 1);
  const alpha = options.alpha ?? 0.7;
  if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha < 0) throw new Error(`${op}: alpha must be a finite number >= 0, got ${String(alpha)}`);
  const batch = rowsOf(op, initialState, options.batchSize);
  const scoreOf = (logProb: number, length: number): number => logProb / Math.pow(length, alpha);
  const bestPossible = (logProb: number): number => (logProb < 0 ? logProb / Math.pow(maxLength, alpha) : logProb);

  return noGrad(() => {
    const alive: Beam[][] = Array.from({ length: batch }, () => [{ tokens: [], logProb: 0 }]);
    const finished: Hypothesis[][] = Array.from({ length: batch }, () => []);
    let state = initialState;
    let vocab: number | null = null;
    // rowOf[s][j]: the state row of sentence s's j-th alive beam.
    let rowOf: number[][] = Array.from({ length: batch }, (_, s) => [s]);
    let stateRows = batch;
    for (let t = 0; t < maxLength; t++) {
      const order: number[] = [];
      const tokens: number[] = [];
      for (let s = 0; s < batch; s++) {
        alive[s]!.forEach((b, j) => {
          order.push(rowOf[s]![j]!);
          tokens.push(b.tokens.length === 0 ? options.bos : b.tokens[b.tokens.length - 1]!);
        });
      }
      if (order.length === 0) break;
      const identity = order.length === stateRows && order.every((r, i) => r === i);
      const current = identity ? state : reorder(state, Int32Array.from(order));
      stateRows = order.length;
      const r: CheckedStep<S> = runStep(op, step, Int32Array.from(tokens), current, vocab, options.eos);
      vocab = r.vocab;
      state = r.state;
      const nextRowOf: number[][] = [];
      let row = 0;
      for (let s = 0; s < batch; s++) {
        const candidates: { beam: Beam; token: number; logProb: number; row: number }[] = [];
        for (const beam of alive[s]!) {
          for (const k of topIndices(r.logProbs, row * r.vocab, r.vocab, width + 1)) {
            candidates.push({ beam, token: k, logProb: beam.logProb + r.logProbs[row * r.vocab + k]!, row });
          }
          row++;
        }
        candidates.sort((a, b) => b.logProb - a.logProb);
        const kept: Beam[] = [];
        const keptRows: number[] = [];
        let taken = 0; // continuations kept this step, those ended by maxLength included
        for (let i = 0; i < candidates.length && (taken < width || i < width); i++) {
          const c = candidates[i]!;
          const tokensNow = [...c.beam.tokens, c.token];
          if (c.token === options.eos) {
            if (i < width) finished[s]!.push({ tokens: tokensNow, logProb: c.logProb, score: scoreOf(c.logProb, tokensNow.length), finished: true });
          } else if (taken < width) {
            taken++;
            if (tokensNow.length === maxLength) {
              finished[s]!.push({ tokens: tokensNow, logProb: c.logProb, score: scoreOf(c.logProb, tokensNow.length), finished: false });
            } else {
              kept.push({ tokens: tokensNow, logProb: c.logProb });
              keptRows.push(c.row);
            }
          }
        }
        const done = finished[s]!;
        if (done.length >= width && kept.length > 0) {
          done.sort((a, b) => b.score - a.score);
          const bar = done[width - 1]!.score;
          if (kept.every((b) => bestPossible(b.logProb) <= bar)) kept.length = 0;
        }
        alive[s] = kept;
        nextRowOf.push(keptRows.slice(0, kept.length));
      }
      rowOf = nextRowOf;
    }
    return finished.map((done) => done.sort((a, b) => b.score - a.score).slice(0, nBest));
  });
}

/**
 * log P(y | x) of given sequences under the model (teacher forcing: feeds bos, then each token),
 * one per sentence, batched. sequences[i] is scored in full (include EOS to score the ending).
 */
export function sequenceLogProbs<S>(step: StepFunction<S>, initialState: S, sequences: readonly (readonly number[])[], options: Omit<DecodeOptions<S>, 'eos' | 'maxLength'>): number[] {
  const op = 'sequenceLogProbs';
  if (typeof step !== 'function') throw new Error(`${op}: step must be a function (tokens, state) => { logProbs, state }`);
  requireOptions(op, options, ['bos', 'reorderState?']);
  checkOptionKeys(op, options, ['bos', 'reorderState']);
  checkInt(op, 'bos', options.bos, 0);
  if (!Array.isArray(sequences)) throw new Error(`${op}: sequences must be an array of token arrays`);
  if (sequences.length === 0) return [];
  const batch = rowsOf(op, initialState, sequences.length);
  sequences.forEach((seq, i) => {
    if (!Array.isArray(seq)) throw new Error(`${op}: sequence ${i} must be an array of token ids`);
    seq.forEach((tok, t) => checkInt(op, `sequences[${i}][${t}]`, tok, 0));
  });
  const reorder = options.reorderState ?? defaultReorder;
  const totals = new Array<number>(batch).fill(0);
  return noGrad(() => {
    let alive = Array.from({ length: batch }, (_, i) => i).filter((i) => sequences[i]!.length > 0);
    let state = alive.length === batch ? initialState : reorder(initialState, Int32Array.from(alive));
    let vocab: number | null = null;
    for (let t = 0; alive.length > 0; t++) {
      const tokens = Int32Array.from(alive, (i) => (t === 0 ? options.bos : sequences[i]![t - 1]!));
      const r: CheckedStep<S> = runStep(op, step, tokens, state, vocab, null);
      vocab = r.vocab;
      const keep: number[] = [];
      alive.forEach((i, row) => {
        const target = sequences[i]![t]!;
        if (target >= r.vocab) throw new Error(`${op}: token ${target} of sequence ${i} is not in the vocabulary of ${r.vocab}`);
        totals[i]! += r.logProbs[row * r.vocab + target]!;
        if (t + 1 < sequences[i]!.length) keep.push(row);
      });
      state = keep.length === alive.length ? r.state : reorder(r.state, Int32Array.from(keep));
      alive = keep.map((row) => alive[row]!);
    }
    return totals;
  });
}

export interface ErrorAnalysisOptions<S> extends Omit<DecodeOptions<S>, 'eos' | 'maxLength'> {
  /** Compare length-normalised scores logProb / T_y^alpha, as the search ranked them (default 0: log-probabilities). */
  alpha?: number;
}

/** One example of beam-search error analysis. */
export interface ErrorAttribution {
  /** log P(y* | x) of the reference. */
  referenceLogProb: number;
  /** log P(y-hat | x) of the output. */
  outputLogProb: number;
  /** 'correct': y-hat = y*; 'search': the model prefers y* (P(y*|x) > P(y-hat|x)) but the search missed it; 'model': the model prefers y-hat. */
  blame: 'correct' | 'search' | 'model';
}

export interface ErrorAnalysis {
  examples: ErrorAttribution[];
  /** Counts of each blame over the set. */
  correct: number;
  search: number;
  model: number;
  /** Share of the errors the search is to blame for (search / (search + model); 0 with no errors). */
  searchFraction: number;
}

/**
 * The course's beam-search error analysis over a dev set: for each source (a row of initialState),
 * its reference y* and the search's output y-hat, compute log P(y*|x) and log P(y-hat|x); when they
 * differ, the search is at fault if P(y*|x) > P(y-hat|x) (a larger beam may help), otherwise the
 * model (it scores a wrong output higher). With alpha, normalised scores are compared instead.
 */
export function beamSearchErrorAnalysis<S>(
  step: StepFunction<S>, initialState: S, references: readonly (readonly number[])[], outputs: readonly (readonly number[])[], options: ErrorAnalysisOptions<S>,
): ErrorAnalysis {
  const op = 'beamSearchErrorAnalysis';
  requireOptions(op, options, ['bos', 'reorderState?', 'alpha?']);
  checkOptionKeys(op, options, ['bos', 'reorderState', 'alpha']);
  if (!Array.isArray(references) || !Array.isArray(outputs) || references.length !== outputs.length) {
    throw new Error(`${op}: references and outputs must be arrays of token arrays of the same length, got ${String(references?.length)} and ${String(outputs?.length)}`);
  }
  const { alpha = 0, ...scoring } = options;
  if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha < 0) throw new Error(`${op}: alpha must be a finite number >= 0, got ${String(alpha)}`);
  const refLp = sequenceLogProbs(step, initialState, references, scoring);
  const outLp = sequenceLogProbs(step, initialState, outputs, scoring);
  const norm = (lp: number, n: number): number => (n === 0 ? lp : lp / Math.pow(n, alpha));
  const examples = references.map((ref, i): ErrorAttribution => {
    const out = outputs[i]!;
    const same = ref.length === out.length && ref.every((tok: number, t: number) => tok === out[t]);
    const blame = same ? 'correct' : norm(refLp[i]!, ref.length) > norm(outLp[i]!, out.length) ? 'search' : 'model';
    return { referenceLogProb: refLp[i]!, outputLogProb: outLp[i]!, blame };
  });
  const count = (b: ErrorAttribution['blame']): number => examples.filter((e) => e.blame === b).length;
  const search = count('search');
  const model = count('model');
  return { examples, correct: count('correct'), search, model, searchFraction: search + model === 0 ? 0 : search / (search + model) };
}
