import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { seq2seq } from '../../src/index.js';

const EOS = 0;
const BOS = 9;

/** Log-probabilities of the next token after `prefix` for sentence `id`: a fixed pseudo-random distribution per prefix. */
function toyDistribution(id: number, prefix: readonly number[], vocab: number): number[] {
  let h = 2166136261 ^ (id * 7919);
  for (const t of [...prefix, 99]) h = Math.imul(h ^ (t + 1), 16777619) >>> 0;
  const logits = Array.from({ length: vocab }, (_, k) => {
    h = Math.imul(h ^ (k + 13), 2654435761) >>> 0;
    return ((h % 1000) / 1000) * 3;
  });
  const m = Math.max(...logits);
  const z = Math.log(logits.reduce((a, l) => a + Math.exp(l - m), 0)) + m;
  return logits.map((l) => l - z);
}

/** A step function over the toy model: the state is the prefix so far [rows, 1 + t] (column 0: sentence id). */
function toyModel(vocab: number): { step: seq2seq.StepFunction<nb.Tensor>; calls: { rows: number }[] } {
  const calls: { rows: number }[] = [];
  const step: seq2seq.StepFunction<nb.Tensor> = (tokens, state) => {
    const rows = state.shape[0]!;
    calls.push({ rows });
    const prefixes = state.toArray() as number[][];
    const toks = Array.from(tokens.toTypedArray());
    const next = prefixes.map((p, r) => (toks[r] === BOS ? p : [...p, toks[r]!]));
    const logProbs = nb.tensor(next.map((p) => toyDistribution(p[0]!, p.slice(1), vocab)), { dtype: 'float64' });
    const width = Math.max(...next.map((p) => p.length));
    const padded = next.map((p) => [...p, ...new Array<number>(width - p.length).fill(-1)]);
    return { logProbs, state: nb.tensor(padded, { dtype: 'int32' }) };
  };
  return { step, calls };
}

interface Scored { tokens: number[]; logProb: number; score: number; finished: boolean }

/** Every sequence the search may produce (EOS only at the end; length <= maxLength; unfinished only at maxLength), scored. */
function exhaustive(id: number, vocab: number, maxLength: number, alpha: number): Scored[] {
  const out: Scored[] = [];
  const walk = (prefix: number[], logProb: number): void => {
    const lp = toyDistribution(id, prefix, vocab);
    for (let k = 0; k < vocab; k++) {
      const tokens = [...prefix, k];
      const total = logProb + lp[k]!;
      if (k === EOS) out.push({ tokens, logProb: total, score: total / Math.pow(tokens.length, alpha), finished: true });
      else if (tokens.length === maxLength) out.push({ tokens, logProb: total, score: total / Math.pow(tokens.length, alpha), finished: false });
      else walk(tokens, total);
    }
  };
  walk([], 0);
  return out.sort((a, b) => b.score - a.score);
}

function closeHyp(got: seq2seq.Hypothesis, want: Scored, what: string): void {
  assert.deepEqual(got.tokens, want.tokens, what);
  assert.ok(Math.abs(got.logProb - want.logProb) < 1e-9, `${what}: logProb ${got.logProb} vs ${want.logProb}`);
  assert.ok(Math.abs(got.score - want.score) < 1e-9, `${what}: score`);
  assert.equal(got.finished, want.finished, `${what}: finished`);
}

describe('beam search', () => {
  test('equals exhaustive search when the beam covers the space (n-best too), for several alphas, batched', () => {
    const vocab = 3;
    const maxLength = 4;
    const { step } = toyModel(vocab);
    const ids = nb.tensor([[0], [1], [2]], { dtype: 'int32' });
    for (const alpha of [0, 0.7, 1]) {
      const beams = seq2seq.beamSearch(step, ids, { bos: BOS, eos: EOS, maxLength, beamWidth: 27, alpha, nBest: 5 });
      assert.equal(beams.length, 3);
      beams.forEach((nbest, id) => {
        const all = exhaustive(id, vocab, maxLength, alpha);
        assert.equal(nbest.length, 5);
        nbest.forEach((h, i) => closeHyp(h, all[i]!, `alpha ${alpha}, sentence ${id}, rank ${i}`));
      });
    }
  });

  test('a small beam finds the optimum on small vocabularies more often than greedy, never better than exhaustive', () => {
    const vocab = 4;
    const maxLength = 3;
    const { step } = toyModel(vocab);
    const ids = nb.tensor(Array.from({ length: 40 }, (_, i) => [i]), { dtype: 'int32' });
    const beam = seq2seq.beamSearch(step, ids, { bos: BOS, eos: EOS, maxLength, beamWidth: 3, alpha: 0, nBest: 1 });
    const greedy = seq2seq.greedyDecode(step, ids, { bos: BOS, eos: EOS, maxLength });
    let beamOptimal = 0;
    let greedyOptimal = 0;
    beam.forEach(([h], id) => {
      const best = exhaustive(id, vocab, maxLength, 0)[0]!;
      assert.ok(h!.score <= best.score + 1e-12);
      assert.ok(h!.score >= greedy[id]!.logProb - 1e-12, 'beam never scores below greedy with alpha 0');
      if (Math.abs(h!.score - best.score) < 1e-12) beamOptimal++;
      if (Math.abs(greedy[id]!.logProb - best.score) < 1e-12) greedyOptimal++;
    });
    assert.ok(beamOptimal > greedyOptimal, `beam ${beamOptimal} vs greedy ${greedyOptimal} optimal of 40`);
  });

  // V = {EOS, a, b}: P(a) = .5, P(b) = .4, P(EOS) = .1; after a: a .4, b .3, EOS .3; after b: EOS .9, a .05, b .05.
  const table: Record<string, number[]> = { '': [0.1, 0.5, 0.4], '1': [0.3, 0.4, 0.3], '2': [0.9, 0.05, 0.05] };
  const handStep: seq2seq.StepFunction<{ prefix: nb.Tensor }> = (tokens, state) => {
    const prefixes = (state.prefix.toArray() as number[][]).map((p, r) => {
      const tok = tokens.toTypedArray()[r]!;
      return tok === BOS ? p : [...p, tok];
    });
    const logProbs = nb.tensor(prefixes.map((p) => table[p.slice(1).join(',')]!.map(Math.log)), { dtype: 'float64' });
    const width = Math.max(...prefixes.map((p) => p.length));
    return { logProbs, state: { prefix: nb.tensor(prefixes.map((p) => [...p, ...new Array<number>(width - p.length).fill(0)]), { dtype: 'int32' }) } };
  };
  const start = { prefix: nb.tensor([[0]], { dtype: 'int32' }) };

  test('hand-checked: greedy takes a, a; beam 2 finds b, EOS (P .36) and ranks a, a (.2) second', () => {
    const [greedy] = seq2seq.greedyDecode(handStep, start, { bos: BOS, eos: EOS, maxLength: 2 });
    assert.deepEqual(greedy!.tokens, [1, 1]);
    assert.equal(greedy!.finished, false);
    assert.ok(Math.abs(greedy!.logProb - Math.log(0.2)) < 1e-12);
    const [nbest] = seq2seq.beamSearch(handStep, start, { bos: BOS, eos: EOS, maxLength: 2, beamWidth: 2, alpha: 0 });
    assert.deepEqual(nbest!.map((h) => h.tokens), [[2, 0], [1, 1]]);
    assert.ok(Math.abs(nbest![0]!.logProb - Math.log(0.36)) < 1e-12);
    assert.deepEqual(nbest!.map((h) => h.finished), [true, false]);
    // a, EOS (.15) ranked 4th at step 2 falls outside the beam; width 1 keeps a then a.
    const [one] = seq2seq.beamSearch(handStep, start, { bos: BOS, eos: EOS, maxLength: 2, beamWidth: 1, alpha: 0 });
    assert.deepEqual(one!.map((h) => h.tokens), [[1, 1]]);
  });

  test('length normalisation: score = logProb / T_y^alpha', () => {
    const [nbest] = seq2seq.beamSearch(handStep, start, { bos: BOS, eos: EOS, maxLength: 2, beamWidth: 3, alpha: 1 });
    for (const h of nbest!) assert.ok(Math.abs(h.score - h.logProb / h.tokens.length) < 1e-12);
    // With alpha 1 (mean log-prob per token), b, EOS: log(.36)/2 = -0.51 beats EOS alone: log(.1) = -2.3.
    assert.deepEqual(nbest![0]!.tokens, [2, 0]);
  });

  /** The same beam rule without stopping early: every step until no hypothesis is alive. */
  function referenceBeam(id: number, vocab: number, maxLength: number, width: number, alpha: number): Scored[] {
    let alive: { tokens: number[]; logProb: number }[] = [{ tokens: [], logProb: 0 }];
    const done: Scored[] = [];
    while (alive.length > 0) {
      const cands = alive.flatMap((b) => toyDistribution(id, b.tokens, vocab).map((lp, k) => ({ tokens: [...b.tokens, k], logProb: b.logProb + lp })));
      cands.sort((a, b) => b.logProb - a.logProb);
      alive = [];
      let taken = 0;
      cands.forEach((c, i) => {
        const score = c.logProb / Math.pow(c.tokens.length, alpha);
        if (c.tokens[c.tokens.length - 1] === EOS) {
          if (i < width) done.push({ ...c, score, finished: true });
        } else if (taken < width) {
          taken++;
          if (c.tokens.length === maxLength) done.push({ ...c, score, finished: false });
          else alive.push(c);
        }
      });
    }
    return done.sort((a, b) => b.score - a.score);
  }

  test('stopping early never changes the result (against the same beam run to the end)', () => {
    const { step } = toyModel(4);
    const ids = nb.tensor(Array.from({ length: 30 }, (_, i) => [i]), { dtype: 'int32' });
    for (const alpha of [0, 0.7, 1.5]) {
      const beams = seq2seq.beamSearch(step, ids, { bos: BOS, eos: EOS, maxLength: 7, beamWidth: 2, alpha, nBest: 2 });
      beams.forEach((nbest, id) => {
        const want = referenceBeam(id, 4, 7, 2, alpha);
        nbest.forEach((h, i) => closeHyp(h, want[i]!, `alpha ${alpha}, sentence ${id}, rank ${i}`));
      });
    }
  });

  test('stops early: once B hypotheses are finished and no alive one can beat them, no further steps run', () => {
    const { step, calls } = toyModel(3);
    seq2seq.beamSearch(step, nb.tensor([[0]], { dtype: 'int32' }), { bos: BOS, eos: EOS, maxLength: 40, beamWidth: 2, alpha: 0 });
    assert.ok(calls.length < 40, `${calls.length} steps`);
  });

  test('sequenceLogProbs scores given outputs, and error analysis blames search or model', () => {
    const lp = seq2seq.sequenceLogProbs(handStep, start, [[2, 0]], { bos: BOS });
    assert.ok(Math.abs(lp[0]! - Math.log(0.36)) < 1e-12);
    const two = { prefix: nb.tensor([[0], [0], [0]], { dtype: 'int32' }) };
    // y* = b EOS with output a a: P(y*) .36 > P(y-hat) .2: the search is to blame.
    // y* = a EOS (.15) with output b EOS (.36): the model prefers its wrong output.
    const analysis = seq2seq.beamSearchErrorAnalysis(handStep, two, [[2, 0], [1, 0], [2, 0]], [[1, 1], [2, 0], [2, 0]], { bos: BOS });
    assert.deepEqual(analysis.examples.map((e) => e.blame), ['search', 'model', 'correct']);
    assert.deepEqual([analysis.search, analysis.model, analysis.correct, analysis.searchFraction], [1, 1, 1, 0.5]);
    assert.ok(Math.abs(analysis.examples[1]!.referenceLogProb - Math.log(0.15)) < 1e-12);
    // With length normalisation alpha 1, a a (-0.80 per token) against y* = EOS (-2.30): the model.
    const normalised = seq2seq.beamSearchErrorAnalysis(handStep, start, [[0]], [[1, 1]], { bos: BOS, alpha: 1 });
    assert.equal(normalised.examples[0]!.blame, 'model');
    const raw = seq2seq.beamSearchErrorAnalysis(handStep, start, [[0]], [[1, 1]], { bos: BOS });
    assert.equal(raw.examples[0]!.blame, 'model');
  });

  test('bad arguments and bad step results are errors', () => {
    const { step } = toyModel(3);
    const ids = nb.tensor([[0]], { dtype: 'int32' });
    assert.throws(() => seq2seq.beamSearch(step, ids, { bos: BOS, eos: EOS, beamWidth: 0 }), /beamSearch: beamWidth must be an integer >= 1, got 0/);
    assert.throws(() => seq2seq.beamSearch(step, ids, { bos: BOS, eos: EOS, alpha: -1 }), /alpha must be a finite number >= 0/);
    assert.throws(() => seq2seq.beamSearch(step, ids, { bos: BOS, eos: EOS, width: 3 } as never), /unknown option 'width'/);
    assert.throws(() => seq2seq.greedyDecode(step, ids, { bos: -1, eos: EOS }), /bos must be an integer >= 0/);
    assert.throws(() => seq2seq.greedyDecode(step, ids, { bos: BOS, eos: EOS, batchSize: 2 }), /2 sentences but the state holds 1 rows/);
    const logits: seq2seq.StepFunction<nb.Tensor> = (tokens, state) => ({ logProbs: nb.ones([tokens.shape[0]!, 3]), state });
    assert.throws(() => seq2seq.greedyDecode(logits, ids, { bos: BOS, eos: EOS }), /sums to 8.15.* after exp; return log-probabilities/);
    const wrongRows: seq2seq.StepFunction<nb.Tensor> = (_tokens, state) => ({ logProbs: nb.zeros([2, 1]), state });
    assert.throws(() => seq2seq.beamSearch(wrongRows, ids, { bos: BOS, eos: EOS }), /logProbs \[2, 1\] of dtype float32; expected float \[1, V\]/);
    assert.throws(() => seq2seq.greedyDecode(step, 'x' as never, { bos: BOS, eos: EOS }), /holds no tensor to count sentences by/);
    assert.throws(() => seq2seq.beamSearchErrorAnalysis(step, ids, [[1]], [], { bos: BOS }), /same length/);
    assert.throws(() => seq2seq.greedyDecode(step, ids, { bos: BOS, eos: 3 }), /greedyDecode: eos 3 is not a token of the step's vocabulary of 3/);
    assert.throws(() => seq2seq.beamSearch(step, ids, { bos: BOS, eos: 7 }), /beamSearch: eos 7 is not a token/);
  });
});
