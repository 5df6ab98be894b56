/// <reference types="node" />
/** Node-only text helpers: corpora and vector files read from and written to paths. */
import { readFileSync } from 'node:fs';
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
