/**
 * KeyedVectors: words and their vectors (gensim's KeyedVectors): cosine similarity, nearest
 * neighbours, 3CosAdd and 3CosMul analogies, doesntMatch, the questions-words analogy evaluator,
 * and the word2vec text/binary and GloVe text formats (parsed from and written to strings and bytes).
 */
import { Tensor } from '../tensor/tensor.js';
import { concatBytes } from './util.js';
import { checkOptionKeys, requireOptions } from '../ops/args.js';

export interface MostSimilarOptions {
  /** Words (or vectors) that pull: their unit vectors are added. */
  positive?: readonly (string | Float32Array)[];
  /** Words (or vectors) that push: their unit vectors are subtracted. */
  negative?: readonly (string | Float32Array)[];
  /** How many neighbours (default 10). */
  topn?: number;
  /** Search only the first restrictVocab words (the most frequent, in a trained model). */
  restrictVocab?: number;
}

/** A neighbour: the word and its score (cosine similarity, or 3CosMul's ratio). */
export type Scored = [word: string, score: number];

export interface AnalogySection {
  section: string;
  correct: number;
  incorrect: number;
  /** correct / (correct + incorrect), NaN when nothing was evaluated. */
  accuracy: number;
}

export interface AnalogyResult {
  /** Accuracy over every evaluated question (questions with an unknown word are skipped, as gensim). */
  accuracy: number;
  correct: number;
  incorrect: number;
  /** Questions skipped because a word is not among the first restrictVocab words. */
  skipped: number;
  sections: AnalogySection[];
}

export interface AnalogyOptions {
  /** Questions only over the first restrictVocab words (default 300000, as gensim). */
  restrictVocab?: number;
  /** Compare upper-cased words (default true, as gensim). */
  caseInsensitive?: boolean;
  /** '3CosAdd' (mostSimilar, the default and gensim's) or '3CosMul' (mostSimilarCosmul). */
  method?: '3CosAdd' | '3CosMul';
}

export class KeyedVectors {
  readonly vectorSize: number;
  /** Words by index. */
  readonly indexToKey: readonly string[];
  /** Row-major [words, vectorSize]. */
  readonly vectors: Float32Array;
  /** Counts per word when known (a trained model's), else zeros. */
  readonly counts: readonly number[];
  readonly #keyToIndex = new Map<string, number>();
  #norms: Float32Array | null = null;

  constructor(keys: readonly string[], vectors: Float32Array, vectorSize: number, counts?: readonly number[]) {
    if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) throw new Error('KeyedVectors: keys must be an array of strings');
    if (!Number.isInteger(vectorSize) || vectorSize < 1) throw new Error(`KeyedVectors: vectorSize must be a positive integer, got ${String(vectorSize)}`);
    if (!(vectors instanceof Float32Array) || vectors.length !== keys.length * vectorSize) {
      throw new Error(`KeyedVectors: vectors must be a Float32Array of ${keys.length} x ${vectorSize} values`);
    }
    keys.forEach((k, i) => {
      if (!this.#keyToIndex.has(k)) this.#keyToIndex.set(k, i);
    });
    this.indexToKey = [...keys];
    this.vectors = vectors;
    this.vectorSize = vectorSize;
    this.counts = counts !== undefined ? [...counts] : keys.map(() => 0);
  }

  get size(): number {
    return this.indexToKey.length;
  }

  has(word: string): boolean {
    return this.#keyToIndex.has(word);
  }

  /** The index of a word; throws a clear error for unknown words. */
  indexOf(word: string): number {
    const i = this.#keyToIndex.get(word);
    if (i === undefined) {
      if (typeof word !== 'string') throw new Error(`KeyedVectors: expected a word (string), got ${word === null ? 'null' : typeof word}`);
      throw new Error(`KeyedVectors: word ${JSON.stringify(word)} not in vocabulary (${this.size} words)`);
    }
    return i;
  }

  /** A word's vector (a copy); norm: true gives it unit length. */
  getVector(word: string, options: { norm?: boolean } = {}): Float32Array {
    checkOptionKeys('KeyedVectors.getVector', options, ['norm']);
    const i = this.indexOf(word);
    const v = this.vectors.slice(i * this.vectorSize, (i + 1) * this.vectorSize);
    if (options.norm === true) {
      const n = this.#unitNorms()[i]!;
      for (let k = 0; k < v.length; k++) v[k]! /= n;
    }
    return v;
  }

  /** The vectors as a float32 tensor [words, vectorSize] (e.g. for nn.Embedding.fromPretrained). */
  toTensor(): Tensor {
    return Tensor.fromData(this.vectors.slice(), [this.size, this.vectorSize], 'float32');
  }

  /**
   * An embedding matrix for a vocabulary (for nn.Embedding.fromPretrained): row i is the vector
   * of vocab's token i, or zeros where the token has none (specials, unknown words).
   */
  toEmbeddingMatrix(vocab: { readonly tokens: readonly string[] }): Tensor {
    if (vocab === null || typeof vocab !== 'object' || !Array.isArray(vocab.tokens)) throw new Error('KeyedVectors.toEmbeddingMatrix: expected a Vocab');
    const d = this.vectorSize;
    const out = new Float32Array(vocab.tokens.length * d);
    vocab.tokens.forEach((token, row) => {
      const i = this.#keyToIndex.get(token);
      if (i !== undefined) out.set(this.vectors.subarray(i * d, (i + 1) * d), row * d);
    });
    return Tensor.fromData(out, [vocab.tokens.length, d], 'float32');
  }

  /** L2 norm of every row (a zero row counts as 1 so it stays zero after dividing). */
  #unitNorms(): Float32Array {
    if (this.#norms === null) {
      const d = this.vectorSize;
      const norms = new Float32Array(this.size);
      for (let i = 0; i < this.size; i++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += this.vectors[i * d + k]! ** 2;
        norms[i] = s > 0 ? Math.sqrt(s) : 1;
      }
      this.#norms = norms;
    }
    return this.#norms;
  }

  /** Cosine similarity of two words. */
  similarity(a: string, b: string): number {
    const i = this.indexOf(a);
    const j = this.indexOf(b);
    const d = this.vectorSize;
    let s = 0;
    for (let k = 0; k < d; k++) s += this.vectors[i * d + k]! * this.vectors[j * d + k]!;
    const norms = this.#unitNorms();
    return s / (norms[i]! * norms[j]!);
  }

  #unit(term: string | Float32Array, name: string): Float64Array {
    const d = this.vectorSize;
    const out = new Float64Array(d);
    if (typeof term === 'string') {
      const i = this.indexOf(term);
      const n = this.#unitNorms()[i]!;
      for (let k = 0; k < d; k++) out[k] = this.vectors[i * d + k]! / n;
    } else if (term instanceof Float32Array && term.length === d) {
      let s = 0;
      for (let k = 0; k < d; k++) s += term[k]! ** 2;
      const n = s > 0 ? Math.sqrt(s) : 1;
      for (let k = 0; k < d; k++) out[k] = term[k]! / n;
    } else {
      throw new Error(`KeyedVectors.${name}: each term must be a word or a Float32Array of ${d} values`);
    }
    return out;
  }

  /** Cosine similarity of every word (up to limit) to a vector, as unit vectors. */
  #cosines(unit: Float64Array, limit: number): Float64Array {
    const d = this.vectorSize;
    const norms = this.#unitNorms();
    const out = new Float64Array(limit);
    for (let i = 0; i < limit; i++) {
      let s = 0;
      const row = i * d;
      for (let k = 0; k < d; k++) s += this.vectors[row + k]! * unit[k]!;
      out[i] = s / norms[i]!;
    }
    return out;
  }

  #parseSimilarOptions(name: string, options: MostSimilarOptions): { positive: (string | Float32Array)[]; negative: (string | Float32Array)[]; topn: number; limit: number } {
    requireOptions(`KeyedVectors.${name}`, options, ['positive?', 'negative?', 'topn?', 'restrictVocab?']);
    checkOptionKeys(`KeyedVectors.${name}`, options, ['positive', 'negative', 'topn', 'restrictVocab']);
    const positive = [...(options.positive ?? [])];
    const negative = [...(options.negative ?? [])];
    if (positive.length + negative.length === 0) throw new Error(`KeyedVectors.${name}: give at least one positive or negative word`);
    const topn = options.topn ?? 10;
    if (!Number.isInteger(topn) || topn < 1) throw new Error(`KeyedVectors.${name}: topn must be a positive integer, got ${String(topn)}`);
    const restrict = options.restrictVocab ?? this.size;
    if (!Number.isInteger(restrict) || restrict < 1) throw new Error(`KeyedVectors.${name}: restrictVocab must be a positive integer, got ${String(restrict)}`);
    return { positive, negative, topn, limit: Math.min(restrict, this.size) };
  }

  #top(scores: Float64Array, exclude: Set<number>, topn: number): Scored[] {
    const order: number[] = [];
    for (let i = 0; i < scores.length; i++) if (!exclude.has(i)) order.push(i);
    order.sort((a, b) => scores[b]! - scores[a]! || a - b);
    return order.slice(0, topn).map((i) => [this.indexToKey[i]!, scores[i]!]);
  }

  /**
   * The words nearest to the mean of the positive unit vectors minus the negative ones (3CosAdd:
   * king - man + woman with positive ['king', 'woman'], negative ['man']); the query words are left out.
   */
  mostSimilar(options: MostSimilarOptions): Scored[] {
    const { positive, negative, topn, limit } = this.#parseSimilarOptions('mostSimilar', options);
    const d = this.vectorSize;
    const mean = new Float64Array(d);
    for (const [terms, sign] of [[positive, 1], [negative, -1]] as const) {
      for (const term of terms) {
        const u = this.#unit(term, 'mostSimilar');
        for (let k = 0; k < d; k++) mean[k]! += sign * u[k]!;
      }
    }
    const count = positive.length + negative.length;
    for (let k = 0; k < d; k++) mean[k]! /= count;
    const unit = this.#unit(Float32Array.from(mean), 'mostSimilar');
    return this.#top(this.#cosines(unit, limit), this.#queryIndices(positive, negative), topn);
  }

  /**
   * 3CosMul (Levy & Goldberg 2014, gensim's most_similar_cosmul): scores
   * prod((1 + cos(w, p)) / 2) / (prod((1 + cos(w, n)) / 2) + 1e-6). Unlike gensim 4.2, which
   * ignores it here, restrictVocab limits the search as in mostSimilar.
   */
  mostSimilarCosmul(options: MostSimilarOptions): Scored[] {
    const { positive, negative, topn, limit } = this.#parseSimilarOptions('mostSimilarCosmul', options);
    if (positive.length === 0) throw new Error('KeyedVectors.mostSimilarCosmul: 3CosMul needs at least one positive word');
    const scores = new Float64Array(limit).fill(1);
    const denominators = new Float64Array(limit).fill(1);
    for (const term of positive) {
      const c = this.#cosines(this.#unit(term, 'mostSimilarCosmul'), limit);
      for (let i = 0; i < limit; i++) scores[i]! *= (1 + c[i]!) / 2;
    }
    for (const term of negative) {
      const c = this.#cosines(this.#unit(term, 'mostSimilarCosmul'), limit);
      for (let i = 0; i < limit; i++) denominators[i]! *= (1 + c[i]!) / 2;
    }
    for (let i = 0; i < limit; i++) scores[i] = scores[i]! / (denominators[i]! + 1e-6);
    return this.#top(scores, this.#queryIndices(positive, negative), topn);
  }

  #queryIndices(positive: readonly (string | Float32Array)[], negative: readonly (string | Float32Array)[]): Set<number> {
    return new Set([...positive, ...negative].filter((t): t is string => typeof t === 'string').map((w) => this.indexOf(w)));
  }

  /** The word furthest from the mean of the words' unit vectors (unknown words are ignored, as gensim). */
  doesntMatch(words: readonly string[]): string {
    if (!Array.isArray(words)) throw new Error('KeyedVectors.doesntMatch: expected an array of words');
    const used = words.filter((w) => this.has(w));
    if (used.length === 0) throw new Error('KeyedVectors.doesntMatch: none of the words is in the vocabulary');
    const d = this.vectorSize;
    const units = used.map((w) => this.#unit(w, 'doesntMatch'));
    const mean = new Float32Array(d);
    for (const u of units) for (let k = 0; k < d; k++) mean[k]! += u[k]! / units.length;
    const m = this.#unit(mean, 'doesntMatch');
    let worst = 0;
    let worstScore = Infinity;
    units.forEach((u, i) => {
      let s = 0;
      for (let k = 0; k < d; k++) s += u[k]! * m[k]!;
      if (s < worstScore) [worst, worstScore] = [i, s];
    });
    return used[worst]!;
  }

  /**
   * Accuracy on analogy questions in questions-words.txt format (": section" lines, then lines
   * "a b c d" asking a : b = c : ?d), as gensim's evaluate_word_analogies: the answer is the best
   * of mostSimilar({ positive: [b, c], negative: [a] }) among the first restrictVocab words.
   */
  evaluateAnalogies(questions: string, options: AnalogyOptions = {}): AnalogyResult {
    if (typeof questions !== 'string') throw new Error('KeyedVectors.evaluateAnalogies: expected the questions file text as a string');
    checkOptionKeys('KeyedVectors.evaluateAnalogies', options, ['restrictVocab', 'caseInsensitive', 'method']);
    const restrict = Math.min(options.restrictVocab ?? 300000, this.size);
    const caseInsensitive = options.caseInsensitive ?? true;
    const method = options.method ?? '3CosAdd';
    if (method !== '3CosAdd' && method !== '3CosMul') throw new Error(`KeyedVectors.evaluateAnalogies: method must be '3CosAdd' or '3CosMul', got ${String(method)}`);
    // Upper-cased keys: the most frequent spelling wins (gensim builds the map in reverse order).
    const okVocab = new Map<string, string>();
    for (let i = restrict - 1; i >= 0; i--) {
      const key = this.indexToKey[i]!;
      okVocab.set(caseInsensitive ? key.toUpperCase() : key, key);
    }
    const sections: AnalogySection[] = [];
    let current: AnalogySection | null = null;
    let skipped = 0;
    questions.split(/\r?\n/).forEach((raw, lineNo) => {
      const line = raw.trim();
      if (line.length === 0) return;
      if (line.startsWith(':')) {
        current = { section: line.slice(1).trim(), correct: 0, incorrect: 0, accuracy: NaN };
        sections.push(current);
        return;
      }
      if (current === null) throw new Error(`KeyedVectors.evaluateAnalogies: line ${lineNo + 1} comes before the first ': section' line`);
      const parts = (caseInsensitive ? line.toUpperCase() : line).split(/\s+/);
      if (parts.length !== 4) throw new Error(`KeyedVectors.evaluateAnalogies: line ${lineNo + 1} must hold 4 words, got ${JSON.stringify(raw)}`);
      const words = parts.map((p) => okVocab.get(p));
      if (words.some((w) => w === undefined)) {
        skipped++;
        return;
      }
      const [a, b, c] = words as string[];
      const query = { positive: [b!, c!], negative: [a!], topn: 5, restrictVocab: restrict };
      const sims = method === '3CosAdd' ? this.mostSimilar(query) : this.mostSimilarCosmul(query);
      const ignore = new Set(parts.slice(0, 3));
      const section = current as AnalogySection;
      let answered = false;
      for (const [word] of sims) {
        const predicted = caseInsensitive ? word.toUpperCase() : word;
        if (okVocab.has(predicted) && !ignore.has(predicted)) {
          if (predicted === parts[3]) section.correct++;
          else section.incorrect++;
          answered = true;
          break;
        }
      }
      if (!answered) section.incorrect++;
    });
    for (const s of sections) s.accuracy = s.correct / (s.correct + s.incorrect);
    const correct = sections.reduce((n, s) => n + s.correct, 0);
    const incorrect = sections.reduce((n, s) => n + s.incorrect, 0);
    return { accuracy: correct / (correct + incorrect), correct, incorrect, skipped, sections };
  }

  /** The word2vec text format: a "words dims" header, then "word v1 v2 ..." per line. */
  toWord2VecText(): string {
    return `${this.size} ${this.vectorSize}\n${this.#lines()}`;
  }

  /** The GloVe text format: "word v1 v2 ..." per line, no header. */
  toGloveText(): string {
    return this.#lines();
  }

  #lines(): string {
    const d = this.vectorSize;
    const lines: string[] = [];
    for (let i = 0; i < this.size; i++) {
      const values: string[] = [];
      // 9 significant digits give back the same float32.
      for (let k = 0; k < d; k++) values.push(String(Number(this.vectors[i * d + k]!.toPrecision(9))));
      lines.push(`${this.indexToKey[i]} ${values.join(' ')}\n`);
    }
    return lines.join('');
  }

  /** word2vec.c's binary format: the text header, then per word "word " and dims little-endian float32s and "\n". */
  toWord2VecBinary(): Uint8Array {
    const encoder = new TextEncoder();
    const d = this.vectorSize;
    const parts: Uint8Array[] = [encoder.encode(`${this.size} ${d}\n`)];
    for (let i = 0; i < this.size; i++) {
      parts.push(encoder.encode(`${this.indexToKey[i]} `));
      const bytes = new Uint8Array(d * 4);
      const view = new DataView(bytes.buffer);
      for (let k = 0; k < d; k++) view.setFloat32(k * 4, this.vectors[i * d + k]!, true);
      parts.push(bytes, Uint8Array.of(10));
    }
    return concatBytes(parts);
  }

  /** Parses the word2vec text format (header "words dims"); limit reads only the first words. */
  static fromWord2VecText(text: string, options: { limit?: number } = {}): KeyedVectors {
    checkOptionKeys('KeyedVectors.fromWord2VecText', options, ['limit']);
    if (typeof text !== 'string') throw new Error('KeyedVectors.fromWord2VecText: expected the file text as a string');
    const newline = text.indexOf('\n');
    const header = (newline < 0 ? text : text.slice(0, newline)).trim().split(/\s+/).map(Number);
    if (header.length !== 2 || !header.every((n) => Number.isInteger(n) && n >= 0) || header[1] === 0) {
      throw new Error(`KeyedVectors.fromWord2VecText: the first line must be "words dims", got ${JSON.stringify(text.slice(0, Math.min(40, newline < 0 ? 40 : newline)))}`);
    }
    return parseVectorLines('fromWord2VecText', text.slice(newline + 1), header[1]!, Math.min(header[0]!, options.limit ?? Infinity), header[0]!);
  }

  /** Parses the GloVe text format (no header; the dimension is read from the first line). */
  static fromGloveText(text: string, options: { limit?: number } = {}): KeyedVectors {
    checkOptionKeys('KeyedVectors.fromGloveText', options, ['limit']);
    if (typeof text !== 'string') throw new Error('KeyedVectors.fromGloveText: expected the file text as a string');
    const first = text.slice(0, text.indexOf('\n') < 0 ? text.length : text.indexOf('\n')).trim().split(' ');
    if (first.length < 2) throw new Error('KeyedVectors.fromGloveText: the first line must be a word followed by its values');
    return parseVectorLines('fromGloveText', text, first.length - 1, options.limit ?? Infinity, null);
  }

  /** Parses word2vec.c's binary format (as written by toWord2VecBinary or gensim's save_word2vec_format(binary=True)). */
  static fromWord2VecBinary(bytes: Uint8Array, options: { limit?: number } = {}): KeyedVectors {
    checkOptionKeys('KeyedVectors.fromWord2VecBinary', options, ['limit']);
    if (!(bytes instanceof Uint8Array)) throw new Error('KeyedVectors.fromWord2VecBinary: expected the file bytes as a Uint8Array');
    const decoder = new TextDecoder('utf-8');
    const headerEnd = bytes.indexOf(10);
    const header = headerEnd < 0 ? [] : decoder.decode(bytes.subarray(0, headerEnd)).trim().split(/\s+/).map(Number);
    if (header.length !== 2 || !header.every((n) => Number.isInteger(n) && n >= 0) || header[1] === 0) {
      throw new Error('KeyedVectors.fromWord2VecBinary: the first line must be "words dims"');
    }
    const [total, d] = header as [number, number];
    const count = Math.min(total, options.limit ?? Infinity);
    const keys: string[] = [];
    const vectors = new Float32Array(count * d);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = headerEnd + 1;
    for (let i = 0; i < count; i++) {
      while (at < bytes.length && (bytes[at] === 10 || bytes[at] === 13)) at++;
      const space = bytes.indexOf(32, at);
      if (space < 0 || space + 1 + d * 4 > bytes.length) {
        throw new Error(`KeyedVectors.fromWord2VecBinary: the file ends inside word ${i + 1} of ${total} (truncated?)`);
      }
      keys.push(decoder.decode(bytes.subarray(at, space)));
      for (let k = 0; k < d; k++) vectors[i * d + k] = view.getFloat32(space + 1 + k * 4, true);
      at = space + 1 + d * 4;
    }
    return new KeyedVectors(keys, vectors, d);
  }
}

function parseVectorLines(name: string, body: string, d: number, limit: number, expected: number | null): KeyedVectors {
  return vectorsFromLines(`KeyedVectors.${name}`, body.split('\n'), { dims: d, limit, expected, firstLine: expected === null ? 1 : 2 });
}

/**
 * Word vectors from "word v1 v2 ..." lines (the body of the word2vec text and GloVe formats):
 * dims from the first line when not given, at most `limit` words, and `expected` words when the
 * header promised a count. Lines can come from a file read piece by piece (text/node.ts).
 */
export function vectorsFromLines(
  name: string,
  lines: Iterable<string>,
  options: { dims?: number; limit?: number; expected?: number | null; firstLine?: number },
): KeyedVectors {
  const limit = options.limit ?? Infinity;
  if (limit !== Infinity && (!Number.isInteger(limit) || limit < 0)) throw new Error(`${name}: limit must be a non-negative integer, got ${String(limit)}`);
  const expected = options.expected ?? null;
  let d = options.dims ?? 0;
  const keys: string[] = [];
  let values = new Float32Array(expected !== null ? Math.min(expected, limit) * d : 1024);
  let lineNo = (options.firstLine ?? 1) - 1;
  for (const raw of lines) {
    lineNo++;
    if (keys.length >= limit) break;
    const line = raw.trimEnd();
    if (line.length === 0) continue;
    const parts = line.split(' ');
    if (d === 0) {
      d = parts.length - 1;
      if (d < 1) throw new Error(`${name}: line ${lineNo} must be a word followed by its values`);
    }
    if (parts.length !== d + 1) throw new Error(`${name}: line ${lineNo} has ${parts.length - 1} values, expected ${d}`);
    const at = keys.length * d;
    if (at + d > values.length) {
      const grown = new Float32Array(Math.max(2 * values.length, at + d));
      grown.set(values);
      values = grown;
    }
    for (let k = 1; k <= d; k++) {
      const v = Number(parts[k]);
      if (!Number.isFinite(v) || parts[k] === '') throw new Error(`${name}: line ${lineNo} has a value ${JSON.stringify(parts[k])} that is not a number`);
      values[at + k - 1] = v;
    }
    keys.push(parts[0]!);
  }
  if (expected !== null && keys.length < Math.min(expected, limit)) {
    throw new Error(`${name}: the header promises ${expected} words but the file holds ${keys.length}`);
  }
  if (d === 0) throw new Error(`${name}: the file holds no vectors`);
  return new KeyedVectors(keys, values.slice(0, keys.length * d), d);
}
