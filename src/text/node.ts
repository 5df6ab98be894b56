/// <reference types="node" />
/** Node-only text helpers: corpora and vector files read from and written to paths. */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { KeyedVectors } from './keyed-vectors.js';
import { KJV_HEADING, tokenizeLines, type CorpusOptions } from './corpus.js';

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

/** Reads word vectors (published GloVe or word2vec files load; limit reads only the first words). */
export function loadVectors(path: string, options: { format?: VectorFormat; limit?: number } = {}): KeyedVectors {
  const format = checkFormat('loadVectors', options.format ?? 'word2vec');
  const limit = options.limit === undefined ? {} : { limit: options.limit };
  if (format === 'word2vec-binary') return KeyedVectors.fromWord2VecBinary(new Uint8Array(readFileSync(path)), limit);
  const text = readTextFile(path);
  return format === 'glove' ? KeyedVectors.fromGloveText(text, limit) : KeyedVectors.fromWord2VecText(text, limit);
}

/** Writes word vectors in one of the formats (atomically: a temporary file, then a rename). */
export function saveVectors(vectors: KeyedVectors, path: string, options: { format?: VectorFormat } = {}): void {
  if (!(vectors instanceof KeyedVectors)) throw new Error('saveVectors: expected KeyedVectors (e.g. model.wv)');
  const format = checkFormat('saveVectors', options.format ?? 'word2vec');
  const data = format === 'word2vec-binary' ? vectors.toWord2VecBinary() : format === 'glove' ? vectors.toGloveText() : vectors.toWord2VecText();
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, data);
  renameSync(temporary, path);
}
