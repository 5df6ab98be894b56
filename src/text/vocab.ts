/**
 * Vocab: tokens <-> indices with special tokens first, frequency counts kept (word2vec and
 * subsampling need them), minFreq / maxSize pruning, and a JSON form.
 */
import { checkOptionKeys } from '../ops/args.js';
import { arrayOf, nullable, parseOptions, str, unchecked } from '../ops/args.js';

export const DEFAULT_SPECIALS = ['<pad>', '<unk>', '<bos>', '<eos>'] as const;

export interface VocabOptions {
  /** Leave out tokens seen fewer times (default 1). */
  minFreq?: number;
  /** At most this many entries, specials included (default: no limit); the rarest tokens go first. */
  maxSize?: number;
  /** Special tokens, at indices 0, 1, ... in this order (default ['<pad>', '<unk>', '<bos>', '<eos>']; [] for none). */
  specials?: readonly string[];
  /** The special that unknown tokens map to (default '<unk>' when it is among the specials, else none: unknown tokens throw). */
  unkToken?: string | null;
}

/** The saved form of a Vocab. */
export interface VocabJson {
  type: 'nabla.vocab';
  version: 1;
  tokens: string[];
  counts: number[];
  specials: string[];
  unkToken: string | null;
}

function isTokenArray(x: unknown): x is readonly string[] {
  return Array.isArray(x) && x.every((t) => typeof t === 'string');
}

export class Vocab {
  /** Tokens by index: the specials first, then by descending count (ties: first seen first). */
  readonly tokens: readonly string[];
  /** How often each token was seen in the data the vocabulary was built from (0 for specials not in it). */
  readonly counts: readonly number[];
  readonly specials: readonly string[];
  readonly unkToken: string | null;
  readonly #index = new Map<string, number>();

  /** A vocabulary holding exactly these tokens (counts default to 0), e.g. one read from a file. */
  constructor(tokens: readonly string[], options: { counts?: readonly number[]; specials?: readonly string[]; unkToken?: string | null } = {}, ...extra: []) {
    parseOptions('Vocab', options, { counts: unchecked, specials: arrayOf(str, 'an array of strings'), unkToken: nullable(str) }, extra);
    if (!isTokenArray(tokens)) throw new Error('Vocab: tokens must be an array of strings');
    const counts = options.counts ?? tokens.map(() => 0);
    if (!Array.isArray(counts) || counts.length !== tokens.length || !counts.every((c) => Number.isInteger(c) && c >= 0)) {
      throw new Error(`Vocab: counts must be ${tokens.length} non-negative integers, one per token`);
    }
    tokens.forEach((t, i) => {
      if (this.#index.has(t)) throw new Error(`Vocab: token ${JSON.stringify(t)} appears twice (indices ${this.#index.get(t)} and ${i})`);
      this.#index.set(t, i);
    });
    const specials = options.specials ?? [];
    if (!isTokenArray(specials)) throw new Error('Vocab: specials must be an array of strings');
    specials.forEach((s) => {
      if (!this.#index.has(s)) throw new Error(`Vocab: special ${JSON.stringify(s)} is not among the tokens`);
    });
    const unk = options.unkToken === undefined ? (specials.includes('<unk>') ? '<unk>' : null) : options.unkToken;
    if (unk !== null && !this.#index.has(unk)) throw new Error(`Vocab: unkToken ${JSON.stringify(unk)} is not among the tokens`);
    this.tokens = [...tokens];
    this.counts = [...counts];
    this.specials = [...specials];
    this.unkToken = unk;
  }

  /**
   * Builds a vocabulary from tokenized sentences (or one flat list of tokens): counts every token,
   * drops those under minFreq, sorts by descending count (ties keep first-seen order), caps at maxSize.
   */
  static build(data: Iterable<readonly string[]> | readonly string[], options: VocabOptions = {}): Vocab {
    checkOptionKeys('Vocab.build', options, ['minFreq', 'maxSize', 'specials', 'unkToken']);
    const counts = new Map<string, number>();
    const add = (t: unknown): void => {
      if (typeof t !== 'string') throw new Error(`Vocab.build: tokens must be strings, got ${t === null ? 'null' : typeof t}`);
      counts.set(t, (counts.get(t) ?? 0) + 1);
    };
    if (data === null || typeof data !== 'object' || !(Symbol.iterator in data)) throw new Error('Vocab.build: data must be an array of tokens or an iterable of token arrays');
    for (const item of data as Iterable<unknown>) {
      if (typeof item === 'string') add(item);
      else if (Array.isArray(item)) item.forEach(add);
      else throw new Error('Vocab.build: data must be an array of tokens or an iterable of token arrays (sentences)');
    }
    return Vocab.fromCounts(counts, options);
  }

  /** A vocabulary from token counts (a Map or a plain object). */
  static fromCounts(counts: ReadonlyMap<string, number> | Readonly<Record<string, number>>, options: VocabOptions = {}): Vocab {
    const minFreq = options.minFreq ?? 1;
    if (!Number.isInteger(minFreq) || minFreq < 1) throw new Error(`Vocab: minFreq must be a positive integer, got ${String(minFreq)}`);
    const specials = options.specials ?? DEFAULT_SPECIALS;
    if (!isTokenArray(specials) || new Set(specials).size !== specials.length) throw new Error('Vocab: specials must be an array of distinct strings');
    const maxSize = options.maxSize ?? Infinity;
    if (maxSize !== Infinity && (!Number.isInteger(maxSize) || maxSize < specials.length)) {
      throw new Error(`Vocab: maxSize must be an integer >= the ${specials.length} specials, got ${String(maxSize)}`);
    }
    const entries = counts instanceof Map ? [...counts.entries()] : Object.entries(counts);
    for (const [t, c] of entries) if (!Number.isInteger(c) || c < 0) throw new Error(`Vocab: the count of ${JSON.stringify(t)} must be a non-negative integer, got ${String(c)}`);
    const specialSet = new Set(specials);
    const kept = entries.filter(([t, c]) => c >= minFreq && !specialSet.has(t));
    // Array.prototype.sort is stable: equal counts keep their first-seen order.
    kept.sort((a, b) => b[1] - a[1]);
    const room = Math.max(0, maxSize - specials.length);
    const chosen = kept.slice(0, room);
    const countOf = new Map(entries);
    return new Vocab([...specials, ...chosen.map(([t]) => t)], {
      counts: [...specials.map((s) => countOf.get(s) ?? 0), ...chosen.map(([, c]) => c)],
      specials,
      ...(options.unkToken !== undefined ? { unkToken: options.unkToken } : {}),
    });
  }

  get size(): number {
    return this.tokens.length;
  }
  get length(): number {
    return this.tokens.length;
  }

  has(token: string): boolean {
    return this.#index.has(token);
  }

  /** The index of a token; unknown tokens map to unkToken's index (and throw when there is none). */
  indexOf(token: string): number {
    const i = this.#index.get(token);
    if (i !== undefined) return i;
    if (typeof token !== 'string') throw new Error(`Vocab.indexOf: expected a string token, got ${token === null ? 'null' : typeof token}`);
    if (this.unkToken === null) throw new Error(`Vocab.indexOf: unknown token ${JSON.stringify(token)} and the vocabulary has no unkToken`);
    return this.#index.get(this.unkToken)!;
  }

  /** The token at an index. */
  tokenOf(index: number): string {
    const t = Number.isInteger(index) ? this.tokens[index] : undefined;
    if (t === undefined) throw new Error(`Vocab.tokenOf: index ${String(index)} is not in [0, ${this.size})`);
    return t;
  }

  /** How often a token was seen (0 when unknown). */
  count(token: string): number {
    const i = this.#index.get(token);
    return i === undefined ? 0 : this.counts[i]!;
  }

  /** Indices of tokens, optionally with bos/eos added around them. */
  encode(tokens: readonly string[], options: { addBos?: boolean; addEos?: boolean } = {}): number[] {
    checkOptionKeys('Vocab.encode', options, ['addBos', 'addEos']);
    if (!isTokenArray(tokens)) throw new Error('Vocab.encode: expected an array of string tokens');
    const ids = tokens.map((t) => this.indexOf(t));
    if (options.addBos === true) ids.unshift(this.#special('<bos>', 'addBos'));
    if (options.addEos === true) ids.push(this.#special('<eos>', 'addEos'));
    return ids;
  }

  /** Tokens of indices; skipSpecials leaves out the special tokens. */
  decode(ids: readonly number[] | ArrayLike<number>, options: { skipSpecials?: boolean } = {}): string[] {
    checkOptionKeys('Vocab.decode', options, ['skipSpecials']);
    const skip = options.skipSpecials === true ? new Set(this.specials) : null;
    const out: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const t = this.tokenOf(ids[i]!);
      if (skip === null || !skip.has(t)) out.push(t);
    }
    return out;
  }

  #special(token: string, option: string): number {
    const i = this.#index.get(token);
    if (i === undefined) throw new Error(`Vocab.encode: ${option} needs the special token ${token} in the vocabulary`);
    return i;
  }

  /** Index of '<pad>' (or undefined when absent); likewise unkIndex, bosIndex, eosIndex. */
  get padIndex(): number | undefined {
    return this.#index.get('<pad>');
  }
  get unkIndex(): number | undefined {
    return this.unkToken === null ? undefined : this.#index.get(this.unkToken);
  }
  get bosIndex(): number | undefined {
    return this.#index.get('<bos>');
  }
  get eosIndex(): number | undefined {
    return this.#index.get('<eos>');
  }

  toJSON(): VocabJson {
    return { type: 'nabla.vocab', version: 1, tokens: [...this.tokens], counts: [...this.counts], specials: [...this.specials], unkToken: this.unkToken };
  }

  static fromJSON(json: VocabJson | string): Vocab {
    const obj = (typeof json === 'string' ? JSON.parse(json) : json) as Partial<VocabJson> | null;
    if (obj === null || typeof obj !== 'object' || obj.type !== 'nabla.vocab' || obj.version !== 1) {
      throw new Error("Vocab.fromJSON: not a saved vocabulary (expected { type: 'nabla.vocab', version: 1, ... })");
    }
    return new Vocab(obj.tokens ?? [], { counts: obj.counts ?? [], specials: obj.specials ?? [], unkToken: obj.unkToken ?? null });
  }
}
