import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

const { text } = nb;

test('GloVe co-occurrences: symmetric, 1/distance, within the window, out-of-vocabulary words removed first', () => {
  const g = new text.GloVe([['a', 'b', 'rare', 'c'], ['a', 'b', 'c']], { minCount: 2, window: 2, vectorSize: 2 });
  assert.deepEqual(g.words, ['a', 'b', 'c']);
  const { rows, cols, values } = g.cooccurrences;
  const x = new Map<string, number>();
  rows.forEach((r, k) => x.set(`${g.words[r]}${g.words[cols[k]!]}`, values[k]!));
  // Each sentence: a-b at distance 1, b-c at 1, a-c at 2 (both ways).
  assert.deepEqual(Object.fromEntries(x), { ab: 2, ac: 1, ba: 2, bc: 2, ca: 1, cb: 2 });
});

test('gloveWeight is (x / xMax)^alpha, capped at 1', () => {
  assert.equal(text.gloveWeight(100), 1);
  assert.equal(text.gloveWeight(250), 1);
  assert.ok(Math.abs(text.gloveWeight(10) - 0.1 ** 0.75) < 1e-15);
  assert.ok(Math.abs(text.gloveWeight(1, 10, 0.5) - Math.sqrt(0.1)) < 1e-15);
});

test('GloVe: the loss falls and words of one topic end up closer than words of two', () => {
  const animals = ['cat', 'dog', 'mouse', 'horse', 'cow', 'sheep'];
  const vehicles = ['car', 'bus', 'train', 'plane', 'boat', 'bike'];
  const gen = new nb.Generator(5);
  const pick = (words: string[]): string => words[Math.floor(gen.nextDouble() * words.length)]!;
  const corpus = Array.from({ length: 400 }, (_, i) => Array.from({ length: 8 }, () => pick(i % 2 === 0 ? animals : vehicles)));
  const glove = new text.GloVe(corpus, { vectorSize: 10, window: 4, minCount: 1, epochs: 50, xMax: 10 });
  const losses = glove.train();
  assert.ok(losses[losses.length - 1]! < losses[0]! / 3, `loss ${losses[0]} -> ${losses[losses.length - 1]}`);
  const wv = glove.wv;
  const within = (wv.similarity('cat', 'dog') + wv.similarity('car', 'bus') + wv.similarity('cow', 'sheep')) / 3;
  const across = (wv.similarity('cat', 'car') + wv.similarity('dog', 'bus') + wv.similarity('cow', 'boat')) / 3;
  assert.ok(within > across + 0.5, `within ${within.toFixed(3)} vs across ${across.toFixed(3)}`);
  // W + W~: the output is the sum of both tables.
  const i = glove.words.indexOf('cat');
  assert.ok(Math.abs(wv.getVector('cat')[0]! - (glove.w[i * 10]! + glove.wContext[i * 10]!)) < 1e-6);
});

test('GloVe checks its options and input', () => {
  assert.throws(() => new text.GloVe([['a', 'b']], { x_max: 10 } as never), /unknown option 'x_max'/);
  assert.throws(() => new text.GloVe([['a', 'b']], { minCount: 1, xMax: 0 }), /xMax must be a positive number, got 0/);
  assert.throws(() => new text.GloVe([['a', 'b']], { minCount: 1, window: 1.5 }), /window must be a positive integer/);
  assert.throws(() => new text.GloVe([['a']], { minCount: 1 }), /only 1 word\(s\) occur/);
  assert.throws(() => new text.GloVe([[1, 2]] as never, { minCount: 1 }), /holds a number, not a string token/);
});
