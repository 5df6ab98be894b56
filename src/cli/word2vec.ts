/** `nabla word2vec CORPUS --out vectors.txt`: trains word2vec on a plain-text corpus and writes the vectors. */
import { text } from '../index.js';
import { readCorpus, saveVectors, type VectorFormat } from '../text/node.js';
import { checkKnownOptions, numberOption, stringOption, type ParsedArgs } from './args.js';

export const WORD2VEC_OPTIONS = [
  'out', 'format', 'vector-size', 'window', 'min-count', 'sg', 'hs', 'negative', 'ns-exponent', 'cbow-mean', 'alpha', 'min-alpha',
  'sample', 'epochs', 'workers', 'seed', 'tokenizer', 'kjv',
];

export interface Word2VecRun {
  words: number;
  vocabulary: number;
  seconds: number;
  wordsPerSecond: number;
  out: string;
}

export function runWord2Vec(corpus: string, args: ParsedArgs, log: (line: string) => void): Word2VecRun {
  checkKnownOptions(args, 'nabla word2vec', WORD2VEC_OPTIONS);
  const out = stringOption(args, 'out');
  if (out === undefined) throw new Error('nabla word2vec: --out FILE is required (where the vectors are written)');
  const format = (stringOption(args, 'format') ?? 'word2vec') as VectorFormat;
  if (!['word2vec', 'word2vec-binary', 'glove'].includes(format)) throw new Error(`nabla word2vec: --format must be word2vec, word2vec-binary or glove, got '${format}'`);
  const tokenizerName = stringOption(args, 'tokenizer') ?? 'words';
  const tokenizer =
    tokenizerName === 'words' ? new text.WordTokenizer({ lowercase: true, punctuation: 'drop' })
    : tokenizerName === 'whitespace' ? new text.WhitespaceTokenizer()
    : null;
  if (tokenizer === null) throw new Error(`nabla word2vec: --tokenizer must be words or whitespace, got '${tokenizerName}'`);
  const flag = (name: string, fallback: 0 | 1): 0 | 1 => numberOption(args, name, fallback, { integer: true, min: 0, max: 1 }) as 0 | 1;
  const options: text.Word2VecOptions = {
    vectorSize: numberOption(args, 'vector-size', 100, { integer: true, min: 1 }),
    window: numberOption(args, 'window', 5, { integer: true, min: 1 }),
    minCount: numberOption(args, 'min-count', 5, { integer: true, min: 1 }),
    sg: flag('sg', 0),
    hs: flag('hs', 0),
    negative: numberOption(args, 'negative', 5, { integer: true, min: 0 }),
    nsExponent: numberOption(args, 'ns-exponent', 0.75),
    cbowMean: flag('cbow-mean', 1),
    alpha: numberOption(args, 'alpha', 0.025, { min: 0 }),
    minAlpha: numberOption(args, 'min-alpha', 0.0001, { min: 0 }),
    sample: numberOption(args, 'sample', 1e-3, { min: 0 }),
    epochs: numberOption(args, 'epochs', 5, { integer: true, min: 1 }),
    workers: numberOption(args, 'workers', 0, { integer: true, min: 0 }),
    seed: numberOption(args, 'seed', 1, { integer: true, min: 0 }),
  };
  const sentences = readCorpus(corpus, { tokenizer, ...(args.options.has('kjv') ? { skip: text.KJV_HEADING } : {}) });
  const words = sentences.reduce((n, s) => n + s.length, 0);
  log(`Corpus: ${sentences.length} lines, ${words} words.`);
  const started = performance.now();
  const model = new text.Word2Vec(sentences, options);
  const report = model.train(sentences);
  const seconds = (performance.now() - started) / 1000;
  const wordsPerSecond = Math.round(report.rawWords / seconds);
  log(`Trained ${options.sg === 1 ? 'skip-gram' : 'CBOW'} on ${model.words.length} words (minCount ${options.minCount}) for ${options.epochs} epochs in ${seconds.toFixed(1)} s (${wordsPerSecond} words/s).`);
  saveVectors(model.wv, out, { format });
  log(`Wrote ${model.words.length} vectors of ${options.vectorSize} dimensions to ${out} (${format} format).`);
  return { words, vocabulary: model.words.length, seconds, wordsPerSecond, out };
}
