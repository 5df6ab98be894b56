/** Corpus text -> tokenized sentences (browser-safe; the file readers are in text/node.ts). */
import { checkOptionKeys } from '../ops/args.js';
import { WordTokenizer, type Tokenizer } from './tokenizers.js';

export interface CorpusOptions {
  /** How each line is cut into tokens (default: new WordTokenizer({ lowercase: true, punctuation: 'drop' })). */
  tokenizer?: Tokenizer;
  /** Leave out lines matching this pattern (e.g. KJV_HEADING); default none. */
  skip?: RegExp;
}

/** KJV's chapter headings ("Genesis 1", "1 Samuel 3", "Song of Solomon 2"), one line each. */
export const KJV_HEADING = /^(?:[123] )?[A-Z][a-z]+(?: of [A-Z][a-z]+)? \d+$/;

/** One token array per non-empty line (a verse, for the KJV text). */
export function tokenizeLines(text: string, options: CorpusOptions = {}): string[][] {
  if (typeof text !== 'string') throw new Error('tokenizeLines: expected the corpus text as a string');
  checkOptionKeys('tokenizeLines', options, ['tokenizer', 'skip']);
  const tokenizer = options.tokenizer ?? new WordTokenizer({ lowercase: true, punctuation: 'drop' });
  if (typeof tokenizer?.tokenize !== 'function') throw new Error('tokenizeLines: tokenizer must have a tokenize(text) method');
  const sentences: string[][] = [];
  for (const line of text.split(/\r?\n/)) {
    if (options.skip?.test(line) === true) continue;
    const tokens = tokenizer.tokenize(line);
    if (tokens.length > 0) sentences.push(tokens);
  }
  return sentences;
}
