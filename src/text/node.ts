/// <reference types="node" />
/** Node-only text helpers: corpora and vector files read from and written to paths. */
import { closeSync, openSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { KeyedVectors, vectorsFromLines } from './keyed-vectors.js';
import { KJV_HEADING, tokenizeLines, type CorpusOptions } from './corpus.js';
import { checkOptionKeys } from '../ops/args.js';

/** A UTF-8 text file's contents. */
export function readTextFile(path: string): string {
  if (typeof path !== 'string' || path.length === 0) throw new Error('readTextFile: expected a file path');
  return readFileSync(path, 'utf8');
}

/** A plain-text corpus as one token array per non-empty line (options as tokenizeLines). */
export function readCorpus(path: string, options: CorpusOptions = {}): string[][] {
  return tokenizeLines(readTextFile(path), options);
}

/**
 * The King James Bible as the shared datasets hold it (one verse per line, chapter headings
 * left out): lower-cased words without punctuation, unless another tokenizer is given.
 */
export function readKjv(path: string, options: Omit<CorpusOptions, 'skip'> = {}): string[][] {
  return tokenizeLines(readTextFile(path), { ...options, skip: KJV_HEADING });
}

/** The vector file formats: word2vec text (header line), word2vec.c binary, GloVe text (no header). */
export type VectorFormat = 'word2vec' | 'word2vec-binary' | 'glove';

function checkFormat(name: string, format: unknown): VectorFormat {
  if (format !== 'word2vec' && format !== 'word2vec-binary' && format !== 'glove') {
    throw new Error(`${name}: format must be 'word2vec', 'word2vec-binary' or 'glove', got ${JSON.stringify(format)}`);
  }
  return format;
}

/** The lines of a UTF-8 file, read 1 MiB at a time (files past JavaScript's longest string, such as GloVe's 1 GB ones, read too). */
export function* readLines(path: string): IterableIterator<string> {
  const fd = openSync(path, 'r');
  try {
    const decoder = new TextDecoder('utf-8');
    const buffer = new Uint8Array(1 << 20);
    let rest = '';
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      rest += decoder.decode(buffer.subarray(0, n), { stream: n > 0 });
      const lines = rest.split('\n');
      rest = lines.pop()!;
      yield* lines;
      if (n === 0) break;
    }
    if (rest.length > 0) yield rest;
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads word vectors: published GloVe (format 'glove') and word2vec files (text, or
 * 'word2vec-binary' as GoogleNews) load; text files are read piece by piece, and limit reads only
 * the first words.
 */
export function loadVectors(path: string, options: { format?: VectorFormat; limit?: number } = {}): KeyedVectors {
  checkOptionKeys('loadVectors', options, ['format', 'limit']);
  const format = checkFormat('loadVectors', options.format ?? 'word2vec');
  if (format === 'word2vec-binary') return KeyedVectors.fromWord2VecBinary(new Uint8Array(readFileSync(path)), options.limit === undefined ? {} : { limit: options.limit });
  const limit = options.limit ?? Infinity;
  const lines = readLines(path);
  if (format === 'glove') return vectorsFromLines('loadVectors', lines, { limit });
  const first = lines.next();
  const header = first.done === true ? [] : first.value.trim().split(/\s+/).map(Number);
  if (header.length !== 2 || !header.every((n) => Number.isInteger(n) && n >= 0) || header[1] === 0) {
    throw new Error(`loadVectors: ${path} does not start with a "words dims" line (give format: 'glove' for GloVe files, 'word2vec-binary' for binary ones)`);
  }
  return vectorsFromLines('loadVectors', { [Symbol.iterator]: () => lines }, { dims: header[1]!, limit, expected: header[0]!, firstLine: 2 });
}

/** Writes word vectors in one of the formats (atomically: a temporary file, then a rename). */
export function saveVectors(vectors: KeyedVectors, path: string, options: { format?: VectorFormat } = {}): void {
  if (!(vectors instanceof KeyedVectors)) throw new Error('saveVectors: expected KeyedVectors (e.g. model.wv)');
  checkOptionKeys('saveVectors', options, ['format']);
  const format = checkFormat('saveVectors', options.format ?? 'word2vec');
  const data = format === 'word2vec-binary' ? vectors.toWord2VecBinary() : format === 'glove' ? vectors.toGloveText() : vectors.toWord2VecText();
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, data);
  renameSync(temporary, path);
}
