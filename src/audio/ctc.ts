/**
 * Decoding the output of a CTC-trained model (log-probabilities over C classes, one of them the
 * blank, at every frame): greedy (best class per frame, repeats not separated by a blank merged,
 * blanks dropped) and prefix beam search (Hannun et al. 2014), which sums the probabilities of all
 * alignments of a label sequence, optionally with a character language model and a word bonus.
 */
import { checkOptionKeys } from '../ops/args.js';
import { Tensor } from '../tensor/tensor.js';
import { isFloat } from '../tensor/dtype.js';
import { shapeStr } from '../tensor/shape.js';

/** A decoded label sequence. */
export interface CtcHypothesis {
  /** Labels, blanks and merged repeats removed. */
  tokens: number[];
  /** Greedy: log-probability of the best path. Beam search: log P(tokens | x), summed over every alignment. */
  logProb: number;
  /** The ranking score: logProb + lmWeight * log P_LM(tokens) + wordBonus * words (logProb without a language model). */
  score: number;
}

export interface CtcDecodeOptions {
  /** The blank class (default 0, as F.ctcLoss). */
  blank?: number;
  /** Frames to use per sequence of a batch [B, T, C] (default all). */
  lengths?: readonly number[] | Tensor;
}

interface Frames {
  values: Float64Array;
  batch: number;
  frames: number;
  classes: number;
  lengths: number[];
  single: boolean;
}

function readFrames(op: string, logProbs: Tensor, options: CtcDecodeOptions): Frames & { blank: number } {
  if (!(logProbs instanceof Tensor) || !isFloat(logProbs.dtype) || (logProbs.ndim !== 2 && logProbs.ndim !== 3)) {
    throw new Error(`${op}: logProbs must be a float tensor [T, C] or [B, T, C] (batch first), got ${logProbs instanceof Tensor ? `${logProbs.dtype} ${shapeStr(logProbs.shape)}` : typeof logProbs}`);
  }
  const single = logProbs.ndim === 2;
  const [batch, frames, classes] = single ? [1, logProbs.shape[0]!, logProbs.shape[1]!] : (logProbs.shape as [number, number, number]);
  const blank = options.blank ?? 0;
  if (!Number.isInteger(blank) || blank < 0 || blank >= classes) throw new Error(`${op}: blank must be a class in [0, ${classes}), got ${blank}`);
  const values = Float64Array.from(logProbs.contiguous().toTypedArray() as ArrayLike<number>);
  for (let r = 0; r < batch * frames; r++) {
    let total = 0;
    for (let k = 0; k < classes; k++) total += Math.exp(values[r * classes + k]!);
    if (!(Math.abs(total - 1) < 1e-3)) {
      throw new Error(`${op}: frame ${r % frames}${single ? '' : ` of sequence ${Math.floor(r / frames)}`} sums to ${total} after exp; pass log-probabilities (F.logSoftmax over the classes)`);
    }
  }
  let lengths = new Array<number>(batch).fill(frames);
  if (options.lengths !== undefined) {
    const given = options.lengths instanceof Tensor ? Array.from(options.lengths.toTypedArray() as ArrayLike<number>) : options.lengths;
    if (!Array.isArray(given) && !(options.lengths instanceof Tensor)) throw new Error(`${op}: lengths must be an array or tensor of ${batch} frame counts`);
    if (given.length !== batch || given.some((n) => !Number.isInteger(n) || n < 0 || n > frames)) {
      throw new Error(`${op}: lengths must hold ${batch} integers in [0, ${frames}], got ${JSON.stringify(Array.from(given))}`);
    }
    lengths = Array.from(given);
  }
  return { values, batch, frames, classes, lengths, single, blank };
}

/**
 * Greedy CTC decoding: the most probable class at each frame, then repeats merged and blanks
 * dropped. Returns one hypothesis per sequence ([T, C] input: an array of one).
 */
export function ctcGreedyDecode(logProbs: Tensor, options: CtcDecodeOptions = {}): CtcHypothesis[] {
  const op = 'ctcGreedyDecode';
  if (typeof options !== 'object' || options === null) throw new Error(`${op}: options must be an object`);
  checkOptionKeys(op, options, ['blank', 'lengths']);
  const f = readFrames(op, logProbs, options);
  return Array.from({ length: f.batch }, (_, b) => {
    const tokens: number[] = [];
    let logProb = 0;
    let previous = -1;
    for (let t = 0; t < f.lengths[b]!; t++) {
      const at = (b * f.frames + t) * f.classes;
      let best = 0;
      for (let k = 1; k < f.classes; k++) if (f.values[at + k]! > f.values[at + best]!) best = k;
      logProb += f.values[at + best]!;
      if (best !== f.blank && best !== previous) tokens.push(best);
      previous = best;
    }
    return { tokens, logProb, score: logProb };
  });
}

export interface CtcBeamSearchOptions extends CtcDecodeOptions {
  /** Prefixes kept per frame (default 10). */
  beamWidth?: number;
  /** Hypotheses returned per sequence, best first (default beamWidth). */
  nBest?: number;
  /** A character language model: log P(next | prefix) of a label after a prefix of labels. */
  lm?: (prefix: readonly number[], next: number) => number;
  /** Weight alpha of the language model's log-probability (default 1 with an lm). */
  lmWeight?: number;
  /** Bonus beta added per word, words being runs of labels between `wordSeparator`s (default 0). */
  wordBonus?: number;
  /** The label that separates words (a space), needed by wordBonus. */
  wordSeparator?: number;
}

const logAdd = (a: number, b: number): number => {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
};

interface Prefix {
  tokens: number[];
  /** log P(prefix, the alignment so far ends in blank) and (ends in its last label). */
  blank: number;
  label: number;
  /** Language-model log-probability of the whole prefix (0 without an lm). */
  lm: number;
}

/**
 * CTC prefix beam search: at every frame each kept prefix is extended by every class (a blank or
 * a repeat of the last label keeps the prefix; a repeat after a blank extends it), the
 * probabilities of alignments that reach the same prefix are summed, and the beamWidth prefixes
 * with the best score are kept. With a beam wide enough to keep every prefix the result is exact:
 * the n-best label sequences by P(y|x) (plus the language model and word bonus terms).
 */
export function ctcBeamSearch(logProbs: Tensor, options: CtcBeamSearchOptions = {}): CtcHypothesis[][] {
  const op = 'ctcBeamSearch';
  if (typeof options !== 'object' || options === null) throw new Error(`${op}: options must be an object`);
  const keys = ['blank', 'lengths', 'beamWidth', 'nBest', 'lm', 'lmWeight', 'wordBonus', 'wordSeparator'];
  checkOptionKeys(op, options, keys);
  const f = readFrames(op, logProbs, options);
  const width = options.beamWidth ?? 10;
  if (!Number.isInteger(width) || width < 1) throw new Error(`${op}: beamWidth must be a positive integer, got ${width}`);
  const nBest = options.nBest ?? width;
  if (!Number.isInteger(nBest) || nBest < 1) throw new Error(`${op}: nBest must be a positive integer, got ${nBest}`);
  const lm = options.lm ?? null;
  if (lm !== null && typeof lm !== 'function') throw new Error(`${op}: lm must be a function (prefix, next) => log-probability`);
  const alpha = options.lmWeight ?? (lm === null ? 0 : 1);
  const beta = options.wordBonus ?? 0;
  if (!Number.isFinite(alpha) || !Number.isFinite(beta)) throw new Error(`${op}: lmWeight and wordBonus must be finite numbers`);
  const separator = options.wordSeparator;
  if (beta !== 0 && separator === undefined) throw new Error(`${op}: wordBonus needs wordSeparator (the label between words)`);
  if (separator !== undefined && (!Number.isInteger(separator) || separator < 0 || separator >= f.classes || separator === f.blank)) {
    throw new Error(`${op}: wordSeparator must be a non-blank class in [0, ${f.classes}), got ${separator}`);
  }
  const words = (tokens: readonly number[]): number => {
    let count = 0;
    let inWord = false;
    for (const t of tokens) {
      if (t === separator) inWord = false;
      else if (!inWord) {
        inWord = true;
        count++;
      }
    }
    return count;
  };
  const extraOf = (p: Prefix): number => alpha * p.lm + (beta === 0 ? 0 : beta * words(p.tokens));
  const total = (p: Prefix): number => logAdd(p.blank, p.label);

  return Array.from({ length: f.batch }, (_, b) => {
    let beam = new Map<string, Prefix>([['', { tokens: [], blank: 0, label: -Infinity, lm: 0 }]]);
    for (let t = 0; t < f.lengths[b]!; t++) {
      const at = (b * f.frames + t) * f.classes;
      const next = new Map<string, Prefix>();
      const entry = (tokens: number[], parent: Prefix | null, added: number | null): Prefix => {
        const key = tokens.join(',');
        let p = next.get(key);
        if (p === undefined) {
          let lmScore = parent === null ? 0 : parent.lm;
          if (added !== null && parent !== null && lm !== null) {
            const v = lm(parent.tokens, added);
            if (typeof v !== 'number' || Number.isNaN(v) || v > 1e-9) throw new Error(`${op}: lm returned ${String(v)}; it must return a log-probability (<= 0, -Infinity allowed)`);
            lmScore += v;
          }
          p = { tokens, blank: -Infinity, label: -Infinity, lm: lmScore };
          next.set(key, p);
        }
        return p;
      };
      for (const prefix of beam.values()) {
        const last = prefix.tokens.length === 0 ? -1 : prefix.tokens[prefix.tokens.length - 1]!;
        const here = total(prefix);
        for (let c = 0; c < f.classes; c++) {
          const lp = f.values[at + c]!;
          if (lp === -Infinity) continue;
          if (c === f.blank) {
            const same = entry(prefix.tokens, null, null);
            same.lm = prefix.lm;
            same.blank = logAdd(same.blank, here + lp);
          } else if (c === last) {
            const same = entry(prefix.tokens, null, null);
            same.lm = prefix.lm;
            same.label = logAdd(same.label, prefix.label + lp);
            const longer = entry([...prefix.tokens, c], prefix, c);
            longer.label = logAdd(longer.label, prefix.blank + lp);
          } else {
            const longer = entry([...prefix.tokens, c], prefix, c);
            longer.label = logAdd(longer.label, here + lp);
          }
        }
      }
      const ranked = [...next.values()].filter((p) => total(p) > -Infinity).sort((x, y) => total(y) + extraOf(y) - (total(x) + extraOf(x)));
      beam = new Map(ranked.slice(0, width).map((p) => [p.tokens.join(','), p]));
    }
    return [...beam.values()]
      .map((p) => ({ tokens: p.tokens, logProb: total(p), score: total(p) + extraOf(p) }))
      .sort((x, y) => y.score - x.score)
      .slice(0, nBest);
  });
}
