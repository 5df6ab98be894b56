import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { F, nn } from '../../src/index.js';
import { assertClose, fromJson, projected, type TensorJson } from './nn-golden.js';
import { readFixture } from '../helpers/fixtures.js';

interface LossCase {
  name: string;
  fn: string;
  dtype: 'float32' | 'float64';
  options: Record<string, unknown>;
  inputs: Record<string, TensorJson>;
  output: TensorJson;
  cotangent: (number | string)[];
  grads: Record<string, TensorJson>;
  renormedWeight?: TensorJson;
}

type Inputs = Record<string, nb.Tensor>;
type Options = Record<string, unknown>;
type Case = (x: Inputs, o: Options) => nb.Tensor;

const need = (x: Inputs, k: string): nb.Tensor => {
  const t = x[k];
  if (!t) throw new Error(`fixture input '${k}' missing`);
  return t;
};

/** How each fixture's function is called from its named inputs. */
const CALLS: Record<string, Case> = {
  mseLoss: (x, o) => F.mseLoss(need(x, 'input'), need(x, 'target'), o),
  l1Loss: (x, o) => F.l1Loss(need(x, 'input'), need(x, 'target'), o),
  huberLoss: (x, o) => F.huberLoss(need(x, 'input'), need(x, 'target'), o),
  smoothL1Loss: (x, o) => F.smoothL1Loss(need(x, 'input'), need(x, 'target'), o),
  binaryCrossEntropy: (x, o) => F.binaryCrossEntropy(need(x, 'input'), need(x, 'target'), o),
  binaryCrossEntropyWithLogits: (x, o) => F.binaryCrossEntropyWithLogits(need(x, 'input'), need(x, 'target'), o),
  maskedBinaryCrossEntropyWithLogits: (x, o) => F.maskedBinaryCrossEntropyWithLogits(need(x, 'input'), need(x, 'target'), o),
  crossEntropy: (x, o) => F.crossEntropy(need(x, 'input'), need(x, 'target'), o),
  nllLoss: (x, o) => F.nllLoss(need(x, 'input'), need(x, 'target'), o),
  kldiv: (x, o) => F.kldiv(need(x, 'input'), need(x, 'target'), o),
  hingeEmbeddingLoss: (x, o) => F.hingeEmbeddingLoss(need(x, 'input'), need(x, 'opt_target'), o),
  marginRankingLoss: (x, o) => F.marginRankingLoss(need(x, 'input1'), need(x, 'input2'), need(x, 'opt_target'), o),
  cosineEmbeddingLoss: (x, o) => F.cosineEmbeddingLoss(need(x, 'input1'), need(x, 'input2'), need(x, 'opt_target'), o),
  contrastiveLoss: (x, o) => F.contrastiveLoss(need(x, 'input1'), need(x, 'input2'), need(x, 'opt_target'), o),
  tripletMarginLoss: (x, o) => F.tripletMarginLoss(need(x, 'anchor'), need(x, 'positive'), need(x, 'negative'), o),
  ctcLossOnLogits: (x, o) => {
    const logits = need(x, 'logits');
    return F.ctcLoss(logits.logSoftmax(-1), need(x, 'targets'), need(x, 'inputLengths'), need(x, 'targetLengths'), o);
  },
  pairwiseDistance: (x, o) => F.pairwiseDistance(need(x, 'x1'), need(x, 'x2'), o),
  cosineSimilarity: (x, o) => F.cosineSimilarity(need(x, 'x1'), need(x, 'x2'), o),
  embedding: (x, o) => F.embedding(need(x, 'indices'), need(x, 'weight'), o),
};

/** Options naming an input ("@key") get that tensor. */
function resolveOptions(options: Options, inputs: Inputs): Options {
  const out: Options = {};
  for (const [k, v] of Object.entries(options)) out[k] = typeof v === 'string' && v.startsWith('@') ? need(inputs, v.slice(1)) : v;
  return out;
}

const fixture = readFixture<{ cases: LossCase[] }>('nn-losses.json');

function load(c: LossCase): Inputs {
  const inputs: Inputs = {};
  for (const [k, v] of Object.entries(c.inputs)) {
    const t = fromJson(v, v.dtype === 'float64' || v.dtype === 'float32' ? c.dtype : v.dtype);
    inputs[k] = k in c.grads ? t.requiresGrad_() : t;
  }
  return inputs;
}

describe('losses match PyTorch (outputs and gradients)', () => {
  for (const c of fixture.cases) {
    test(c.name, () => {
      const call = CALLS[c.fn];
      assert.ok(call, `no call for ${c.fn}`);
      const inputs = load(c);
      const out = call(inputs, resolveOptions(c.options, inputs));
      assertClose(out, c.output, 'output');
      if (c.renormedWeight) assertClose(inputs.weight, c.renormedWeight, 'renormalized weight');
      if (Object.keys(c.grads).length === 0) return;
      projected(out, c.cotangent).backward();
      for (const [k, g] of Object.entries(c.grads)) assertClose(inputs[k]!.grad, g, `grad of ${k}`);
    });
  }
});

describe('gradCheck in float64 for every loss', () => {
  const checked = new Set<string>();
  for (const c of fixture.cases) {
    // The padding row of an embedding changes the output but by design receives no gradient.
    if (c.dtype !== 'float64' || Object.keys(c.grads).length === 0 || c.renormedWeight || 'paddingIdx' in c.options) continue;
    // Central differences at probabilities of exactly 0 or 1 step outside [0, 1]; the golden above checks those.
    if (c.name.includes('at 0 and 1')) continue;
    // One representative per function and option set: the 'none' reduction covers the others' elements.
    const key = c.name.replace(/ (mean|sum|none|batchmean)$/, '');
    if (checked.has(key)) continue;
    checked.add(key);
    test(c.name, () => {
      const inputs = load(c);
      const names = Object.keys(c.grads);
      const result = nb.gradCheck((...xs) => {
        const all = { ...inputs };
        names.forEach((k, i) => (all[k] = xs[i]!));
        return CALLS[c.fn]!(all, resolveOptions(c.options, all));
      }, names.map((k) => inputs[k]!.detach()));
      assert.ok(result.passed, `relative error ${result.relativeError}, worst ${JSON.stringify(result.worst)}`);
    });
  }
});

test('gradCheck: embedding without padding', () => {
  const indices = nb.tensor([[0, 2, 2], [4, 1, 0]], { dtype: 'int32' });
  const result = nb.gradCheck((w) => F.embedding(indices, w!), [nb.randn([5, 3], { dtype: 'float64' })]);
  assert.ok(result.passed, `relative error ${result.relativeError}`);
});

describe('loss modules call the functional losses with their options', () => {
  const x = nb.tensor([[0.5, -1.2, 2.0], [0.1, 0.3, -0.7]], { dtype: 'float64' });
  const target = nb.tensor([2, 0], { dtype: 'int32' });

  test('CrossEntropyLoss with weight, smoothing and ignoreIndex equals F.crossEntropy', () => {
    const weight = nb.tensor([1, 2, 0.5], { dtype: 'float64' });
    const options = { weight, labelSmoothing: 0.1, ignoreIndex: 0, reduction: 'sum' as const };
    const loss = new nn.CrossEntropyLoss(options);
    assert.equal(loss.call(x, target).item(), F.crossEntropy(x, target, options).item());
    assert.deepEqual(Object.keys(loss.stateDict()), ['weight']);
  });

  test('every loss module gives its function value', () => {
    const y = nb.tensor([[0.4, -1, 2.5], [0, 0.3, -0.2]], { dtype: 'float64' });
    const probs = x.sigmoid();
    const half = nb.fullLike(x, 0.5);
    const signs = nb.tensor([1, -1], { dtype: 'float64' });
    const pairs: [nb.Tensor, nb.Tensor][] = [
      [new nn.MSELoss().call(x, y), F.mseLoss(x, y)],
      [new nn.L1Loss({ reduction: 'sum' }).call(x, y), F.l1Loss(x, y, { reduction: 'sum' })],
      [new nn.HuberLoss({ delta: 0.5 }).call(x, y), F.huberLoss(x, y, { delta: 0.5 })],
      [new nn.SmoothL1Loss({ beta: 0.5 }).call(x, y), F.smoothL1Loss(x, y, { beta: 0.5 })],
      [new nn.BCELoss().call(probs, half), F.binaryCrossEntropy(probs, half)],
      [new nn.BCEWithLogitsLoss({ posWeight: nb.tensor([1, 2, 3], { dtype: 'float64' }) }).call(x, half),
        F.binaryCrossEntropyWithLogits(x, half, { posWeight: nb.tensor([1, 2, 3], { dtype: 'float64' }) })],
      [new nn.MaskedBCEWithLogitsLoss().call(x, half), F.binaryCrossEntropyWithLogits(x, half)],
      [new nn.NLLLoss().call(x.logSoftmax(1), target), F.nllLoss(x.logSoftmax(1), target)],
      [new nn.KLDivLoss({ reduction: 'batchmean' }).call(x.logSoftmax(1), y.softmax(1)), F.kldiv(x.logSoftmax(1), y.softmax(1), { reduction: 'batchmean' })],
      [new nn.HingeEmbeddingLoss().call(x.select(1, 0), signs), F.hingeEmbeddingLoss(x.select(1, 0), signs)],
      [new nn.MarginRankingLoss({ margin: 0.1 }).call(x.select(1, 0), y.select(1, 0), signs), F.marginRankingLoss(x.select(1, 0), y.select(1, 0), signs, { margin: 0.1 })],
      [new nn.CosineEmbeddingLoss().call(x, y, signs), F.cosineEmbeddingLoss(x, y, signs)],
      [new nn.TripletMarginLoss({ swap: true }).call(x, y, y.flip(0)), F.tripletMarginLoss(x, y, y.flip(0), { swap: true })],
      [new nn.ContrastiveLoss().call(x, y, nb.tensor([0, 1], { dtype: 'int32' })), F.contrastiveLoss(x, y, nb.tensor([0, 1], { dtype: 'int32' }))],
    ];
    for (const [a, b] of pairs) assert.equal(a.item(), b.item());
    const lp = nb.randn([5, 2, 4], { dtype: 'float64' }).logSoftmax(2);
    const tg = nb.tensor([[1, 2], [3, 3]], { dtype: 'int32' });
    assert.equal(new nn.CTCLoss().call(lp, tg, [5, 5], [2, 2]).item(), F.ctcLoss(lp, tg, [5, 5], [2, 2]).item());
  });
});

describe('loss errors name the loss and what was expected', () => {
  const logits = nb.zeros([4, 3]);
  test('float class labels for crossEntropy', () => {
    assert.throws(() => F.crossEntropy(logits, nb.tensor([0, 1, 2, 1], { dtype: 'float32' })), /crossEntropy: .*class probabilities.*int32/);
  });
  test('a label out of range', () => {
    assert.throws(() => F.crossEntropy(logits, nb.tensor([0, 1, 3, 1], { dtype: 'int32' })), /crossEntropy: target 3 at flat index 2 is out of bounds: class indices must be in \[0, 3\) \(are the labels 1-based\?\)/);
  });
  test('a target with a trailing 1 dim', () => {
    assert.throws(() => F.crossEntropy(logits, nb.zeros([4, 1], { dtype: 'int32' })), /target of class indices of shape \[4\], got \[4, 1\] \(squeeze/);
  });
  test('mseLoss with shapes that would broadcast', () => {
    assert.throws(() => F.mseLoss(nb.zeros([8, 1]), nb.zeros([8])), /mseLoss: input has shape \[8, 1\] but target has shape \[8\]; they must be equal; squeeze the input's last dim/);
  });
  test('binaryCrossEntropy given logits', () => {
    assert.throws(() => F.binaryCrossEntropy(nb.tensor([0.5, 1.5]), nb.tensor([0, 1], { dtype: 'float32' })), /in \[0, 1\], got 1.5 at flat index 1; apply sigmoid first/);
  });
  test('a bad reduction', () => {
    assert.throws(() => F.l1Loss(nb.zeros([2]), nb.zeros([2]), { reduction: 'avg' as 'mean' }), /F.l1Loss: option 'reduction' must be 'mean', 'sum' or 'none', got string 'avg'/);
  });
  test('class weights of the wrong length', () => {
    assert.throws(() => F.crossEntropy(logits, nb.zeros([4], { dtype: 'int32' }), { weight: nb.ones([4]) }), /weight must have one entry per class, shape \[3\], got \[4\]/);
  });
  test('CTC with a target longer than its padded width, or holding blank', () => {
    const lp = nb.zeros([5, 1, 3]);
    assert.throws(() => F.ctcLoss(lp, nb.tensor([[1, 2]], { dtype: 'int32' }), [5], [3]), /ctcLoss: targetLengths\[0\] = 3 exceeds the target width 2/);
    assert.throws(() => F.ctcLoss(lp, nb.tensor([[1, 0]], { dtype: 'int32' }), [5], [2]), /holds the blank label 0 at position 1/);
    assert.throws(() => F.ctcLoss(lp, nb.tensor([[1, 2]], { dtype: 'int32' }), [6], [2]), /inputLengths\[0\] = 6 exceeds the 5 time steps/);
  });
  test('cosineEmbeddingLoss labels must be 1 or -1', () => {
    assert.throws(() => F.cosineEmbeddingLoss(nb.ones([2, 3]), nb.ones([2, 3]), nb.tensor([1, 0], { dtype: 'float32' })), /target values must be 1 or -1, got 0/);
  });
});

describe('CTC', () => {
  test('an impossible alignment gives Infinity unless zeroInfinity', () => {
    const lp = nb.randn([2, 1, 3], { dtype: 'float64' }).logSoftmax(2);
    const tg = nb.tensor([[1, 1]], { dtype: 'int32' });
    assert.equal(F.ctcLoss(lp, tg, [2], [2], { reduction: 'sum' }).item(), Infinity);
    const leaf = lp.detach().requiresGrad_();
    const zeroed = F.ctcLoss(leaf, tg, [2], [2], { reduction: 'sum', zeroInfinity: true });
    zeroed.backward();
    assert.equal(zeroed.item(), 0);
    assert.ok(leaf.grad!.toTypedArray().every((v) => v === 0));
  });

  test('the loss of one label is the sum over alignments computed by hand', () => {
    // T = 2, target [1]: alignments (1, 1), (0, 1), (1, 0) with 0 the blank.
    const probs = [[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]];
    const lp = nb.tensor(probs, { dtype: 'float64' }).log().reshape(2, 1, 3);
    const p = probs[0]![1]! * probs[1]![1]! + probs[0]![0]! * probs[1]![1]! + probs[0]![1]! * probs[1]![0]!;
    const loss = F.ctcLoss(lp, nb.tensor([[1]], { dtype: 'int32' }), [2], [1], { reduction: 'sum' }).item();
    assert.ok(Math.abs(loss + Math.log(p)) < 1e-12);
  });
});

describe('weight penalties', () => {
  const model = new nn.Sequential(new nn.Linear(3, 2), new nn.ReLU(), new nn.Linear(2, 1));
  const all = [...model.parameters()];
  const weights = [model.at(0), model.at(2)].map((m) => (m as nn.Linear).weight);
  const sumAbs = (ts: nb.Tensor[]): number => ts.reduce((a, t) => a + t.abs().sum().item(), 0);
  const sumSq = (ts: nb.Tensor[]): number => ts.reduce((a, t) => a + t.square().sum().item(), 0);
  const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-5 * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

  test('l1, l2 and elastic net over all parameters', () => {
    close(F.l1Penalty(model, 0.1).item(), 0.1 * sumAbs(all));
    close(F.l2Penalty(model.parameters(), 0.1).item(), 0.1 * sumSq(all));
    close(F.elasticNetPenalty(model, 0.5, 0.3).item(), 0.5 * (0.7 * sumAbs(all) + 0.3 * sumSq(all)));
  });

  test('excludeBiases skips bias parameters by name, or 1-D tensors when unnamed', () => {
    close(F.l2Penalty(model.namedParameters(), 1, { excludeBiases: true }).item(), sumSq(weights));
    close(F.l1Penalty(all, 1, { excludeBiases: true }).item(), sumAbs(weights));
    close(F.elasticNetPenalty(model, 1, 0, { excludeBiases: true }).item(), sumAbs(weights));
  });

  test('the penalty is differentiable: d/dθ λ||θ||² = 2λθ', () => {
    model.zeroGrad();
    F.l2Penalty(model, 0.5, { excludeBiases: true }).backward();
    const w = weights[0]!;
    assert.deepEqual(Array.from(w.grad!.toTypedArray()), Array.from(w.toTypedArray()));
    assert.equal((model.at(0) as nn.Linear).bias!.grad, null);
  });

  test('bad arguments', () => {
    assert.throws(() => F.elasticNetPenalty(model, 1, 1.5), /elasticNetPenalty: alpha must be in \[0, 1\], got 1.5/);
    assert.throws(() => F.l1Penalty([], 1), /l1Penalty: no parameters to penalize/);
  });
});
