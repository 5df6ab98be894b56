import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

const { text } = nb;

/** A model whose next-token logits depend only on the last token: token t prefers t + 1. */
function counting(vocab: number): (ids: nb.Tensor) => nb.Tensor {
  return (ids) => {
    const flat = ids.toTypedArray();
    const last = flat[flat.length - 1]!;
    const logits = new Float32Array(vocab).fill(0);
    logits[(last + 1) % vocab] = 3;
    logits[(last + 2) % vocab] = 2;
    return nb.Tensor.fromData(logits, [1, 1, vocab], 'float32');
  };
}

test('generate: greedy at temperature 0, seeded sampling otherwise, stopAt ends without the stop token', () => {
  const model = counting(6);
  assert.deepEqual(text.generate(model, [0], { temperature: 0, maxLength: 8 }), [1, 2, 3, 4, 5, 0, 1, 2]);
  assert.deepEqual(text.generate(model, [0], { temperature: 0, maxLength: 8, stopAt: 4 }), [1, 2, 3]);
  assert.deepEqual(text.generate(model, [0], { topK: 1, maxLength: 5 }), [1, 2, 3, 4, 5], 'topK 1 is greedy');
  assert.deepEqual(text.generate(model, [0], { topP: 0.1, maxLength: 5 }), [1, 2, 3, 4, 5], 'a tiny nucleus is greedy');
  const a = text.generate(model, [0], { maxLength: 30, seed: 4 });
  assert.deepEqual(text.generate(model, [0], { maxLength: 30, seed: 4 }), a);
  assert.notDeepEqual(text.generate(model, [0], { maxLength: 30, seed: 5 }), a);
});

test('sampleLogits draws from softmax(logits / temperature), cut by topK and topP', () => {
  const logits = [2, 1, 0, -1];
  const g = new nb.Generator(1);
  const draws = (options: nb.text.SamplingOptions, n = 20000): number[] => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) counts[text.sampleLogits(logits, options, g)]!++;
    return counts.map((c) => c / n);
  };
  const softmax = (t: number, keep = 4): number[] => {
    const e = logits.map((l, i) => (i < keep ? Math.exp(l / t) : 0));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / s);
  };
  for (const [options, expected] of [
    [{}, softmax(1)],
    [{ temperature: 2 }, softmax(2)],
    [{ topK: 2 }, softmax(1, 2)],
    // p = [0.644, 0.237, 0.087, 0.032]: the nucleus for 0.85 is the first two tokens.
    [{ topP: 0.85 }, softmax(1, 2)],
  ] as [nb.text.SamplingOptions, number[]][]) {
    const seen = draws(options);
    seen.forEach((f, i) => assert.ok(Math.abs(f - expected[i]!) < 0.015, `${JSON.stringify(options)}: token ${i} drawn ${f}, expected ${expected[i]}`));
  }
});

test('generate runs an Embedding + LSTM + Linear model with a Vocab and string tokens', () => {
  nb.manualSeed(0);
  const vocab = text.Vocab.build([['a', 'b', 'c']]);
  const emb = new nb.nn.Embedding(vocab.size, 8);
  const lstm = new nb.nn.LSTM(8, 8, { batchFirst: true });
  const head = new nb.nn.Linear(8, vocab.size);
  const model = (ids: nb.Tensor): nb.Tensor => head.forward(lstm.forward(emb.forward(ids))[0]);
  const out = text.generate(model, ['<bos>', 'a'], { vocab, maxLength: 6, stopAt: '<eos>', seed: 2 });
  assert.ok(out.length <= 6 && out.every((t) => vocab.has(t) && t !== '<eos>'));
});

test('generate checks its arguments', () => {
  const model = counting(3);
  assert.throws(() => text.generate(model, [], {}), /prompt must be a non-empty array/);
  assert.throws(() => text.generate(model, [0], { temperature: -1 }), /temperature must be a number >= 0/);
  assert.throws(() => text.generate(model, [0], { topP: 0 }), /topP must be in \(0, 1\]/);
  assert.throws(() => text.generate(model, [0], { topK: 0 }), /topK must be a positive integer/);
  assert.throws(() => text.generate(model, ['a'] as never, {}), /needs options.vocab/);
  assert.throws(() => text.generate(model, [0], { top_k: 3 } as never), /unknown option 'top_k'/);
  assert.throws(() => text.generate({} as never, [0]), /model must be a function or a module/);
});

test('sequenceLogProb sums the log-softmax of each next token; sequencePerplexity is its per-token exp', () => {
  // A model with fixed logits at every position: P = softmax([0, ln 2, ln 3]) = [1/6, 2/6, 3/6].
  const fixed = (ids: nb.Tensor): nb.Tensor => nb.tensor([0, Math.log(2), Math.log(3)]).reshape([1, 1, 3]).expand([1, ids.shape[1]!, 3]);
  const expected = Math.log(2 / 6) + Math.log(3 / 6) + Math.log(1 / 6);
  assert.ok(Math.abs(text.sequenceLogProb(fixed, [0, 1, 2, 0]) - expected) < 1e-6);
  assert.ok(Math.abs(text.sequencePerplexity(fixed, [0, 1, 2, 0]) - Math.exp(-expected / 3)) < 1e-5);
  assert.throws(() => text.sequenceLogProb(fixed, [0]), /at least 2 token ids/);
  assert.throws(() => text.sequenceLogProb(fixed, [0, 5]), /token 5 is outside the model's 3 logits/);
  assert.throws(() => text.sequenceLogProb(() => nb.zeros([1, 3]), [0, 1, 2]), /logits for each of the 2 positions/);
});
