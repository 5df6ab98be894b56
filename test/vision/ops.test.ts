import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { assertClose, loadFixture } from '../metrics/fixtures.js';

const { ops } = nb.vision;
type Fmt = 'xyxy' | 'xywh' | 'cxcywh';

interface Grads { value: number[]; grad1: number[]; grad2: number[] }
interface Fixture {
  convert: Record<Fmt, number[]>;
  area: { boxes: number[]; area: number[] };
  pairwise: { boxes1: number[]; boxes2: number[] } & Record<'boxIou' | 'generalizedBoxIou' | 'distanceBoxIou' | 'completeBoxIou', Grads>;
  losses: { boxes1: number[]; boxes2: number[]; cases: ({ op: 'generalizedBoxIouLoss' | 'distanceBoxIouLoss' | 'completeBoxIouLoss'; reduction: 'none' | 'mean' | 'sum'; eps: number } & Grads)[] };
  focal: { inputs: number[]; targets: number[]; cases: { alpha: number; gamma: number; reduction: 'none' | 'mean' | 'sum'; value: number[]; grad: number[] }[] };
  clip: { boxes: number[]; size: [number, number]; value: number[] };
  small: { boxes: number[]; minSize: number; keep: number[] };
  masks: { masks: number[]; shape: number[]; boxes: number[] };
  nms: { boxes: number[]; scores: number[]; threshold: number; keep: number[] }[];
  batchedNms: { boxes: number[]; scores: number[]; idxs: number[]; threshold: number; keep: number[] }[];
  roiAlign: { input: number[]; inputShape: number[]; rois: number[]; cases: { outputSize: [number, number]; spatialScale: number; samplingRatio: number; aligned: boolean; value: number[]; grad: number[] }[] };
  roiPool: { input: number[]; inputShape: number[]; rois: number[]; cases: { outputSize: [number, number]; spatialScale: number; value: number[]; grad: number[] }[] };
}

const fx = loadFixture<Fixture>('vision-ops.json');
const boxes64 = (v: number[]) => nb.tensor(v, { dtype: 'float64' }).reshape([-1, 4]);
const boxes32 = (v: number[]) => nb.tensor(v, { dtype: 'float32' }).reshape([-1, 4]);
const flat = (t: nb.Tensor) => Array.from(t.toTypedArray() as ArrayLike<number>);
const weightLike = (y: nb.Tensor, lo: number, hi: number) =>
  nb.linspace(lo, hi, y.numel(), { dtype: 'float64' }).reshape(y.shape);

describe('vision.ops box geometry (torchvision goldens)', () => {
  test('boxConvert between every pair of formats', () => {
    const fmts: Fmt[] = ['xyxy', 'xywh', 'cxcywh'];
    for (const a of fmts) for (const b of fmts) assertClose(flat(ops.boxConvert(boxes64(fx.convert[a]), a, b)), fx.convert[b], 1e-12);
    // any leading dims, and a clone for the same format
    const x = boxes64(fx.convert.xyxy).reshape([5, 1, 4]);
    assert.deepEqual(ops.boxConvert(x, 'xyxy', 'cxcywh').shape, [5, 1, 4]);
    assert.notEqual(ops.boxConvert(x, 'xyxy', 'xyxy'), x);
  });

  test('boxArea', () => assertClose(flat(ops.boxArea(boxes64(fx.area.boxes))), fx.area.area, 1e-12));

  for (const name of ['boxIou', 'generalizedBoxIou', 'distanceBoxIou', 'completeBoxIou'] as const) {
    test(`${name}: values and gradients`, () => {
      const a = boxes64(fx.pairwise.boxes1).requiresGrad_(true);
      const b = boxes64(fx.pairwise.boxes2).requiresGrad_(true);
      const y = ops[name](a, b);
      assert.deepEqual(y.shape, [5, 7]);
      assertClose(flat(y), fx.pairwise[name].value, 1e-10);
      y.mul(weightLike(y, -1, 1)).sum().backward();
      assertClose(flat(a.grad!), fx.pairwise[name].grad1, 1e-9);
      assertClose(flat(b.grad!), fx.pairwise[name].grad2, 1e-9);
    });
  }

  test('metrics.boxIou is vision.ops.boxIou', () => assert.equal(nb.metrics.boxIou, ops.boxIou));

  test('matched-box IoU losses: values and gradients for each reduction and eps', () => {
    for (const c of fx.losses.cases) {
      const a = boxes64(fx.losses.boxes1).requiresGrad_(true);
      const b = boxes64(fx.losses.boxes2).requiresGrad_(true);
      const y = ops[c.op](a, b, { reduction: c.reduction, eps: c.eps });
      assertClose(flat(y), c.value, 1e-10, `${c.op} ${c.reduction}`);
      y.mul(weightLike(y, 0.5, 1.5)).sum().backward();
      assertClose(flat(a.grad!), c.grad1, 1e-9, `${c.op} ${c.reduction} grad1`);
      assertClose(flat(b.grad!), c.grad2, 1e-9, `${c.op} ${c.reduction} grad2`);
    }
  });

  test('sigmoidFocalLoss', () => {
    for (const c of fx.focal.cases) {
      const x = nb.tensor(fx.focal.inputs, { dtype: 'float64' }).reshape([3, 4]).requiresGrad_(true);
      const t = nb.tensor(fx.focal.targets, { dtype: 'float64' }).reshape([3, 4]);
      const y = ops.sigmoidFocalLoss(x, t, { alpha: c.alpha, gamma: c.gamma, reduction: c.reduction });
      assertClose(flat(y), c.value, 1e-10);
      y.sum().backward();
      assertClose(flat(x.grad!), c.grad, 1e-10);
    }
    assert.throws(() => ops.sigmoidFocalLoss(nb.zeros([2]), nb.zeros([3])), /sigmoidFocalLoss: targets must be a Tensor of the inputs' shape \[2\]/);
    assert.throws(() => ops.sigmoidFocalLoss(nb.zeros([2]), nb.zeros([2]), { gamma: -1 }), /gamma must be a non-negative/);
  });

  test('clipBoxesToImage, removeSmallBoxes, masksToBoxes', () => {
    assertClose(flat(ops.clipBoxesToImage(boxes64(fx.clip.boxes), fx.clip.size)), fx.clip.value, 0);
    assert.deepEqual(flat(ops.removeSmallBoxes(boxes64(fx.small.boxes), fx.small.minSize)), fx.small.keep);
    const masks = nb.tensor(fx.masks.masks).reshape(fx.masks.shape);
    assert.deepEqual(flat(ops.masksToBoxes(masks)), fx.masks.boxes);
    assert.throws(() => ops.masksToBoxes(nb.zeros([1, 3, 3])), /masksToBoxes: mask 0 has no non-zero pixel/);
  });

  test('malformed boxes are errors naming the op', () => {
    const good = [[0, 0, 1, 1]];
    assert.throws(() => ops.boxIou([[0, 0, 1]], good), /boxIou: boxes1 must have shape \[N, 4\]/);
    assert.throws(() => ops.boxIou(nb.zeros([2, 5]), good), /boxIou: boxes1 must have shape \[N, 4\] \(xyxy\), got \[2, 5\]/);
    assert.throws(() => ops.generalizedBoxIou(good, [[2, 0, 1, 1]]), /generalizedBoxIou: boxes2\[0\] = \[2, 0, 1, 1\] is not \(x1, y1, x2, y2\) with x2 >= x1/);
    assert.throws(() => ops.completeBoxIouLoss(nb.tensor([[0, 0, 1, NaN]], { allowNonFinite: true }), good), /completeBoxIouLoss: boxes1\[0\]/);
    assert.throws(() => ops.distanceBoxIouLoss(nb.zeros([2, 4]), nb.zeros([3, 4])), /must have the same shape/);
    assert.throws(() => ops.boxConvert([[0, 0, -1, 2]], 'xywh', 'xyxy'), /boxConvert: boxes\[0\] = \[0, 0, -1, 2\] is not xywh with non-negative width/);
    assert.throws(() => ops.boxConvert(good, 'xyxy', 'yolo' as Fmt), /boxConvert: outFmt must be one of 'xyxy', 'xywh', 'cxcywh', got "yolo"/);
    assert.throws(() => ops.nms([[1, 1, 0, 0]], [1], 0.5), /nms: boxes\[0\]/);
    assert.throws(() => ops.nms(good, [1, 2], 0.5), /nms: scores must have shape \[1\]/);
    assert.throws(() => ops.generalizedBoxIouLoss(good, good, { reduction: 'avg' as 'mean' }), /generalizedBoxIouLoss: option 'reduction' must be 'none', 'mean' or 'sum', got string 'avg'/);
    assert.throws(() => ops.clipBoxesToImage(good, [10] as unknown as [number, number]), /clipBoxesToImage: size must be \[height, width\]/);
  });
});

describe('vision.ops gradCheck', () => {
  const a = boxes64([1, 1, 4, 5, 2, 0.5, 6, 3]);
  const b = boxes64([0, 2, 3, 6, 3, 1, 5.5, 4.5, 7, 7, 9, 8.5]);
  for (const name of ['boxIou', 'generalizedBoxIou', 'distanceBoxIou'] as const) {
    test(name, () => assert.ok(nb.gradCheck((x, y) => ops[name](x!, y!), [a, b]).passed));
  }
  test('IoU losses', () => {
    const p = boxes64([1, 1, 4, 5, 2, 0.5, 6, 3, 7, 7, 9, 8.5]);
    const t = boxes64([0, 2, 3, 6, 3, 1, 5.5, 4.5, 1, 1, 2, 2.5]);
    for (const name of ['generalizedBoxIouLoss', 'distanceBoxIouLoss'] as const) {
      assert.ok(nb.gradCheck((x, y) => ops[name](x!, y!, { reduction: 'sum' }), [p, t]).passed, name);
    }
    assert.ok(nb.gradCheck((x) => ops.sigmoidFocalLoss(x!, nb.tensor([[1, 0, 1]], { dtype: 'float64' }), { reduction: 'mean' }), [nb.tensor([[0.3, -1.2, 2]], { dtype: 'float64' })]).passed);
  });
  test('roiAlign with respect to the input', () => {
    const x = nb.randn([1, 2, 5, 6], { dtype: 'float64', generator: new nb.Generator(3) });
    const rois = nb.tensor([[0, 0.5, 0.7, 4.2, 3.9], [0, 1, 1, 2, 5]], { dtype: 'float64' });
    assert.ok(nb.gradCheck((t) => ops.roiAlign(t!, rois, [2, 3], { samplingRatio: 2, aligned: true }), [x]).passed);
  });
});

describe('vision.ops NMS (torchvision goldens)', () => {
  test('nms: random boxes with exact score ties and IoU exactly at the threshold', () => {
    for (const c of fx.nms) assert.deepEqual(flat(ops.nms(boxes32(c.boxes), nb.tensor(c.scores), c.threshold)), c.keep, `threshold ${c.threshold}`);
  });
  test('tie rule: equal scores keep the lower index; IoU equal to the threshold survives', () => {
    // IoU([0,0,4,1], [0,0,2,1]) = 2 / 4 = 0.5 exactly.
    const boxes = [[0, 0, 2, 1], [0, 0, 4, 1], [10, 10, 11, 11]];
    assert.deepEqual(flat(ops.nms(boxes, [1, 1, 1], 0.5)), [0, 1, 2]);
    assert.deepEqual(flat(ops.nms(boxes, [1, 1, 1], 0.49)), [0, 2]);
    assert.deepEqual(flat(ops.nms(boxes, [0.5, 1, 0.7], 0.49)), [1, 2]);
    assert.deepEqual(flat(ops.nms(nb.zeros([0, 4]), nb.zeros([0]), 0.5)), []);
  });
  test('batchedNms: per class, as torchvision (offset path and per-class loop)', () => {
    for (const c of fx.batchedNms) {
      const keep = ops.batchedNms(boxes32(c.boxes), nb.tensor(c.scores), nb.tensor(c.idxs).int(), c.threshold);
      assert.equal(keep.dtype, 'int32');
      if (c.boxes.length <= 4000) assert.deepEqual(flat(keep), c.keep);
      else {
        // torchvision's per-class loop (over 4000 numbers on CPU) orders equal scores by an unstable
        // sort: the same boxes are kept; ours stay in descending score, lower index first.
        assert.deepEqual([...flat(keep)].sort((a, b) => a - b), [...c.keep].sort((a, b) => a - b));
        const k = flat(keep);
        for (let i = 1; i < k.length; i++) {
          const [p, q] = [c.scores[k[i - 1]!]!, c.scores[k[i]!]!];
          assert.ok(p > q || (p === q && k[i - 1]! < k[i]!));
        }
      }
    }
  });
});

describe('vision.ops RoI pooling (torchvision goldens)', () => {
  test('roiAlign values and input gradients (aligned, samplingRatio, spatialScale)', () => {
    const r = fx.roiAlign;
    for (const c of r.cases) {
      const x = nb.tensor(r.input, { dtype: 'float64' }).reshape(r.inputShape).requiresGrad_(true);
      const rois = nb.tensor(r.rois, { dtype: 'float64' }).reshape([-1, 5]);
      const y = ops.roiAlign(x, rois, c.outputSize, { spatialScale: c.spatialScale, samplingRatio: c.samplingRatio, aligned: c.aligned });
      assert.deepEqual(y.shape, [5, 3, ...c.outputSize]);
      assertClose(flat(y), c.value, 1e-10, JSON.stringify(c.outputSize));
      y.mul(weightLike(y, -1, 1)).sum().backward();
      assertClose(flat(x.grad!), c.grad, 1e-10);
    }
  });
  test('roiAlign takes a list of [L, 4] boxes per image', () => {
    const r = fx.roiAlign;
    const x = nb.tensor(r.input, { dtype: 'float64' }).reshape(r.inputShape);
    const rows = nb.tensor(r.rois, { dtype: 'float64' }).reshape([-1, 5]);
    const perImage = [nb.indexSelect(rows, 0, nb.tensor([0, 2, 4]).int()).slice(1, 1), nb.indexSelect(rows, 0, nb.tensor([1, 3]).int()).slice(1, 1)];
    const a = ops.roiAlign(x, perImage, 2);
    const b = ops.roiAlign(x, nb.indexSelect(rows, 0, nb.tensor([0, 2, 4, 1, 3]).int()), 2);
    assertClose(flat(a), flat(b), 0);
    assert.throws(() => ops.roiAlign(x, nb.tensor([[2, 0, 0, 1, 1]]).float(), 2), /roiAlign: roi 0 has batch index 2, but the input holds 2 images/);
    assert.throws(() => ops.roiAlign(x, nb.zeros([1, 4]), 2), /roiAlign: boxes must be a Tensor \[K, 5\]/);
  });
  test('roiPool values and input gradients', () => {
    const r = fx.roiPool;
    for (const c of r.cases) {
      const x = nb.tensor(r.input, { dtype: 'float64' }).reshape(r.inputShape).requiresGrad_(true);
      const y = ops.roiPool(x, nb.tensor(r.rois, { dtype: 'float64' }).reshape([-1, 5]), c.outputSize, { spatialScale: c.spatialScale });
      assertClose(flat(y), c.value, 1e-12);
      y.mul(weightLike(y, -1, 1)).sum().backward();
      assertClose(flat(x.grad!), c.grad, 1e-12);
    }
  });
});
