import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { decodeNumber, readFixture } from '../helpers/fixtures.js';

const { NgramLM } = nb.text;

interface Fixture {
  train: string[][];
  test: string[][];
  models: {
    order: number;
    name: string;
    options: nb.text.NgramOptions;
    vocabSize: number;
    trainPerplexity: number | string;
    testPerplexity: number | string | null;
    knownPerplexity: number | string | null;
    scores: { word: string; context: string[]; score: number }[];
  }[];
}

const fx = readFixture<Fixture>('text-ngram.json');

function close(actual: number, expected: number, what: string): void {
  if (!Number.isFinite(expected)) assert.equal(actual, expected, what);
  else assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs NLTK ${expected}`);
}

for (const m of fx.models) {
  test(`n-gram LM order ${m.order}, ${m.name}: scores and perplexities equal NLTK 3.8's nltk.lm`, () => {
    const lm = new NgramLM(m.order, m.options).fit(fx.train);
    assert.equal(lm.vocabSize, m.vocabSize);
    for (const s of m.scores) close(lm.score(s.word, s.context), s.score, `score(${s.word} | ${s.context.join(' ')})`);
    close(lm.perplexity(fx.train), decodeNumber(m.trainPerplexity), 'train perplexity');
    if (m.testPerplexity !== null) close(lm.perplexity(fx.test), decodeNumber(m.testPerplexity), 'test perplexity');
    if (m.knownPerplexity !== null) close(lm.perplexity(fx.test.slice(0, 2)), decodeNumber(m.knownPerplexity), 'test perplexity, known words');
  });
}

test('logProb sums the natural-log probabilities of the padded n-grams; entropy and perplexity agree', () => {
  const lm = new NgramLM(2, { smoothing: 'laplace' }).fit(fx.train);
  const s = ['and', 'god', 'saw', 'the', 'light'];
  const padded = nb.text.padBothEnds(s, 2);
  let expected = 0;
  for (const g of nb.text.ngrams(padded, 2)) expected += Math.log(lm.score(g[1]!, [g[0]!]));
  close(lm.logProb(s), expected, 'logProb');
  close(lm.perplexity([s]), Math.exp(-expected / (padded.length - 1)), 'perplexity from logProb');
  close(2 ** lm.entropy([s]), lm.perplexity([s]), 'entropy');
});

test('generate samples seen continuations, is seeded, and stops at </s>', () => {
  const lm = new NgramLM(2).fit(fx.train);
  const a = lm.generate(50, { seed: 3 });
  assert.deepEqual(lm.generate(50, { seed: 3 }), a);
  const runs = [1, 2, 4, 5, 6, 7, 8].map((seed) => lm.generate(50, { seed }));
  assert.ok(runs.some((r) => r.join(' ') !== a.join(' ')), 'different seeds give different samples');
  for (const sample of [a, ...runs]) {
    assert.ok(!sample.includes('</s>') && sample.length < 50, 'stops at </s>');
    // Under MLE every generated bigram was seen in training.
    const context = ['<s>', ...sample];
    for (let i = 1; i < context.length; i++) assert.ok(lm.score(context[i]!, [context[i - 1]!]) > 0, `${context[i - 1]} ${context[i]}`);
  }
  assert.deepEqual(lm.generate(3, { context: ['the', 'first'], seed: 0 }), ['day']);
  assert.equal(lm.generate(5, { stopAt: null, seed: 1 }).length, 5);
});

test('NgramLM checks its arguments', () => {
  assert.throws(() => new NgramLM(0), /order must be a positive integer, got 0/);
  assert.throws(() => new NgramLM(2, { smoothing: 'kn' as 'mle' }), /smoothing must be 'mle', 'laplace', 'lidstone' or 'kneserNey'/);
  assert.throws(() => new NgramLM(2, { smoothing: 'lidstone' }), /needs gamma/);
  assert.throws(() => new NgramLM(2, { k: 1 } as never), /unknown option 'k'/);
  assert.throws(() => new NgramLM(2).score('a'), /fit the model first/);
  assert.throws(() => new NgramLM(2).fit(['a b'] as never), /sentence 0 is not an array of string tokens/);
  const lm = new NgramLM(2).fit(fx.train);
  assert.throws(() => lm.fit(fx.train), /already fitted/);
  assert.throws(() => lm.perplexity([]), /no n-grams to evaluate/);
});
