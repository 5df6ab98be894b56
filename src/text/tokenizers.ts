/**
 * Tokenizers: characters, words (a documented regular expression), whitespace, and a trainable
 * byte-level byte-pair encoding whose encode/decode round-trips any string exactly.
 */
import { concatBytes } from './util.js';
import { checkOptionKeys, requireOptions } from '../ops/args.js';

/** Anything that turns a text into tokens. */
export interface Tokenizer {
  tokenize(text: string): string[];
}

function checkText(name: string, text: unknown): asserts text is string {
  if (typeof text !== 'string') throw new Error(`${name}: expected a string, got ${text === null ? 'null' : typeof text}`);
}

function checkEnum<T extends string>(name: string, option: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw new Error(`${name}: ${option} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** Splits a text into its characters (Unicode code points, so an emoji or a surrogate pair is one token). */
export class CharTokenizer implements Tokenizer {
  readonly lowercase: boolean;
  constructor(options: { lowercase?: boolean } = {}) {
    checkOptionKeys('CharTokenizer', options, ['lowercase']);
    this.lowercase = options.lowercase ?? false;
  }
  tokenize(text: string): string[] {
    checkText('CharTokenizer.tokenize', text);
    return Array.from(this.lowercase ? text.toLowerCase() : text);
  }
  /** Joins characters back into the text. */
  detokenize(tokens: readonly string[]): string {
    return tokens.join('');
  }
}

/** Splits on runs of white space (spaces, tabs, newlines); nothing else is touched. */
export class WhitespaceTokenizer implements Tokenizer {
  readonly lowercase: boolean;
  constructor(options: { lowercase?: boolean } = {}) {
    checkOptionKeys('WhitespaceTokenizer', options, ['lowercase']);
    this.lowercase = options.lowercase ?? false;
  }
  tokenize(text: string): string[] {
    checkText('WhitespaceTokenizer.tokenize', text);
    const parts = (this.lowercase ? text.toLowerCase() : text).split(/\s+/u);
    return parts.filter((p) => p.length > 0);
  }
}

export interface WordTokenizerOptions {
  /** Lower-case the text first (default false). */
  lowercase?: boolean;
  /** Punctuation marks as tokens of their own ('keep', the default) or left out ('drop'). */
  punctuation?: 'keep' | 'drop';
  /** Numbers as tokens ('keep', the default), left out ('drop'), or each replaced by numberToken ('replace'). */
  numbers?: 'keep' | 'drop' | 'replace';
  /** What 'replace' puts in place of a number (default '<num>'). */
  numberToken?: string;
}

/**
 * The word pattern, in three alternatives tried in order at each position:
 *   words:       letters (with combining marks), inner apostrophes kept: `don't`, `LORD's`
 *   numbers:     digits, with inner `.` or `,` groups: `3`, `3.14`, `1,000`
 *   punctuation: any single other character that is not white space: `,` `.` `;` `-`
 * White space separates tokens and is never a token.
 */
export const WORD_PATTERN = /([\p{L}\p{M}]+(?:['\u2019][\p{L}\p{M}]+)*)|(\p{N}+(?:[.,]\p{N}+)*)|([^\s\p{L}\p{M}\p{N}])/gu;

/** Words, numbers and punctuation by WORD_PATTERN. */
export class WordTokenizer implements Tokenizer {
  readonly lowercase: boolean;
  readonly punctuation: 'keep' | 'drop';
  readonly numbers: 'keep' | 'drop' | 'replace';
  readonly numberToken: string;
  constructor(options: WordTokenizerOptions = {}) {
    checkOptionKeys('WordTokenizer', options, ['lowercase', 'punctuation', 'numbers', 'numberToken']);
    this.lowercase = options.lowercase ?? false;
    if (typeof this.lowercase !== 'boolean') throw new Error('WordTokenizer: lowercase must be a boolean');
    this.punctuation = checkEnum('WordTokenizer', 'punctuation', options.punctuation, ['keep', 'drop'], 'keep');
    this.numbers = checkEnum('WordTokenizer', 'numbers', options.numbers, ['keep', 'drop', 'replace'], 'keep');
    this.numberToken = options.numberToken ?? '<num>';
    if (typeof this.numberToken !== 'string' || this.numberToken.length === 0) throw new Error('WordTokenizer: numberToken must be a non-empty string');
  }
  tokenize(text: string): string[] {
    checkText('WordTokenizer.tokenize', text);
    const source = this.lowercase ? text.toLowerCase() : text;
    const tokens: string[] = [];
    for (const m of source.matchAll(WORD_PATTERN)) {
      if (m[1] !== undefined) tokens.push(m[1]);
      else if (m[2] !== undefined) {
        if (this.numbers === 'keep') tokens.push(m[2]);
        else if (this.numbers === 'replace') tokens.push(this.numberToken);
      } else if (this.punctuation === 'keep') tokens.push(m[3]!);
    }
    return tokens;
  }
}

/**
 * How BPE cuts a text into chunks before merging (GPT-2's idea): a word or number keeps the one
 * space before it, so merges never cross words and a chunk's bytes always come back in order.
 */
const BPE_CHUNK = / ?[\p{L}\p{M}]+| ?\p{N}+| ?[^\s\p{L}\p{M}\p{N}]+|\s+(?!\S)|\s+/gu;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/** The saved form of a BPETokenizer. */
export interface BPEJson {
  type: 'nabla.bpe';
  version: 1;
  /** Merges in the order learnt: merge i makes token 256 + i from the pair [left, right]. */
  merges: [number, number][];
}

/**
 * Byte-level byte-pair encoding (Sennrich et al. 2016 on UTF-8 bytes, as GPT-2): tokens 0..255 are
 * the bytes, token 256 + i is merge i. Any string encodes, and decode(encode(s)) === s.
 */
export class BPETokenizer implements Tokenizer {
  readonly merges: readonly (readonly [number, number])[];
  readonly #rank = new Map<number, number>();
  readonly #bytes: Uint8Array[] = [];
  readonly #cache = new Map<string, number[]>();

  constructor(merges: readonly (readonly [number, number])[] = []) {
    if (!Array.isArray(merges)) throw new Error('BPETokenizer: merges must be an array of [left, right] token pairs');
    for (let i = 0; i < 256; i++) this.#bytes.push(Uint8Array.of(i));
    merges.forEach((pair, i) => {
      const ok = Array.isArray(pair) && pair.length === 2 && pair.every((t) => Number.isInteger(t) && t >= 0 && t < 256 + i);
      if (!ok) throw new Error(`BPETokenizer: merge ${i} must be a pair of token ids below ${256 + i}, got ${JSON.stringify(pair)}`);
      const [a, b] = pair;
      this.#rank.set(a * 0x100000 + b, i);
      const left = this.#bytes[a]!;
      const right = this.#bytes[b]!;
      const joined = new Uint8Array(left.length + right.length);
      joined.set(left);
      joined.set(right, left.length);
      this.#bytes.push(joined);
    });
    this.merges = merges.map(([a, b]) => [a, b] as const);
  }

  /** 256 byte tokens plus one per merge. */
  get vocabSize(): number {
    return 256 + this.merges.length;
  }

  /**
   * Learns merges on a corpus until the vocabulary has vocabSize tokens (or no pair occurs twice):
   * each step merges the most frequent adjacent pair (ties: the pair with the smaller ids).
   */
  static train(corpus: string | readonly string[], options: { vocabSize: number; minFrequency?: number }): BPETokenizer {
    requireOptions('BPETokenizer.train', options, ['vocabSize', 'minFrequency?']);
    checkOptionKeys('BPETokenizer.train', options, ['vocabSize', 'minFrequency']);
    const texts = typeof corpus === 'string' ? [corpus] : corpus;
    if (!Array.isArray(texts) || !texts.every((t) => typeof t === 'string')) throw new Error('BPETokenizer.train: corpus must be a string or an array of strings');
    const vocabSize = options?.vocabSize;
    if (!Number.isInteger(vocabSize) || vocabSize < 256) throw new Error(`BPETokenizer.train: vocabSize must be an integer >= 256 (the byte tokens), got ${String(vocabSize)}`);
    const minFrequency = options.minFrequency ?? 2;
    if (!Number.isInteger(minFrequency) || minFrequency < 1) throw new Error(`BPETokenizer.train: minFrequency must be a positive integer, got ${String(minFrequency)}`);
    const chunkCounts = new Map<string, number>();
    for (const text of texts) for (const m of text.matchAll(BPE_CHUNK)) chunkCounts.set(m[0], (chunkCounts.get(m[0]) ?? 0) + 1);
    const words: number[][] = [];
    const counts: number[] = [];
    for (const [chunk, count] of chunkCounts) {
      words.push(Array.from(encoder.encode(chunk)));
      counts.push(count);
    }
    const merges: [number, number][] = [];
    while (256 + merges.length < vocabSize) {
      const pairCounts = new Map<number, number>();
      for (let w = 0; w < words.length; w++) {
        const word = words[w]!;
        const c = counts[w]!;
        for (let i = 0; i + 1 < word.length; i++) {
          const key = word[i]! * 0x100000 + word[i + 1]!;
          pairCounts.set(key, (pairCounts.get(key) ?? 0) + c);
        }
      }
      let best = -1;
      let bestCount = 0;
      for (const [key, c] of pairCounts) if (c > bestCount || (c === bestCount && key < best)) [best, bestCount] = [key, c];
      if (best < 0 || bestCount < minFrequency) break;
      const a = Math.floor(best / 0x100000);
      const b = best % 0x100000;
      const token = 256 + merges.length;
      merges.push([a, b]);
      for (let w = 0; w < words.length; w++) words[w] = mergePair(words[w]!, a, b, token);
    }
    return new BPETokenizer(merges);
  }

  /** Token ids of a text. */
  encode(text: string): number[] {
    checkText('BPETokenizer.encode', text);
    const ids: number[] = [];
    for (const m of text.matchAll(BPE_CHUNK)) {
      let chunkIds = this.#cache.get(m[0]);
      if (chunkIds === undefined) {
        chunkIds = this.#encodeChunk(Array.from(encoder.encode(m[0])));
        if (this.#cache.size < 100_000) this.#cache.set(m[0], chunkIds);
      }
      for (const id of chunkIds) ids.push(id);
    }
    return ids;
  }

  #encodeChunk(word: number[]): number[] {
    for (;;) {
      let bestRank = Infinity;
      let bestPair: [number, number] | null = null;
      for (let i = 0; i + 1 < word.length; i++) {
        const rank = this.#rank.get(word[i]! * 0x100000 + word[i + 1]!);
        if (rank !== undefined && rank < bestRank) [bestRank, bestPair] = [rank, [word[i]!, word[i + 1]!]];
      }
      if (bestPair === null) return word;
      word = mergePair(word, bestPair[0], bestPair[1], 256 + bestRank);
    }
  }

  /** The text of token ids (the exact inverse of encode). */
  decode(ids: readonly number[]): string {
    if (!Array.isArray(ids)) throw new Error('BPETokenizer.decode: expected an array of token ids');
    return decoder.decode(this.#concat(ids));
  }

  #concat(ids: readonly number[]): Uint8Array {
    const parts = ids.map((id, i) => {
      const bytes = Number.isInteger(id) ? this.#bytes[id] : undefined;
      if (bytes === undefined) throw new Error(`BPETokenizer.decode: token ${i} is ${String(id)}, not an id in [0, ${this.vocabSize})`);
      return bytes;
    });
    return concatBytes(parts);
  }

  /** The tokens of a text as strings (a token that cuts a multi-byte character shows U+FFFD). */
  tokenize(text: string): string[] {
    return this.encode(text).map((id) => decoder.decode(this.#bytes[id]!));
  }

  toJSON(): BPEJson {
    return { type: 'nabla.bpe', version: 1, merges: this.merges.map(([a, b]) => [a, b]) };
  }

  /** A tokenizer from toJSON's object or its JSON text. */
  static fromJSON(json: BPEJson | string): BPETokenizer {
    const obj = (typeof json === 'string' ? JSON.parse(json) : json) as Partial<BPEJson> | null;
    if (obj === null || typeof obj !== 'object' || obj.type !== 'nabla.bpe' || obj.version !== 1 || !Array.isArray(obj.merges)) {
      throw new Error("BPETokenizer.fromJSON: not a saved BPE tokenizer (expected { type: 'nabla.bpe', version: 1, merges })");
    }
    return new BPETokenizer(obj.merges);
  }
}

function mergePair(word: number[], a: number, b: number, token: number): number[] {
  let i = 0;
  for (; i + 1 < word.length; i++) if (word[i] === a && word[i + 1] === b) break;
  if (i + 1 >= word.length) return word;
  const out = word.slice(0, i);
  while (i < word.length) {
    if (i + 1 < word.length && word[i] === a && word[i + 1] === b) {
      out.push(token);
      i += 2;
    } else out.push(word[i++]!);
  }
  return out;
}
