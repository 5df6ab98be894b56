import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

const { text } = nb;

/** Two topics whose words never share a sentence: a trained model must tell them apart. */
function topicCorpus(sentences: number, seed: number): string[][] {
  const animals = ['cat', 'dog', 'mouse', 'horse', 'cow', 'sheep'];
  const vehicles = ['car', 'bus', 'train', 'plane', 'boat', 'bike'];
  const g = new nb.Generator(seed);
  const pick = (words: string[]): string => words[Math.floor(g.nextDouble() * words.length)]!;
  return Array.from({ length: sentences }, (_, i) => Array.from({ length: 8 }, () => pick(i % 2 === 0 ? animals : vehicles)));
}

function separation(wv: nb.text.KeyedVectors): { within: number; across: number } {
  const within = (wv.similarity('cat', 'dog') + wv.similarity('car', 'bus') + wv.similarity('horse', 'sheep') + wv.similarity('plane', 'boat')) / 4;
  const across = (wv.similarity('cat', 'car') + wv.similarity('dog', 'bus') + wv.similarity('horse', 'plane') + wv.similarity('sheep', 'boat')) / 4;
  return { within, across };
}

const corpus = topicCorpus(600, 3);
const variants: [string, nb.text.Word2VecOptions][] = [
  ['skip-gram, negative sampling', { sg: 1 }],
  ['CBOW (mean), negative sampling', { sg: 0 }],
  ['CBOW (sum), negative sampling', { sg: 0, cbowMean: 0, alpha: 0.005 }],
  ['skip-gram, hierarchical softmax', { sg: 1, hs: 1, negative: 0 }],
  ['CBOW, hierarchical softmax', { sg: 0, hs: 1, negative: 0 }],
  ['skip-gram, both outputs, a vector size that is not a multiple of 4', { sg: 1, hs: 1, negative: 3, vectorSize: 10 }],
];

for (const backend of ['wasm', 'cpu'] as const) {
  for (const [name, options] of variants) {
    test(`word2vec ${name} separates two topics (${backend})`, () => {
      const previous = nb.getBackend().name;
      nb.setBackend(backend);
      try {
        const model = new text.Word2Vec(corpus, { vectorSize: 16, window: 3, minCount: 1, epochs: 5, sample: 0, workers: 1, ...options });
        const report = model.train(corpus);
        assert.equal(report.rawWords, 600 * 8 * 5);
        const { within, across } = separation(model.wv);
        assert.ok(within > across + 0.3, `within ${within.toFixed(3)} vs across ${across.toFixed(3)}`);
      } finally {
        nb.setBackend(previous);
      }
    });
  }
}

test('word2vec: one worker and a seed give the same vectors; another seed does not', () => {
  const run = (seed: number): Float32Array => {
    const m = new text.Word2Vec(corpus, { vectorSize: 8, minCount: 1, epochs: 2, seed, workers: 1 });
    m.train(corpus);
    return m.wv.vectors;
  };
  assert.deepEqual(run(7), run(7));
  assert.notDeepEqual(run(7), run(8));
});

test('word2vec: two workers (Hogwild) train as well as one, on the wasm threads', async () => {
  await nb.ready(); // the worker threads start in the background; wait so they take part
  const info = nb.wasmBackendInfo();
  const before = info?.workerChunks ?? 0;
  const model = new text.Word2Vec(corpus, { vectorSize: 16, window: 3, minCount: 1, epochs: 5, sample: 0, sg: 1, workers: 2 });
  model.train(corpus);
  if (info !== null && info.sharedMemory && nb.getBackend().name === 'wasm') {
    // On a busy machine the calling thread may take every chunk of one run: train again until a worker takes part.
    const helper = new text.Word2Vec(corpus, { vectorSize: 16, minCount: 1, epochs: 20, workers: 2 });
    for (let i = 0; i < 20 && nb.wasmBackendInfo()!.workerChunks <= before; i++) helper.train(corpus);
    assert.ok(nb.wasmBackendInfo()!.workerChunks > before, 'a worker thread ran chunks of the training');
  }
  const { within, across } = separation(model.wv);
  assert.ok(within > across + 0.3, `within ${within.toFixed(3)} vs across ${across.toFixed(3)}`);
});

test('word2vec vocabulary: minCount, descending counts, gensim sample_int and cum_table', () => {
  const sentences = [['a', 'a', 'a', 'a', 'b', 'b', 'c'], ['a', 'b', 'd']];
  const m = new text.Word2Vec(sentences, { minCount: 2, sample: 0.1 });
  assert.deepEqual(m.words, ['a', 'b']);
  assert.deepEqual(m.counts, [5, 3]);
  // threshold t = sample * (5 + 3) = 0.8; keep = (sqrt(v / t) + 1) * t / v
  const keep = (v: number): number => Math.round(((Math.sqrt(v / 0.8) + 1) * 0.8) / v * 2 ** 32);
  assert.deepEqual([...m.arrays.sampleInt], [keep(5), keep(3)]);
  const total = 5 ** 0.75 + 3 ** 0.75;
  assert.deepEqual([...m.arrays.cumTable], [Math.round((5 ** 0.75 / total) * (2 ** 31 - 1)), 2 ** 31 - 1]);
  assert.equal(new text.Word2Vec(sentences, { minCount: 1, sample: 0 }).arrays.sampleInt[0], 2 ** 32 - 1);
});

test("word2vec's Huffman tree equals word2vec.c's CreateBinaryTree (hand-built for counts 5, 3, 2, 1)", () => {
  const sentences = [['w0', 'w0', 'w0', 'w0', 'w0', 'w1', 'w1', 'w1', 'w2', 'w2', 'w3']];
  const m = new text.Word2Vec(sentences, { minCount: 1, hs: 1, negative: 0 });
  const { codes, points, codeOffset } = m.arrays;
  const per = (w: number): [number[], number[]] => [
    [...codes.subarray(codeOffset[w]!, codeOffset[w + 1]!)],
    [...points.subarray(codeOffset[w]!, codeOffset[w + 1]!)],
  ];
  assert.deepEqual(per(0), [[0], [2]]);
  assert.deepEqual(per(1), [[1, 1], [2, 1]]);
  assert.deepEqual(per(2), [[1, 0, 1], [2, 1, 0]]);
  assert.deepEqual(per(3), [[1, 0, 0], [2, 1, 0]]);
  assert.equal(m.arrays.syn1.length, 3 * 100);
});

test('word2vec cuts sentences longer than 10,000 words into pieces, as gensim', () => {
  const long = [Array.from({ length: 25_000 }, (_, i) => (i % 7 === 0 ? 'x' : i % 2 === 0 ? 'a' : 'b'))];
  const m = new text.Word2Vec(long, { minCount: 1, vectorSize: 4, epochs: 1, workers: 1 });
  const encoded = m.encode(long);
  assert.deepEqual(Array.from(encoded.sentenceStart), [0, 10_000, 20_000, 25_000]);
  assert.equal(encoded.maxSentence, 10_000);
  assert.equal(m.train(long).rawWords, 25_000);
  assert.ok(m.wv.vectors.every(Number.isFinite));
});

test('word2vec checks its options and input', () => {
  const s = [['a', 'b', 'a', 'b']];
  assert.throws(() => new text.Word2Vec(s, { vector_size: 10 } as never), /unknown option 'vector_size'/);
  assert.throws(() => new text.Word2Vec(s, { vectorSize: 0 }), /vectorSize must be an integer >= 1, got 0/);
  assert.throws(() => new text.Word2Vec(s, { sg: 2 as 1 }), /sg must be 0 or 1, got 2/);
  assert.throws(() => new text.Word2Vec(s, { negative: 0 }), /with negative 0, hs must be 1/);
  assert.throws(() => new text.Word2Vec(s, { alpha: 0.01, minAlpha: 0.1 }), /minAlpha \(0.1\) must not exceed alpha/);
  assert.throws(() => new text.Word2Vec(s, { minCount: 5 }), /only 0 word\(s\) occur at least minCount \(5\) times/);
  assert.throws(() => new text.Word2Vec(['a b c'] as never), /sentence 0 is not an array of tokens/);
  assert.throws(() => new text.Word2Vec(s, { minCount: 1 }).train([['zzz']]), /no sentence holds a vocabulary word/);
});
