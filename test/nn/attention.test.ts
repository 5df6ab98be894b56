import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { nn, F } from '../../src/index.js';
import { caseInputs, checkCase, loadCase, stateDictShapes, type GoldenCase } from './recurrent-golden.js';
import { readFixture } from '../helpers/fixtures.js';

interface AttentionCase extends GoldenCase {
  call?: 'self' | 'cross' | 'keyIsValue' | 'selfNoWeights';
  forwardOptions?: nn.MultiheadAttentionForwardOptions;
  inputKinds?: Record<string, nb.DType>;
}
interface AttentionFixture {
  cases: AttentionCase[];
  stateDicts: Record<string, [string, number[]][]>;
}
const fixture = readFixture<AttentionFixture>('rnn-attention.json');

describe('attention matches PyTorch', () => {
  for (const c of fixture.cases) {
    test(c.name, () => {
      const inputs = caseInputs(c, c.inputKinds ?? {});
      const masks = { keyPaddingMask: inputs.keyPaddingMask ?? null, attnMask: inputs.attnMask ?? null };
      if (c.layer === 'scaledDotProductAttention') {
        const output = F.scaledDotProductAttention(inputs.q!, inputs.k!, inputs.v!, { ...(c.options as F.ScaledDotProductAttentionOptions), attnMask: masks.attnMask });
        checkCase(new nn.Identity(), c, inputs, { output });
        return;
      }
      const [embed, heads] = c.args as [number, number];
      const mha = loadCase(new nn.MultiheadAttention(embed, heads, c.options as nn.MultiheadAttentionOptions), c);
      const options = { ...c.forwardOptions, ...masks };
      const x = inputs.x!;
      const [output, weights] =
        c.call === 'self' || c.call === 'selfNoWeights'
          ? mha.forward(x, x, x, options)
          : c.call === 'keyIsValue'
            ? mha.forward(inputs.query!, inputs.memory!, inputs.memory!, options)
            : mha.forward(inputs.query!, inputs.key!, inputs.value!, options);
      if (c.outputs.weights === undefined) assert.equal(weights, null);
      checkCase(mha, c, inputs, { output, weights });
    });
  }
});

describe('attention state dicts equal PyTorch', () => {
  const layers: Record<string, nn.MultiheadAttention> = {
    'MultiheadAttention(8, 2)': new nn.MultiheadAttention(8, 2),
    'MultiheadAttention(6, 3, kdim 4, vdim 5)': new nn.MultiheadAttention(6, 3, { kdim: 4, vdim: 5 }),
    'MultiheadAttention(8, 4, no bias)': new nn.MultiheadAttention(8, 4, { bias: false }),
    'MultiheadAttention(6, 3, kdim 4, vdim 5, addBiasKv)': new nn.MultiheadAttention(6, 3, { kdim: 4, vdim: 5, addBiasKv: true }),
    'MultiheadAttention(8, 2, addBiasKv, addZeroAttn, no bias)': new nn.MultiheadAttention(8, 2, { addBiasKv: true, addZeroAttn: true, bias: false }),
  };
  for (const [name, module] of Object.entries(layers)) {
    test(name, () => assert.deepEqual(stateDictShapes(module), fixture.stateDicts[name]));
  }

  test('init: Xavier-uniform in_proj_weight, zero biases', () => {
    nb.manualSeed(4);
    const mha = new nn.MultiheadAttention(16, 4);
    const bound = Math.sqrt(6 / (16 + 48));
    const max = mha.inProjWeight!.abs().max().item();
    assert.ok(max <= bound && max > 0.9 * bound, `max |w| ${max}, bound ${bound}`);
    assert.equal(mha.inProjBias!.abs().sum().item(), 0);
    assert.equal(mha.outProj.bias!.abs().sum().item(), 0);
  });

  test('init: bias_k and bias_v are Xavier-normal ([1, 1, E]: fan in = fan out = E, std 1/sqrt(E))', () => {
    nb.manualSeed(5);
    const mha = new nn.MultiheadAttention(4096, 4, { addBiasKv: true });
    for (const b of [mha.biasK!, mha.biasV!]) {
      assert.deepEqual(b.shape, [1, 1, 4096]);
      const std = b.std().item();
      assert.ok(Math.abs(std * Math.sqrt(4096) - 1) < 0.05, `std ${std}`);
    }
    assert.equal(new nn.MultiheadAttention(8, 2).biasK, null);
  });
});

describe('attention behaviour', () => {
  test('isCausal equals an explicit causal mask, and the weights respect it', () => {
    nb.manualSeed(8);
    const mha = new nn.MultiheadAttention(8, 2, { batchFirst: true });
    const x = nb.randn([2, 5, 8]);
    const [a, wa] = mha.forward(x, x, x, { isCausal: true });
    const [b] = mha.forward(x, x, x, { attnMask: F.generateSquareSubsequentMask(5) });
    const [c] = mha.forward(x, x, x, { attnMask: nb.ones([5, 5], { dtype: 'bool' }).triu(1) });
    assert.deepEqual(a.toArray(), b.toArray());
    assert.deepEqual(a.toArray(), c.toArray());
    assert.equal(wa!.triu(1).abs().sum().item(), 0);
    const rowSums = wa!.sum(-1).toTypedArray();
    rowSums.forEach((s) => assert.ok(Math.abs(s - 1) < 1e-6));
  });

  test('scaledDotProductAttention: isCausal equals a bool mask of allowed positions', () => {
    const q = nb.randn([2, 4, 3]);
    const k = nb.randn([2, 4, 3]);
    const v = nb.randn([2, 4, 5]);
    const allowed = nb.ones([4, 4], { dtype: 'bool' }).tril();
    assert.deepEqual(
      F.scaledDotProductAttention(q, k, v, { isCausal: true }).toArray(),
      F.scaledDotProductAttention(q, k, v, { attnMask: allowed }).toArray(),
    );
  });

  test('generateSquareSubsequentMask matches torch', () => {
    assert.deepEqual(F.generateSquareSubsequentMask(3).toArray(), [[0, -Infinity, -Infinity], [0, 0, -Infinity], [0, 0, 0]]);
    assert.deepEqual(nn.Transformer.generateSquareSubsequentMask(2).toArray(), [[0, -Infinity], [0, 0]]);
  });

  test('attention dropout acts only in training mode', () => {
    nb.manualSeed(9);
    const mha = new nn.MultiheadAttention(4, 2, { dropout: 0.5 });
    const x = nb.randn([3, 2, 4]);
    const [, w1] = mha.forward(x, x, x, { averageAttnWeights: false });
    assert.ok(w1!.eq(0).any().item() !== 0, 'some weights dropped in training');
    mha.eval();
    const [, w2] = mha.forward(x, x, x, { averageAttnWeights: false });
    assert.equal(w2!.eq(0).any().item(), 0);
  });

  test('float64 gradCheck: multi-head attention with masks, and scaled dot-product attention', () => {
    nb.manualSeed(10);
    const mha = new nn.MultiheadAttention(4, 2, { kdim: 3, vdim: 2 }).double();
    const q = nb.randn([2, 2, 4], { dtype: 'float64' });
    const kv = nb.randn([3, 2, 3], { dtype: 'float64' });
    const v = nb.randn([3, 2, 2], { dtype: 'float64' });
    const keyPaddingMask = nb.tensor([[false, false, true], [false, false, false]], { dtype: 'bool' });
    const attnMask = nb.tensor([[false, true, false], [false, false, false]], { dtype: 'bool' });
    const r = nb.gradCheck(
      (qi, ki, vi, wq, wk, wv, b, wo, bo) => {
        const [out, weights] = F.multiHeadAttention(qi!, ki!, vi!, 2, {
          qProjWeight: wq!, kProjWeight: wk!, vProjWeight: wv!, inProjBias: b!, outProjWeight: wo!, outProjBias: bo!,
        }, { keyPaddingMask, attnMask });
        return [out, weights!];
      },
      [q, kv, v, mha.qProjWeight!, mha.kProjWeight!, mha.vProjWeight!, nb.randn([12], { dtype: 'float64' }), mha.outProj.weight, nb.randn([4], { dtype: 'float64' })],
    );
    assert.ok(r.passed, `MHA: relative error ${r.relativeError}`);
    const s = nb.gradCheck((a, b, c, m) => F.scaledDotProductAttention(a!, b!, c!, { attnMask: m! }), [
      nb.randn([2, 3, 4], { dtype: 'float64' }), nb.randn([2, 5, 4], { dtype: 'float64' }), nb.randn([2, 5, 2], { dtype: 'float64' }), nb.randn([3, 5], { dtype: 'float64' }),
    ]);
    assert.ok(s.passed, `SDPA: relative error ${s.relativeError}`);
  });
});

describe('addBiasKv and addZeroAttn', () => {
  test('float64 gradCheck through biasK, biasV and the zero key, with masks', () => {
    nb.manualSeed(12);
    const mha = new nn.MultiheadAttention(4, 2, { addBiasKv: true }).double();
    const x = nb.randn([3, 2, 4], { dtype: 'float64' });
    const keyPaddingMask = nb.tensor([[false, true, true], [false, false, false]], { dtype: 'bool' });
    const attnMask = nb.tensor([[0, -1, 0.5], [0, 0, -Infinity], [0.2, 0, 0]], { dtype: 'float64', allowNonFinite: true });
    const r = nb.gradCheck(
      (xi, w, b, wo, bk, bv) => {
        const [out, weights] = F.multiHeadAttention(xi!, xi!, xi!, 2, {
          inProjWeight: w!, inProjBias: b!, outProjWeight: wo!, biasK: bk!, biasV: bv!,
        }, { keyPaddingMask, attnMask, addZeroAttn: true });
        return [out, weights!];
      },
      [x, mha.inProjWeight!, nb.randn([12], { dtype: 'float64' }), mha.outProj.weight, mha.biasK!, mha.biasV!],
    );
    assert.ok(r.passed, `relative error ${r.relativeError}`);
  });

  test('weights cover the appended keys, which no mask hides; a fully padded row attends to them', () => {
    nb.manualSeed(13);
    const mha = new nn.MultiheadAttention(4, 2, { addBiasKv: true, addZeroAttn: true, batchFirst: true });
    const x = nb.randn([2, 3, 4]);
    const keyPaddingMask = nb.tensor([[true, true, true], [false, false, false]], { dtype: 'bool' });
    const [out, weights] = mha.forward(x, x, x, { keyPaddingMask });
    assert.deepEqual(weights!.shape, [2, 3, 5]);
    assert.ok(out.isFinite().all().item() !== 0);
    assert.equal(weights!.select(0, 0).narrow(1, 0, 3).abs().sum().item(), 0);
    assert.equal(mha.toString().split('\n')[1], '  embedDim=4, numHeads=2, batchFirst=true, addBiasKv=true, addZeroAttn=true');
    // Without the zero key, the zero output of the bias value would not appear: addZeroAttn changes the result.
    const plain = new nn.MultiheadAttention(4, 2, { addBiasKv: true, batchFirst: true });
    plain.loadStateDict(mha.stateDict());
    assert.notDeepEqual(plain.forward(x, x, x)[0].toArray(), mha.forward(x, x, x)[0].toArray());
  });

  test('errors: biasK without biasV, wrong shapes, non-boolean flags', () => {
    const w = { inProjWeight: nb.randn([12, 4]), outProjWeight: nb.randn([4, 4]) };
    const x = nb.randn([3, 2, 4]);
    assert.throws(() => F.multiHeadAttention(x, x, x, 2, { ...w, biasK: nb.randn([1, 1, 4]) }), /multiHeadAttention: give both biasK and biasV or neither/);
    assert.throws(() => F.multiHeadAttention(x, x, x, 2, { ...w, biasK: nb.randn([4]), biasV: nb.randn([4]) }), /multiHeadAttention: biasK must have shape \[1, 1, 4\], got \[4\]/);
    assert.throws(() => F.multiHeadAttention(x, x, x, 2, w, { addZeroAttn: 1 as unknown as boolean }), /F.multiHeadAttention: option 'addZeroAttn' must be true or false, got number 1/);
    assert.throws(() => new nn.MultiheadAttention(4, 2, { addBiasKv: 'yes' as unknown as boolean }), /MultiheadAttention: option 'addBiasKv' must be true or false, got string/);
    assert.throws(() => new nn.MultiheadAttention(4, 2, { addZeroAttn: null as unknown as boolean }), /MultiheadAttention: option 'addZeroAttn' must be true or false, got null/);
  });
});

describe('attention errors', () => {
  test('embedDim not divisible by numHeads', () => {
    assert.throws(() => new nn.MultiheadAttention(10, 3), /MultiheadAttention: embedDim 10 must be divisible by numHeads 3/);
  });

  test('bad mask shapes and dtypes', () => {
    const mha = new nn.MultiheadAttention(8, 2);
    const x = nb.randn([4, 3, 8]);
    assert.throws(() => mha.forward(x, x, x, { attnMask: nb.zeros([4, 5]) }), /MultiheadAttention\(embedDim 8, numHeads 2\): a 2-D attnMask must have shape \[4, 4\], got \[4, 5\]/);
    assert.throws(() => mha.forward(x, x, x, { attnMask: nb.zeros([3, 4, 4]) }), /a 3-D attnMask \(\[batch \* numHeads, L, S\]\) must have shape \[6, 4, 4\], got \[3, 4, 4\]/);
    assert.throws(() => mha.forward(x, x, x, { attnMask: nb.zeros([1, 1, 4, 4]) }), /attnMask must be 2-D \[L, S\] or 3-D/);
    assert.throws(() => mha.forward(x, x, x, { keyPaddingMask: nb.zeros([4, 3], { dtype: 'bool' }) }), /keyPaddingMask must have shape \[3, 4\], got \[4, 3\]/);
    assert.throws(() => mha.forward(x, x, x, { keyPaddingMask: nb.zeros([3, 4], { dtype: 'int32' }) }), /keyPaddingMask must be a bool or floating-point tensor, got dtype int32/);
    assert.throws(() => F.scaledDotProductAttention(x, x, x, { attnMask: nb.zeros([2, 4]) }), /attnMask of shape \[2, 4\] does not broadcast to the scores \[\.\.\., 3, 3\]/);
  });

  test('bad input shapes', () => {
    const mha = new nn.MultiheadAttention(8, 2, { batchFirst: true });
    assert.throws(() => mha.forward(nb.randn([2, 4, 6]), nb.randn([2, 4, 6]), nb.randn([2, 4, 6])), /expected query, key and value with 8, 8 and 8 features .* got shapes \[2, 4, 6\]/);
    assert.throws(() => mha.forward(nb.randn([2, 4, 8]), nb.randn([3, 5, 8]), nb.randn([3, 5, 8])), /key and value must have the query's batch size/);
    assert.throws(() => mha.forward(nb.randn([4, 8]), nb.randn([2, 4, 8]), nb.randn([2, 4, 8])), /must all be 3-D \(\[B, L, E\]\) or all 2-D/);
  });
});
