import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { seq2seq, F } from '../../src/index.js';
import { BOS, learnReversal } from './reversal.js';


function maxAbsDiff(a: nb.Tensor, b: nb.Tensor): number {
  return a.sub(b).abs().max().item();
}

function smallModel(): seq2seq.TransformerSeq2Seq {
  nb.manualSeed(3);
  const model = new seq2seq.TransformerSeq2Seq({ srcVocab: 9, tgtVocab: 7, dModel: 16, nhead: 2, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 32 });
  model.eval();
  return model;
}

describe('seq2seq.TransformerSeq2Seq', () => {
  test('the step function reproduces the teacher-forced logits position by position (with source padding)', () => {
    const model = smallModel();
    const src = nb.tensor([[2, 3, 4, 5, 6], [7, 8, 2, 0, 0]], { dtype: 'int32' });
    const tgtIn = nb.tensor([[BOS, 2, 3, 4], [BOS, 5, 6, 2]], { dtype: 'int32' });
    const srcLengths = [5, 3];
    const logits = model.forward(src, tgtIn, { srcLengths });
    assert.deepEqual(logits.shape, [2, 4, 7]);
    let state = model.initialState(src, { srcLengths });
    for (let t = 0; t < 4; t++) {
      const r = model.step(tgtIn.select(1, t), state);
      state = r.state;
      const want = F.logSoftmax(logits.select(1, t), -1);
      assert.ok(maxAbsDiff(r.logProbs, want) < 1e-5, `position ${t}: ${maxAbsDiff(r.logProbs, want)}`);
    }
    // Target padding after a sentence's end does not change its valid positions (the causal mask already hides it).
    const padded = model.forward(src, tgtIn, { srcLengths, tgtLengths: [4, 2] });
    assert.ok(maxAbsDiff(padded.select(0, 1).narrow(0, 0, 2), logits.select(0, 1).narrow(0, 0, 2)) < 1e-6);
    assert.ok(maxAbsDiff(padded.select(0, 0), logits.select(0, 0)) < 1e-6);
    // Source padding is masked: changing padded source tokens changes nothing.
    const src2 = nb.tensor([[2, 3, 4, 5, 6], [7, 8, 2, 5, 4]], { dtype: 'int32' });
    assert.ok(maxAbsDiff(model.forward(src2, tgtIn, { srcLengths }), logits) < 1e-5);
    // Without the lengths the padding is attended to: the second sentence's logits move.
    assert.ok(maxAbsDiff(model.forward(src2, tgtIn).select(0, 1), logits.select(0, 1)) > 1e-4);
  });

  test('causal masking: changing a future target token leaves earlier logits unchanged', () => {
    const model = smallModel();
    const src = nb.tensor([[2, 3, 4, 5]], { dtype: 'int32' });
    const a = model.forward(src, nb.tensor([[BOS, 2, 3, 4, 5]], { dtype: 'int32' }));
    const b = model.forward(src, nb.tensor([[BOS, 2, 3, 6, 5]], { dtype: 'int32' }));
    assert.ok(maxAbsDiff(a.narrow(1, 0, 3), b.narrow(1, 0, 3)) < 1e-6);
    assert.ok(maxAbsDiff(a.narrow(1, 3, 2), b.narrow(1, 3, 2)) > 1e-4);
  });

  test('embeddings start N(0, 1/dModel) (padding row zero) and are scaled by sqrt(dModel) before the positional encoding', () => {
    nb.manualSeed(1);
    const padded = new seq2seq.TransformerSeq2Seq({ srcVocab: 64, tgtVocab: 64, dModel: 16, nhead: 2, srcPaddingIdx: 0 });
    const std = padded.srcEmbedding.weight.narrow(0, 1, 63).std().item();
    assert.ok(std > 0.22 && std < 0.28, `std ${std}, want about 1/sqrt(16) = 0.25`);
    assert.equal(padded.srcEmbedding.weight.select(0, 0).abs().max().item(), 0);
    const model = smallModel();
    const tokens = nb.tensor([[3, 4]], { dtype: 'int32' });
    const want = model.srcEmbedding.forward(tokens).mul(4).add(model.positional.getBuffer('pe')!.narrow(0, 0, 2).reshape([1, 2, 16]));
    const memory = model.transformer.encoder.forward(want);
    assert.ok(maxAbsDiff(model.initialState(nb.tensor([[3, 4]], { dtype: 'int32' })).memory, memory) < 1e-6);
  });

  test('learns to reverse short sequences; greedy and beam search decode them', () => {
    nb.manualSeed(5);
    const model = new seq2seq.TransformerSeq2Seq({ srcVocab: 8, tgtVocab: 8, dModel: 32, nhead: 4, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 64, dropout: 0 });
    const { greedyRight, beamRight } = learnReversal(model, (src, tgtIn) => model.forward(src, tgtIn), 250, 5e-3);
    assert.ok(greedyRight >= 45 && beamRight >= 45, `greedy ${greedyRight}/50, beam ${beamRight}/50`);
  });

  test('bad arguments are errors', () => {
    assert.throws(() => new seq2seq.TransformerSeq2Seq({ srcVocab: 0, tgtVocab: 3 }), /srcVocab must be a positive integer/);
    assert.throws(() => new seq2seq.TransformerSeq2Seq({ srcVocab: 3, tgtVocab: 3, dModel: 10, nhead: 4 }), /nhead 4 must divide dModel 10/);
    assert.throws(() => new seq2seq.TransformerSeq2Seq({ srcVocab: 3, tgtVocab: 3, heads: 2 } as never), /unknown option 'heads'/);
    assert.throws(() => new seq2seq.TransformerSeq2Seq({ srcVocab: 3, tgtVocab: 3, dropout: 1 }), /dropout must be in \[0, 1\)/);
    const model = smallModel();
    const src = nb.tensor([[2, 3]], { dtype: 'int32' });
    assert.throws(() => model.forward(src, nb.tensor([[1, 7]], { dtype: 'int32' })), /tgtIn holds token 7, outside the vocabulary of 7/);
    assert.throws(() => model.forward(src.to('float32'), nb.tensor([[1]], { dtype: 'int32' })), /src must be int32 token ids/);
    assert.throws(() => model.forward(src, nb.tensor([[1], [1]], { dtype: 'int32' })), /tgtIn batch 2 differs from the source batch 1/);
    assert.throws(() => model.initialState(src, { srcLengths: [3] }), /srcLengths must hold 1 integers in \[1, 2\]/);
    assert.throws(() => model.initialState(src, { lengths: [2] } as never), /unknown option 'lengths' for TransformerSeq2Seq.initialState; did you mean 'srcLengths'\?/);
    assert.throws(() => model.step(nb.tensor([1, 1], { dtype: 'int32' }), model.initialState(src)), /step takes int32 tokens \[1\]/);
  });
});
