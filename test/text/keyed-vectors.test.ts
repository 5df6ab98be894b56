import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { readFixture } from '../helpers/fixtures.js';
import { readFileSync } from 'node:fs';

const { KeyedVectors } = nb.text;

interface Fixture {
  words: string[];
  vectors: number[][];
  similarity: [string, string, number][];
  mostSimilar: { query: { positive: string[]; negative: string[]; topn: number; restrict_vocab?: number }; cosadd: [string, number][]; cosmul: [string, number][] }[];
  doesntMatch: [string[], string][];
  analogies: { questions: string; score: number; sections: { section: string; correct: number; incorrect: number }[] };
}

const fx = readFixture<Fixture>('text-keyedvectors.json');
const kv = new KeyedVectors(fx.words, Float32Array.from(fx.vectors.flat()), 6);

function assertScored(actual: [string, number][], expected: [string, number][], what: string): void {
  assert.deepEqual(actual.map(([w]) => w), expected.map(([w]) => w), what);
  actual.forEach(([, s], i) => assert.ok(Math.abs(s - expected[i]![1]) < 1e-5, `${what}: score ${s} vs gensim ${expected[i]![1]}`));
}

test('similarity, mostSimilar (3CosAdd) and mostSimilarCosmul (3CosMul) equal gensim 4.2', () => {
  for (const [a, b, s] of fx.similarity) assert.ok(Math.abs(kv.similarity(a, b) - s) < 1e-6);
  for (const { query, cosadd, cosmul } of fx.mostSimilar) {
    const q = { positive: query.positive, negative: query.negative, topn: query.topn, ...(query.restrict_vocab ? { restrictVocab: query.restrict_vocab } : {}) };
    assertScored(kv.mostSimilar(q), cosadd, `mostSimilar ${JSON.stringify(query)}`);
    assertScored(kv.mostSimilarCosmul({ ...q, restrictVocab: 30 }), cosmul, `mostSimilarCosmul ${JSON.stringify(query)}`);
  }
});

test('doesntMatch and evaluateAnalogies equal gensim 4.2 (unknown words skipped, case-insensitive)', () => {
  for (const [words, odd] of fx.doesntMatch) assert.equal(kv.doesntMatch(words), odd);
  const result = kv.evaluateAnalogies(fx.analogies.questions);
  assert.equal(result.accuracy, fx.analogies.score);
  const expected = fx.analogies.sections.filter((s) => s.section !== 'Total accuracy');
  assert.deepEqual(result.sections.map(({ section, correct, incorrect }) => ({ section, correct, incorrect })), expected);
  assert.equal(result.skipped, 1);
  assert.throws(() => kv.evaluateAnalogies('w1 w2 w3 w4\n'), /line 1 comes before the first ': section' line/);
  assert.throws(() => kv.evaluateAnalogies(': s\nw1 w2 w3\n'), /line 2 must hold 4 words/);
  assert.equal(kv.evaluateAnalogies(fx.analogies.questions, { method: '3CosMul' }).sections.length, 2);
});

test('word2vec text, word2vec binary and GloVe text formats round-trip', () => {
  const small = new KeyedVectors(['a', 'été', 'c'], Float32Array.from([0.5, -1.25, 3e-8, 1, 2, 3, -0.1, 0.2, 0.3]), 3);
  const back = [
    KeyedVectors.fromWord2VecText(small.toWord2VecText()),
    KeyedVectors.fromWord2VecBinary(small.toWord2VecBinary()),
    KeyedVectors.fromGloveText(small.toGloveText()),
  ];
  for (const kv2 of back) {
    assert.deepEqual(kv2.indexToKey, ['a', 'été', 'c']);
    assert.deepEqual(kv2.vectors, small.vectors);
  }
  assert.equal(small.toWord2VecText().split('\n')[0], '3 3');
  assert.deepEqual(KeyedVectors.fromWord2VecText(small.toWord2VecText(), { limit: 2 }).indexToKey, ['a', 'été']);
  assert.throws(() => KeyedVectors.fromWord2VecText('a 1 2\n'), /first line must be "words dims"/);
  assert.throws(() => KeyedVectors.fromWord2VecText('2 2\na 1 2\nb 1\n'), /line 3 has 1 values, expected 2/);
  assert.throws(() => KeyedVectors.fromWord2VecText('3 2\na 1 2\nb 1 2\n'), /promises 3 words but the file holds 2/);
  assert.throws(() => KeyedVectors.fromGloveText('a 1 x\n'), /value "x" that is not a number/);
  assert.throws(() => KeyedVectors.fromWord2VecBinary(small.toWord2VecBinary().subarray(0, 20)), /ends inside word/);
});

test("gensim's word2vec binary and text files load with the same words and vectors", () => {
  const bytes = new Uint8Array(readFileSync(new URL('../fixtures/text-vectors-gensim.bin', import.meta.url)));
  const text = readFileSync(new URL('../fixtures/text-vectors-gensim.txt', import.meta.url), 'utf8');
  for (const loaded of [KeyedVectors.fromWord2VecBinary(bytes), KeyedVectors.fromWord2VecText(text)]) {
    assert.deepEqual(loaded.indexToKey, fx.words);
    assert.deepEqual(loaded.vectors, kv.vectors);
  }
});

test('KeyedVectors argument checks and tensor export', () => {
  assert.throws(() => kv.similarity('w1', 'nope'), /word "nope" not in vocabulary \(30 words\)/);
  assert.throws(() => kv.mostSimilar({}), /at least one positive or negative word/);
  assert.throws(() => kv.mostSimilarCosmul({ negative: ['w1'] }), /needs at least one positive word/);
  assert.throws(() => kv.mostSimilar({ positive: ['w1'], topn: 0 }), /topn must be a positive integer/);
  assert.throws(() => kv.mostSimilar({ positive: ['w1'], top: 3 } as never), /unknown option 'top'/);
  assert.throws(() => new KeyedVectors(['a'], new Float32Array(3), 2), /Float32Array of 1 x 2 values/);
  const t = kv.toTensor();
  assert.deepEqual(t.shape, [30, 6]);
  const emb = nb.nn.Embedding.fromPretrained(t);
  assert.deepEqual(emb.forward(nb.tensor([1], { dtype: 'int32' })).shape, [1, 6]);
  const vocab = nb.text.Vocab.build([['w3', 'w1', 'w3', 'zzz']]);
  const matrix = kv.toEmbeddingMatrix(vocab);
  assert.deepEqual(matrix.shape, [vocab.size, 6]);
  assert.deepEqual(Array.from(matrix.select(0, vocab.indexOf('w1')).toTypedArray()), Array.from(kv.getVector('w1')));
  assert.deepEqual(Array.from(matrix.select(0, vocab.indexOf('zzz')).toTypedArray()), [0, 0, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(matrix.select(0, 0).toTypedArray()), [0, 0, 0, 0, 0, 0], '<pad> is zeros');
  const unit = kv.getVector('w1', { norm: true });
  assert.ok(Math.abs(Math.hypot(...unit) - 1) < 1e-6);
});
