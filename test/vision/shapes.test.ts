import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

const { syntheticShapes } = nb.vision;

describe('vision.syntheticShapes', () => {
  const d = syntheticShapes({ count: 20, seed: 3 });
  test('seeded: the same seed gives the same data, another seed different data', () => {
    const again = syntheticShapes({ count: 20, seed: 3 });
    assert.deepEqual(Array.from(again.images.toTypedArray()), Array.from(d.images.toTypedArray()));
    assert.notDeepEqual(Array.from(syntheticShapes({ count: 20, seed: 4 }).images.toTypedArray()).slice(0, 50), Array.from(d.images.toTypedArray()).slice(0, 50));
  });
  test('shapes, ranges, classes, and boxes that fit the masks', () => {
    assert.deepEqual(d.images.shape, [20, 3, 64, 64]);
    assert.deepEqual(d.segmentation.shape, [20, 64, 64]);
    const v = d.images.toTypedArray();
    assert.ok(v.every((x) => x >= 0 && x <= 1));
    const seen = new Set<number>();
    d.objects.forEach((o, i) => {
      const n = o.labels.shape[0]!;
      assert.ok(n >= 1 && n <= 3, `image ${i} has ${n} objects`);
      Array.from(o.labels.toTypedArray()).forEach((c) => seen.add(c));
      // masksToBoxes gives the last pixel's index; our boxes end at the pixel's outer edge.
      const fromMasks = nb.vision.ops.masksToBoxes(o.masks).add(nb.tensor([0, 0, 1, 1]));
      assert.deepEqual(Array.from(o.boxes.toTypedArray()), Array.from(fromMasks.toTypedArray()));
      // objects are placed apart: no two boxes overlap
      const iou = nb.vision.ops.boxIou(o.boxes, o.boxes).toArray() as number[][];
      iou.forEach((row, a) => row.forEach((x, b) => assert.equal(x, a === b ? 1 : 0)));
      // the class map holds 1 + class where each mask is
      const seg = d.segmentation.select(0, i);
      const labels = Array.from(o.labels.toTypedArray());
      labels.forEach((c, k) => {
        const covered = nb.where(o.masks.select(0, k).gt(0), seg, -1).toTypedArray();
        assert.ok(Array.from(covered).every((x) => x === -1 || x === c + 1));
      });
    });
    assert.deepEqual([...seen].sort(), [0, 1, 2]);
  });
  test('argument checks', () => {
    assert.throws(() => syntheticShapes({ count: -1 }), /syntheticShapes: count must be a non-negative integer/);
    assert.throws(() => syntheticShapes({ count: 1, size: [30, 20] }), /syntheticShapes: size must be \[min, max\]/);
    assert.throws(() => syntheticShapes({ count: 1, imageSize: 16 }), /size 22 does not fit in a 16 x 16 image/);
  });
});

describe('vision.detection.detectionsSvg', () => {
  test('draws labelled boxes above the minimum score over the embedded images', () => {
    const d = syntheticShapes({ count: 2, seed: 1 });
    const det = (boxes: number[][], scores: number[], labels: number[]) => ({
      boxes: nb.tensor(boxes).reshape([-1, 4]), scores: nb.tensor(scores), labels: nb.tensor(labels).int(),
    });
    const svg = nb.vision.detection.detectionsSvg(d.images, [det([[0.25, 0.5, 0.5, 0.75]], [0.9], [2]), det([[0, 0, 1, 1]], [0.1], [0])], {
      classNames: nb.vision.SHAPE_CLASSES, scale: 2, columns: 2,
    });
    assert.equal(svg.match(/<image /g)?.length, 2);
    assert.equal(svg.match(/<rect /g)?.length, 1);
    assert.ok(svg.includes('<rect x="32.0" y="64.0" width="32.0" height="32.0"'));
    assert.ok(svg.includes('>triangle 0.90</text>'));
    assert.throws(() => nb.vision.detection.detectionsSvg(d.images, []), /detectionsSvg: expected one Detections per image \(2\), got 0/);
  });
});
