import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { audio, metrics } from '../../src/index.js';
import { readFixture } from '../helpers/fixtures.js';

const fixture = readFixture<{ editDistance: { seq1: string | string[]; seq2: string | string[]; distance: number }[] }>('audio.json');

/** Random log-probabilities [T, C] (a softmax of random logits), from a seeded generator. */
function randomLogProbs(frames: number, classes: number, seed: number): nb.Tensor {
  return nb.logSoftmax(nb.randn([frames, classes], { dtype: 'float64', generator: new nb.Generator(seed) }).mul(2), -1);
}

/** Every label sequence with its log P(y|x): all C^T alignments collapsed (repeats merged, blanks dropped) and summed. */
function exhaustive(logProbs: nb.Tensor, blank = 0): Map<string, number> {
  const [frames, classes] = logProbs.shape as [number, number];
  const lp = logProbs.toArray() as number[][];
  const out = new Map<string, number>();
  const path = new Array<number>(frames).fill(0);
  for (let n = 0; n < classes ** frames; n++) {
    let rest = n;
    let logP = 0;
    for (let t = 0; t < frames; t++) {
      path[t] = rest % classes;
      rest = Math.floor(rest / classes);
      logP += lp[t]![path[t]!]!;
    }
    const labels = path.filter((c, t) => c !== blank && (t === 0 || c !== path[t - 1]));
    const key = labels.join(',');
    const prev = out.get(key);
    out.set(key, prev === undefined ? logP : Math.log(Math.exp(prev) + Math.exp(logP)));
  }
  return out;
}

describe('CTC decoding', () => {
  test('prefix beam search with a beam covering every prefix equals exhaustive enumeration (n-best and probabilities)', () => {
    for (let seed = 0; seed < 6; seed++) {
      const lp = randomLogProbs(5, 3, seed);
      const all = [...exhaustive(lp)].sort((a, b) => b[1] - a[1]);
      const [nbest] = audio.ctcBeamSearch(lp, { beamWidth: 200, nBest: 8 });
      nbest!.forEach((h, i) => {
        assert.equal(h.tokens.join(','), all[i]![0], `seed ${seed} rank ${i}`);
        assert.ok(Math.abs(h.logProb - all[i]![1]) < 1e-10);
      });
      // Probabilities of all label sequences sum to 1.
      const everything = audio.ctcBeamSearch(lp, { beamWidth: 1000, nBest: 1000 })[0]!;
      assert.equal(everything.length, all.length);
      assert.ok(Math.abs(everything.reduce((s, h) => s + Math.exp(h.logProb), 0) - 1) < 1e-10);
    }
  });

  test('with a language model and a word bonus, the full beam ranks by log P(y|x) + alpha log P_LM(y) + beta words', () => {
    // Classes: 0 blank, 1 'a', 2 'b', 3 space. The LM prefers 'a' after anything.
    const lm = (prefix: readonly number[], next: number): number => Math.log(next === 1 ? 0.6 : 0.2) + (prefix.length > 0 ? 0 : -0.1);
    const lmOf = (tokens: number[]): number => tokens.reduce((s, c, i) => s + lm(tokens.slice(0, i), c), 0);
    const words = (tokens: number[]): number => tokens.map(String).join('').split('3').filter((w) => w.length > 0).length;
    const lp = randomLogProbs(4, 4, 11);
    const want = [...exhaustive(lp)].map(([key, logP]) => {
      const tokens = key === '' ? [] : key.split(',').map(Number);
      return { key, score: logP + 0.5 * lmOf(tokens) + 1.5 * words(tokens) };
    }).sort((a, b) => b.score - a.score);
    const [nbest] = audio.ctcBeamSearch(lp, { beamWidth: 500, nBest: 5, lm, lmWeight: 0.5, wordBonus: 1.5, wordSeparator: 3 });
    nbest!.forEach((h, i) => {
      assert.equal(h.tokens.join(','), want[i]!.key);
      assert.ok(Math.abs(h.score - want[i]!.score) < 1e-10);
    });
  });

  test('greedy: best class per frame, repeats merged unless a blank separates them, blanks dropped; batched with lengths', () => {
    const p = (rows: number[][]): number[][] => rows.map((r) => r.map(Math.log));
    // Best path: a a _ a b b _ -> "a a b" as [1, 1, 2].
    const frames = p([[0.1, 0.8, 0.1], [0.2, 0.7, 0.1], [0.9, 0.05, 0.05], [0.1, 0.6, 0.3], [0.1, 0.1, 0.8], [0.2, 0.1, 0.7], [0.7, 0.2, 0.1]]);
    const [h] = audio.ctcGreedyDecode(nb.tensor(frames, { dtype: 'float64' }));
    assert.deepEqual(h!.tokens, [1, 1, 2]);
    assert.ok(Math.abs(h!.logProb - Math.log(0.8 * 0.7 * 0.9 * 0.6 * 0.8 * 0.7 * 0.7)) < 1e-12);
    const batch = nb.tensor([frames, frames.slice().reverse()], { dtype: 'float64' });
    const both = audio.ctcGreedyDecode(batch, { lengths: [7, 3] });
    assert.deepEqual(both.map((x) => x.tokens), [[1, 1, 2], [2]]);
    // Greedy picks the best path, not the best labelling: beam search can differ.
    const tricky = nb.tensor(p([[0.4, 0.3, 0.3], [0.4, 0.3, 0.3]]), { dtype: 'float64' });
    assert.deepEqual(audio.ctcGreedyDecode(tricky)[0]!.tokens, []);
    assert.deepEqual(audio.ctcBeamSearch(tricky, { beamWidth: 5 })[0]![0]!.tokens, [1]);
  });

  test('bad inputs are errors', () => {
    const lp = randomLogProbs(4, 3, 1);
    assert.throws(() => audio.ctcGreedyDecode(nb.zeros([4, 3])), /sums to 3 after exp; pass log-probabilities/);
    assert.throws(() => audio.ctcGreedyDecode(lp, { blank: 3 }), /blank must be a class in \[0, 3\)/);
    assert.throws(() => audio.ctcGreedyDecode(lp.unsqueeze(0), { lengths: [5] }), /lengths must hold 1 integers in \[0, 4\]/);
    assert.throws(() => audio.ctcBeamSearch(lp, { beamWidth: 0 }), /beamWidth must be a positive integer/);
    assert.throws(() => audio.ctcBeamSearch(lp, { wordBonus: 1 }), /wordBonus needs wordSeparator/);
    assert.throws(() => audio.ctcBeamSearch(lp, { lm: () => 0.5 }), /lm returned 0.5; it must return a log-probability/);
    assert.throws(() => audio.ctcBeamSearch(lp, { width: 3 } as never), /unknown option 'width'/);
    assert.throws(() => audio.ctcGreedyDecode(nb.zeros([2, 3, 4, 5])), /\[T, C\] or \[B, T, C\]/);
  });
});

describe('editDistance, cer, wer', () => {
  for (const c of fixture.editDistance) {
    test(`editDistance(${JSON.stringify(c.seq1)}, ${JSON.stringify(c.seq2)}) = torchaudio's ${c.distance}`, () => {
      assert.equal(metrics.editDistance(c.seq1, c.seq2), c.distance);
    });
  }

  test('error rates are corpus-level: total edits / total reference length', () => {
    assert.equal(metrics.cer('kitten', 'sitting'), 3 / 7);
    assert.equal(metrics.cer(['abc', 'kitten'], ['abd', 'sitting']), 4 / 10);
    assert.equal(metrics.wer('the cat sat', 'the cat sat down'), 1 / 4);
    assert.equal(metrics.wer(['a b', 'c  d e'], ['a b', 'c x e']), 1 / 5);
    assert.throws(() => metrics.wer(['a'], ['a', 'b']), /1 predictions but 2 references/);
    assert.throws(() => metrics.cer('a', ''), /references are empty/);
    assert.throws(() => metrics.editDistance(3 as never, 'a'), /seq1 must be a string or an array of tokens/);
  });
});
