import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { assertClose } from '../metrics/fixtures.js';

const { face } = nb.vision;
const line = (v: number[]) => nb.tensor(v.map((x) => [x]), { dtype: 'float64' });

describe('triplet mining (hand-computed on 1-D embeddings)', () => {
  const e = line([0, 1, 3, 4]);
  const labels = [0, 0, 1, 1];
  test('pairwiseDistances', () => {
    assertClose(face.pairwiseDistances(e).toArray() as number[][], [[0, 1, 3, 4], [1, 0, 2, 3], [3, 2, 0, 1], [4, 3, 1, 0]], 1e-12);
    const g = nb.grad((x) => face.pairwiseDistances(x!).sum())(nb.tensor([[1, 2], [1, 2], [0, 0]], { dtype: 'float64' }));
    assert.ok(Array.from(g[0]!.toTypedArray()).every(Number.isFinite), 'finite gradient with coincident points');
  });
  test('batch-hard: farthest positive, nearest negative per anchor', () => {
    const r = face.batchHardTripletLoss(e, labels, { margin: 2.5 });
    assertClose(r.loss.item(), (0.5 + 1.5 + 1.5 + 0.5) / 4, 1e-12);
    assert.equal(r.triplets, 4);
  });
  test('batch-all: mean over the triplets with positive loss', () => {
    const r = face.batchAllTripletLoss(e, labels, { margin: 2.5 });
    assertClose(r.loss.item(), 5 / 6, 1e-12);
    assert.equal(r.triplets, 8);
    assertClose(r.activeFraction, 6 / 8, 1e-12);
  });
  test('semi-hard: nearest negative farther than the positive, else the farthest', () => {
    assertClose(face.semiHardTripletLoss(e, labels, { margin: 2.5 }).loss.item(), (0.5 + 1.5 + 1.5 + 0.5) / 4, 1e-12);
    // a=0, p=1 (d 5): no negative beyond 5, so the farthest (d(0, 2) = 1) is used: 5 - 1 + 0.2
    const r = face.semiHardTripletLoss(line([0, 5, 1]), [0, 0, 1], { margin: 0.2 });
    assertClose(r.loss.item(), (4.2 + Math.max(0, 5 - 4 + 0.2)) / 2, 1e-12);
  });
  test('gradients flow to the embeddings (gradCheck) and errors', () => {
    const x = nb.randn([6, 3], { dtype: 'float64', generator: new nb.Generator(2) });
    const y = [0, 0, 1, 1, 2, 2];
    for (const loss of [face.batchHardTripletLoss, face.batchAllTripletLoss, face.semiHardTripletLoss]) {
      assert.ok(nb.gradCheck((t) => loss(face.l2Normalize(t!), y, { margin: 0.5 }).loss, [x]).passed);
    }
    assert.throws(() => face.batchHardTripletLoss(x, [0, 1]), /batchHardTripletLoss: labels must hold one identity per embedding \(6\), got 2/);
    assert.throws(() => face.batchAllTripletLoss(x, y, { margin: -1 }), /margin must be a non-negative number/);
  });
  test('contrastivePairs feed F.contrastiveLoss', () => {
    const p = face.contrastivePairs([0, 0, 1]);
    assert.deepEqual(Array.from(p.first.toTypedArray()), [0, 0, 1]);
    assert.deepEqual(Array.from(p.second.toTypedArray()), [1, 2, 2]);
    assert.deepEqual(Array.from(p.target.toTypedArray()), [0, 1, 1]);
    const emb = line([0, 1, 3]).float();
    const loss = nb.F.contrastiveLoss(emb.indexSelect(0, p.first), emb.indexSelect(0, p.second), p.target, { margin: 2 });
    assertClose(loss.item(), (0.5 * 1 + 0 + 0.5 * 0) / 3, 1e-6); // similar pair at 1; dissimilar pairs at 3 and 2 >= margin
  });
  test('EmbeddingNet normalises', () => {
    const net = new face.EmbeddingNet(new nb.nn.Linear(4, 3));
    const out = net.forward(nb.randn([5, 4]));
    assertClose(Array.from(out.square().sum(1).toTypedArray()), [1, 1, 1, 1, 1], 1e-6);
    assert.equal(new face.EmbeddingNet(new nb.nn.Linear(4, 3), false).normalize, false);
  });
});

describe('EmbeddingIndex', () => {
  const index = new face.EmbeddingIndex({ threshold: 0.5 });
  index.add('ann', nb.tensor([1, 0])).add('bob', nb.tensor([[0, 1], [0, 0.9]]));
  test('verify (1:1) and identify (1:K, unknown beyond tau)', () => {
    assert.deepEqual(index.identities(), ['ann', 'bob']);
    const v = index.verify(nb.tensor([[0.9, 0.1], [0, 1]]), 'ann');
    assert.deepEqual(v.map((r) => r.match), [true, false]);
    assertClose(v[0]!.distance, Math.sqrt(0.02), 1e-6);
    const id = index.identify(nb.tensor([[0.1, 0.8], [5, 5]]));
    assert.equal(id[0]!.identity, 'bob');
    assertClose(id[0]!.distance, Math.sqrt(0.01 + 0.01), 1e-6); // the nearer of bob's two references
    assert.equal(id[1]!.identity, null);
    assert.equal(id[1]!.nearest, 'ann');
    assert.throws(() => index.verify(nb.tensor([1, 0]), 'eve'), /unknown identity 'eve' \(known: ann, bob\)/);
    assert.throws(() => index.add('eve', nb.tensor([1, 0, 0])), /embeddings have 3 dimensions but the index holds 2/);
    assert.throws(() => index.add('eve', nb.zeros([1, 1, 4, 4])), /no embed function was given/);
  });
  test('save / load as safetensors + JSON, with an embed function for images', () => {
    const { safetensors, json } = index.save();
    const back = face.EmbeddingIndex.load(safetensors, json, { embed: (t) => t.flatten(1).slice(1, 0, 2) });
    assert.equal(back.size, 3);
    assert.equal(back.threshold, 0.5);
    assert.equal(back.identify(nb.tensor([[[[0.05, 0.95]]]]))[0]!.identity, 'bob'); // an "image" through embed
    assert.throws(() => face.EmbeddingIndex.load(safetensors, '{"identities": [1]}'), /must hold \{ identities: string\[\], threshold: number \}/);
  });
});

describe('threshold selection', () => {
  const d = [0.1, 0.4, 0.35, 0.8];
  const same = [true, true, false, false];
  test('ROC over distances, EER, best-accuracy tau', () => {
    const roc = face.distanceRoc(d, same);
    assert.deepEqual(roc.thresholds, [-Infinity, 0.1, 0.35, 0.4, 0.8]);
    assert.deepEqual(roc.tpr, [0, 0.5, 0.5, 1, 1]);
    assert.deepEqual(roc.fpr, [0, 0, 0.5, 0.5, 1]);
    assert.deepEqual(face.equalErrorRate(d, same), { eer: 0.5, threshold: 0.35 });
    assert.deepEqual(face.bestAccuracyThreshold(d, same), { threshold: 0.1, accuracy: 0.75 });
    assert.throws(() => face.distanceRoc([1, 2], [true, true]), /needs both same-identity and different-identity pairs/);
  });
});

describe('one-shot recognition on digits 7-9 after training on 0-6', () => {
  test('identification and verification well above chance', () => {
    const r = face.oneShotDigits({ steps: 200 });
    console.log(`one-shot digits: verification ${r.verificationAccuracy.toFixed(3)} (TPR ${r.verificationTpr.toFixed(3)}, TNR ${r.verificationTnr.toFixed(3)}), identification ${r.identificationAccuracy.toFixed(3)}, tau ${r.threshold.toFixed(3)}`);
    assert.equal(r.queries, 530);
    assert.ok(r.validationAccuracy > 0.9, `validation pair accuracy ${r.validationAccuracy}`);
    assert.ok(r.identificationAccuracy > 0.55, `identification ${r.identificationAccuracy} (chance 1/3)`);
    assert.ok(r.verificationTpr > 0.5 && r.verificationTnr > 0.5, `TPR ${r.verificationTpr}, TNR ${r.verificationTnr}`);
  });
});
