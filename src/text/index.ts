/** Text: tokenizers, vocabularies, sequence batching, word embeddings and language models (browser-safe). */
export { CharTokenizer, WhitespaceTokenizer, WordTokenizer, BPETokenizer, WORD_PATTERN } from './tokenizers.js';
export type { Tokenizer, WordTokenizerOptions, BPEJson } from './tokenizers.js';
export { Vocab, DEFAULT_SPECIALS } from './vocab.js';
export type { VocabOptions, VocabJson } from './vocab.js';
export { padSequences, padCollate, bucketBatches, batchify, bpttWindows } from './batching.js';
export type { PadOptions, PaddedBatch, LabelledSequence, LabelledBatch, BucketOptions, BpttWindow } from './batching.js';
export { tokenizeLines, KJV_HEADING } from './corpus.js';
export type { CorpusOptions } from './corpus.js';
export { Word2Vec } from './word2vec.js';
export type { Word2VecOptions, ResolvedWord2VecOptions, Word2VecTrainingReport, EncodedCorpus } from './word2vec.js';
export { KeyedVectors } from './keyed-vectors.js';
export type { MostSimilarOptions, Scored, AnalogyOptions, AnalogyResult, AnalogySection } from './keyed-vectors.js';
export { GloVe, gloveWeight } from './glove.js';
export type { GloVeOptions, Cooccurrences } from './glove.js';
export { NgramLM, padBothEnds, ngrams, BOS, EOS, UNK } from './ngram.js';
export type { NgramOptions, Smoothing } from './ngram.js';
export { generate, sampleLogits } from './generate.js';
export type { LanguageModel, SamplingOptions, GenerateOptions } from './generate.js';
