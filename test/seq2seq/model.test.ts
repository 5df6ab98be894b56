import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { seq2seq, F } from '../../src/index.js';
import { BOS, EOS, learnReversal } from './reversal.js';


function maxAbsDiff(a: nb.Tensor, b: nb.Tensor): number {
  return a.sub(b).abs().max().item();
}

describe('EncoderDecoder', () => {
  test('every cell and attention gives logits [B, T, V] and weights [B, T, S] that sum to one', () => {
    for (const cell of ['rnn', 'gru', 'lstm'] as const) {
      for (const attention of ['additive', 'dot', 'general', 'scaled', 'none'] as const) {
        for (const bidirectional of [true, false]) {
          nb.manualSeed(1);
          const model = new seq2seq.EncoderDecoder({
            srcVocab: 7, tgtVocab: 5, embedDim: 6, encoderHidden: 4, decoderHidden: bidirectional ? 8 : 4, cell, attention, bidirectional,
          });
          const src = nb.randint(0, 7, [3, 6], { dtype: 'int32' });
          const tgt = nb.randint(0, 5, [3, 4], { dtype: 'int32' });
          const { logits, attention: weights } = model.forward(src, tgt);
          assert.deepEqual(logits.shape, [3, 4, 5]);
          if (attention === 'none') assert.equal(weights, null);
          else {
            assert.deepEqual(weights!.shape, [3, 4, 6]);
            assert.ok(maxAbsDiff(weights!.sum(-1), nb.ones([3, 4])) < 1e-5);
          }
        }
      }
    }
  });

  test('the step function replays forward: greedy tokens fed back teacher-forced give the same logits', () => {
    nb.manualSeed(2);
    const model = new seq2seq.EncoderDecoder({ srcVocab: 7, tgtVocab: 6, embedDim: 5, encoderHidden: 4, decoderHidden: 6 });
    model.eval();
    const src = nb.randint(0, 7, [2, 5], { dtype: 'int32' });
    const decoded = seq2seq.greedyDecode(model.step, model.initialState(src), { bos: BOS, eos: EOS, maxLength: 4 });
    const width = Math.max(...decoded.map((h) => h.tokens.length));
    const tgtIn = nb.tensor(decoded.map((h) => [BOS, ...h.tokens.slice(0, width - 1), ...new Array<number>(width - h.tokens.length).fill(EOS)]), { dtype: 'int32' });
    const { logits } = model.forward(src, tgtIn);
    const logProbs = F.logSoftmax(logits, -1).toArray() as number[][][];
    decoded.forEach((h, b) => {
      const total = h.tokens.reduce((s, tok, t) => s + logProbs[b]![t]![tok]!, 0);
      assert.ok(Math.abs(total - h.logProb) < 1e-4, `sentence ${b}: ${total} vs ${h.logProb}`);
    });
    // Beam search reorders the state's rows (memory, projected keys, cell state) by itself.
    const beams = seq2seq.beamSearch(model.step, model.initialState(src), { bos: BOS, eos: EOS, maxLength: 4, beamWidth: 3, alpha: 0 });
    beams.forEach((nbest, b) => {
      assert.ok(nbest[0]!.logProb >= decoded[b]!.logProb - 1e-5 || decoded[b]!.tokens.length !== 4 || nbest[0]!.tokens.length < 4);
      const scored = seq2seq.sequenceLogProbs(model.step, model.initialState(src.narrow(0, b, 1)), [nbest[0]!.tokens], { bos: BOS });
      assert.ok(Math.abs(scored[0]! - nbest[0]!.logProb) < 1e-4);
    });
  });

  test('srcLengths: padding gets no attention and does not change a sentence\'s result', () => {
    nb.manualSeed(3);
    const model = new seq2seq.EncoderDecoder({ srcVocab: 7, tgtVocab: 6, embedDim: 5, encoderHidden: 4, decoderHidden: 6, srcPaddingIdx: 0 });
    const short = nb.tensor([[3, 4, 5]], { dtype: 'int32' });
    const padded = nb.tensor([[3, 4, 5, 0, 0], [1, 2, 3, 4, 5]], { dtype: 'int32' });
    const tgt = nb.tensor([[1, 2, 3], [1, 4, 4]], { dtype: 'int32' });
    const alone = model.forward(short, tgt.narrow(0, 0, 1));
    const batched = model.forward(padded, tgt, { srcLengths: [3, 5] });
    assert.ok(maxAbsDiff(alone.logits, batched.logits.narrow(0, 0, 1)) < 1e-5);
    assert.equal(batched.attention!.narrow(0, 0, 1).narrow(2, 3, 2).abs().sum().item(), 0);
  });

  test('teacherForcingRatio 0 feeds the model its own predictions', () => {
    nb.manualSeed(4);
    const model = new seq2seq.EncoderDecoder({ srcVocab: 7, tgtVocab: 6, embedDim: 5, encoderHidden: 4, decoderHidden: 6, attention: 'general' });
    const src = nb.randint(0, 7, [2, 5], { dtype: 'int32' });
    const tgt = nb.tensor([[BOS, 2, 3, 4], [BOS, 5, 2, 0]], { dtype: 'int32' });
    const own = model.forward(src, tgt, { teacherForcingRatio: 0 }).logits;
    // With ratio 0 only the first input comes from tgtIn; the rest are argmax of the previous step, as greedy decoding.
    let state = model.initialState(src);
    let tokens = nb.tensor([BOS, BOS], { dtype: 'int32' });
    const columns = [tokens];
    for (let t = 0; t < 3; t++) {
      const r = model.decodeStep(tokens, state);
      state = r.state;
      tokens = r.logits.argmax(-1).to('int32');
      columns.push(tokens);
    }
    const greedyIn = nb.stack(columns, 1);
    assert.ok(maxAbsDiff(own, model.forward(src, greedyIn).logits) < 1e-5);
    assert.ok(maxAbsDiff(own, model.forward(src, tgt).logits) > 1e-4);
    assert.throws(() => model.forward(src, tgt, { teacherForcingRatio: 1.5 }), /teacherForcingRatio must be in \[0, 1\]/);
  });

  test('learns to reverse short sequences; beam and greedy decode them', () => {
    nb.manualSeed(5);
    const model = new seq2seq.EncoderDecoder({ srcVocab: 8, tgtVocab: 8, embedDim: 16, encoderHidden: 16, decoderHidden: 32, attentionDim: 16 });
    const { greedyRight, beamRight } = learnReversal(model, (src, tgtIn) => model.forward(src, tgtIn).logits, 150, 0.02);
    assert.ok(greedyRight >= 45 && beamRight >= 45, `greedy ${greedyRight}/50, beam ${beamRight}/50`);
  });

  test('bad arguments are errors', () => {
    assert.throws(() => new seq2seq.EncoderDecoder({ srcVocab: 0, tgtVocab: 3 }), /srcVocab must be a positive integer/);
    assert.throws(() => new seq2seq.EncoderDecoder({ srcVocab: 3, tgtVocab: 3, cell: 'rnnn' as never }), /cell must be 'rnn', 'gru' or 'lstm'/);
    assert.throws(() => new seq2seq.EncoderDecoder({ srcVocab: 3, tgtVocab: 3, attention: 'dot', encoderHidden: 4, decoderHidden: 6 }), /needs decoderHidden = encoder output features \(8\)/);
    assert.throws(() => new seq2seq.EncoderDecoder({ srcVocab: 3, tgtVocab: 3, heads: 2 } as never), /unknown option 'heads'/);
    const model = new seq2seq.EncoderDecoder({ srcVocab: 3, tgtVocab: 3 });
    assert.throws(() => model.forward(nb.tensor([[0, 5]], { dtype: 'int32' }), nb.tensor([[0]], { dtype: 'int32' })), /src holds token 5, outside the vocabulary of 3/);
    assert.throws(() => model.forward(nb.tensor([[0.5, 1]]), nb.tensor([[0]], { dtype: 'int32' })), /src must be int32 token ids \[B, T\], got float32 \[1, 2\]/);
  });
});

describe('attentionHeatmap', () => {
  test('one cell per weight, output tokens on the rows and source tokens on the columns', () => {
    const svg = seq2seq.attentionHeatmap([[0.9, 0.1, 0], [0.2, 0.3, 0.5]], ['3', 'may', '<1979>'], ['1979', '05'], { title: 'dates' });
    assert.ok(svg.startsWith('<svg'));
    assert.equal((svg.match(/<rect /g) ?? []).length, 1 + 6);
    assert.ok(svg.includes('&lt;1979&gt;') && svg.includes('>may<') && svg.includes('>05<'));
    assert.ok(svg.includes('fill="#08306b"') === false && svg.includes(`fill="#f7fbff"`), 'weight 0 is white');
  });

  test('bad weights are errors', () => {
    assert.throws(() => seq2seq.attentionHeatmap([[0.5, 0.5]], ['a'], ['x']), /row 0 has 2 values but there are 1 source tokens/);
    assert.throws(() => seq2seq.attentionHeatmap([[1.5]], ['a'], ['x']), /weight \[0, 0\] = 1.5 is not in \[0, 1\]/);
    assert.throws(() => seq2seq.attentionHeatmap(nb.zeros([2, 2, 2]), ['a'], ['x']), /select one example/);
    assert.throws(() => seq2seq.attentionHeatmap([[1]], ['a'], ['x', 'y']), /1 weight rows but 2 output tokens/);
  });
});
