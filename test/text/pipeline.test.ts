import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as nb from '../../src/index.js';
import { text as textNode } from '../../src/node.js';

const { text } = nb;
const KJV = new URL('../../../shared/datasets/text/kjv.txt', import.meta.url).pathname;

test('CharTokenizer splits code points; WhitespaceTokenizer splits on white-space runs', () => {
  assert.deepEqual(new text.CharTokenizer().tokenize('ab😀c'), ['a', 'b', '😀', 'c']);
  assert.deepEqual(new text.CharTokenizer({ lowercase: true }).tokenize('AB'), ['a', 'b']);
  assert.deepEqual(new text.WhitespaceTokenizer().tokenize('  a\tb\n\nc, d '), ['a', 'b', 'c,', 'd']);
  assert.throws(() => new text.CharTokenizer().tokenize(3 as unknown as string), /expected a string, got number/);
  assert.throws(() => new text.CharTokenizer({ lower: true } as never), /unknown option 'lower'/);
});

test('WordTokenizer: words with inner apostrophes, numbers, punctuation kept or dropped, lower-casing', () => {
  const s = "And the LORD's 12 tribes, 3.5 cubits; don't!";
  assert.deepEqual(new text.WordTokenizer().tokenize(s), ['And', 'the', "LORD's", '12', 'tribes', ',', '3.5', 'cubits', ';', "don't", '!']);
  assert.deepEqual(new text.WordTokenizer({ lowercase: true, punctuation: 'drop', numbers: 'drop' }).tokenize(s), [
    'and', 'the', "lord's", 'tribes', 'cubits', "don't",
  ]);
  assert.deepEqual(new text.WordTokenizer({ numbers: 'replace', punctuation: 'drop' }).tokenize('1,000 men'), ['<num>', 'men']);
  assert.deepEqual(new text.WordTokenizer().tokenize('café naïve'), ['café', 'naïve']);
  assert.throws(() => new text.WordTokenizer({ punctuation: 'remove' as 'drop' }), /punctuation must be one of 'keep', 'drop', got "remove"/);
});

test('BPE learns the most frequent pairs first, round-trips any text exactly, and saves/loads', () => {
  const corpus = 'low low low low low lower lower newest newest newest newest newest newest widest widest widest';
  const bpe = text.BPETokenizer.train(corpus, { vocabSize: 270 });
  assert.ok(bpe.vocabSize > 256 && bpe.vocabSize <= 270);
  // ' newest' (6x) and ' low'/'low' dominate: the first merges make pieces of them.
  const first = bpe.decode([256]);
  assert.ok(['es', 'st', ' n', 'ne', 'ew', 'we', 'lo', 'ow', ' l'].includes(first), `first merge ${JSON.stringify(first)}`);
  assert.ok(bpe.encode(' newest').length < 3, 'a frequent word becomes few tokens');
  for (const s of [corpus, 'unseen wörds 😀 and\ttabs\n\nnew  lines  ', '', '   ', 'ǅ x']) assert.equal(bpe.decode(bpe.encode(s)), s);
  const again = text.BPETokenizer.fromJSON(JSON.stringify(bpe));
  assert.deepEqual(again.encode(corpus), bpe.encode(corpus));
  assert.throws(() => text.BPETokenizer.fromJSON('{"type":"x"}'), /not a saved BPE tokenizer/);
  assert.throws(() => new text.BPETokenizer([[1, 300]]), /merge 0 must be a pair of token ids below 256/);
  assert.throws(() => bpe.decode([9999]), /token 0 is 9999/);
  assert.throws(() => text.BPETokenizer.train(corpus, { vocabSize: 10 }), /vocabSize must be an integer >= 256/);
});

test('BPE on KJV: fewer tokens than bytes and exact round trip', { skip: existsSync(KJV) ? false : `SKIPPED: ${KJV} not found` }, () => {
  const lines = textNode.readTextFile(KJV).split('\n').slice(0, 3000);
  const bpe = text.BPETokenizer.train(lines, { vocabSize: 500 });
  assert.equal(bpe.vocabSize, 500);
  const sample = lines.slice(100, 120).join('\n');
  const ids = bpe.encode(sample);
  assert.equal(bpe.decode(ids), sample);
  assert.ok(ids.length < new TextEncoder().encode(sample).length / 2, `${ids.length} tokens`);
});

test('Vocab: specials first, descending counts, minFreq, maxSize, unknowns, JSON round trip', () => {
  const sentences = [['b', 'a', 'b'], ['c', 'a', 'b', 'd']];
  const v = text.Vocab.build(sentences);
  assert.deepEqual(v.tokens, ['<pad>', '<unk>', '<bos>', '<eos>', 'b', 'a', 'c', 'd']);
  assert.deepEqual(v.counts, [0, 0, 0, 0, 3, 2, 1, 1]);
  assert.equal(v.count('b'), 3);
  assert.deepEqual(v.encode(['a', 'zzz'], { addBos: true, addEos: true }), [2, 5, 1, 3]);
  assert.deepEqual(v.decode([2, 5, 1, 3], { skipSpecials: true }), ['a']);
  assert.equal(v.padIndex, 0);
  assert.deepEqual(text.Vocab.build(sentences, { minFreq: 2 }).tokens.slice(4), ['b', 'a']);
  assert.deepEqual(text.Vocab.build(sentences, { maxSize: 5 }).tokens, ['<pad>', '<unk>', '<bos>', '<eos>', 'b']);
  const plain = text.Vocab.build(sentences, { specials: [] });
  assert.equal(plain.unkToken, null);
  assert.throws(() => plain.indexOf('zzz'), /unknown token "zzz" and the vocabulary has no unkToken/);
  const back = text.Vocab.fromJSON(JSON.stringify(v));
  assert.deepEqual(back.tokens, v.tokens);
  assert.deepEqual(back.counts, v.counts);
  assert.equal(back.indexOf('nope'), 1);
  assert.throws(() => text.Vocab.build(sentences, { minFreq: 0 }), /minFreq must be a positive integer/);
  assert.throws(() => text.Vocab.build(sentences, { maxSize: 2 }), /maxSize must be an integer >= the 4 specials/);
  assert.throws(() => text.Vocab.build([[1, 2]] as never), /tokens must be strings, got number/);
  assert.throws(() => text.Vocab.build(sentences, { min: 1 } as never), /unknown option 'min'/);
  assert.throws(() => v.tokenOf(99), /index 99 is not in \[0, 8\)/);
});

test('padSequences: padding, truncation, lengths and masks accepted by nn.LSTM', () => {
  const batch = text.padSequences([[5, 6, 7], [8], [9, 10, 11, 12, 13]], { maxLength: 4, padValue: 0 });
  assert.deepEqual(batch.input.toArray(), [[5, 6, 7, 0], [8, 0, 0, 0], [9, 10, 11, 12]]);
  assert.deepEqual(batch.lengths.toArray(), [3, 1, 4]);
  assert.deepEqual(batch.paddingMask.toArray(), [[false, false, false, true], [false, true, true, true], [false, false, false, false]]);
  const pre = text.padSequences([[1, 2, 3, 4]], { maxLength: 2, truncate: 'pre', batchFirst: false });
  assert.deepEqual(pre.input.toArray(), [[3], [4]]);
  // The LSTM's last outputs at each sequence's own length equal a run on the unpadded sequence.
  nb.manualSeed(0);
  const emb = new nb.nn.Embedding(20, 4);
  const lstm = new nb.nn.LSTM(4, 4, { batchFirst: true });
  const [, [hN]] = lstm.forward(emb.forward(batch.input), undefined, { lengths: batch.lengths });
  const [, [hAlone]] = lstm.forward(emb.forward(nb.tensor([[8]], { dtype: 'int32' })));
  assert.ok(hN.select(1, 1).sub(hAlone.select(1, 0)).abs().max().item() < 1e-6);
  assert.throws(() => text.padSequences([[1, 2.5]]), /sequence 0 has a non-integer token 2.5 at position 1/);
  assert.throws(() => text.padSequences([]), /non-empty array of sequences/);
});

test('padCollate plugs into DataLoader, with and without labels', () => {
  const samples = [{ tokens: [1, 2], label: 0 }, { tokens: [3], label: 1 }, { tokens: [4, 5, 6], label: 1 }];
  const loader = new nb.data.DataLoader({ length: samples.length, get: (i: number) => samples[i]! }, { batchSize: 2, collate: text.padCollate<nb.text.LabelledSequence>() });
  const batches = [...loader];
  assert.equal(batches.length, 2);
  assert.deepEqual(batches[0]!.input.toArray(), [[1, 2], [3, 0]]);
  assert.deepEqual(batches[0]!.labels.toArray(), [0, 1]);
  assert.deepEqual(text.padCollate()([[7], [8, 9]]).lengths.toArray(), [1, 2]);
  assert.throws(() => text.padCollate()([[1], 5 as never]), /sequence 1 is not an array/);
});

test('bucketBatches groups similar lengths, covers every sample once, and is seeded', () => {
  const lengths = Array.from({ length: 50 }, (_, i) => (i * 37) % 23);
  const batches = text.bucketBatches(lengths, 5, { seed: 1, poolBatches: 10 });
  assert.deepEqual(batches.flat().sort((a, b) => a - b), lengths.map((_, i) => i));
  const spread = (b: number[]): number => Math.max(...b.map((i) => lengths[i]!)) - Math.min(...b.map((i) => lengths[i]!));
  assert.ok(batches.every((b) => spread(b) <= 4), 'each batch holds similar lengths');
  assert.deepEqual(text.bucketBatches(lengths, 5, { seed: 1, poolBatches: 10 }), batches);
  assert.notDeepEqual(text.bucketBatches(lengths, 5, { seed: 2, poolBatches: 10 }), batches);
});

test('batchify and bpttWindows: parallel streams and targets one step ahead', () => {
  const ids = Array.from({ length: 11 }, (_, i) => i);
  const streams = text.batchify(ids, 2);
  assert.deepEqual(streams.toArray(), [[0, 5], [1, 6], [2, 7], [3, 8], [4, 9]]);
  const windows = [...text.bpttWindows(streams, 3)];
  assert.equal(windows.length, 2);
  assert.deepEqual(windows[0]!.input.toArray(), [[0, 5], [1, 6], [2, 7]]);
  assert.deepEqual(windows[0]!.target.toArray(), [[1, 6], [2, 7], [3, 8]]);
  assert.deepEqual(windows[1]!.input.toArray(), [[3, 8]]);
  assert.deepEqual(windows[1]!.target.toArray(), [[4, 9]]);
  assert.throws(() => text.batchify([1, 2, 3], 2), /fewer than 2 steps/);
});

test('readKjv: one token array per verse, headings left out', { skip: existsSync(KJV) ? false : `SKIPPED: ${KJV} not found` }, () => {
  const verses = textNode.readKjv(KJV);
  assert.equal(verses.length, 31102);
  assert.deepEqual(verses[0], ['in', 'the', 'beginning', 'god', 'created', 'the', 'heaven', 'and', 'the', 'earth']);
  assert.ok(!verses.some((v) => v.length === 2 && v[0] === 'genesis'));
  assert.throws(() => textNode.readCorpus('/nonexistent/corpus.txt'), /ENOENT/);
});
