/**
 * Course 4, week 3: object detection with YOLO. The course detects cars in road photos with a
 * pretrained YOLOv2; with no such data or weights bundled, a tiny YOLO is trained here from scratch
 * on synthetic images (vision.syntheticShapes: circles, squares and triangles on noisy backgrounds,
 * with their boxes). The steps are the course's: anchor boxes (k-means on the training boxes'
 * shapes), targets on an S x S grid (each object in the cell of its centre, with the anchor of best
 * shape), the YOLO loss, then decoding: score = P(object) x P(class), a score threshold, and
 * non-max suppression. Scored by mean average precision at IoU 0.5 on held-out images.
 *
 *   npx tsx examples/car-detection-yolo.ts      (NABLA_EXAMPLE_SHORT=1: 192 images, 3 epochs)
 *
 * Expected output (full run, about 30 seconds):
 *   train: 1600 images, test: 100 images, classes: circle, square, triangle
 *   anchors (width x height, relative to the image): 0.29 x 0.28, 0.44 x 0.43
 *   targets 1600x4x4x2x8, TinyYolo output 1x4x4x2x8, 14944 parameters
 *   epoch 1: YOLO loss 5.046
 *   epoch 2: YOLO loss 2.619
 *   epoch 3: YOLO loss 1.523
 *   epoch 4: YOLO loss 0.783
 *   epoch 5: YOLO loss 0.456
 *   epoch 6: YOLO loss 0.300
 *   epoch 7: YOLO loss 0.214
 *   epoch 8: YOLO loss 0.167
 *   epoch 9: YOLO loss 0.132
 *   epoch 10: YOLO loss 0.114
 *   held-out: 173 objects; boxes scoring >= 0.3: 179 before NMS, 173 after
 *   held-out mAP@0.5: 0.99 (circle 1.00, square 1.00, triangle 0.98)
 *   image 0, truth: triangle [0, 2, 6, 7]
 *   image 0, found: triangle [0, 2, 6, 6] (0.97)
 * Short mode (the test runs it): epoch 1: YOLO loss 9.16, epoch 3: YOLO loss 5.38, held-out: 173 objects
 */
import * as nb from '../src/index.js';
const { detection } = nb.vision;

const short = process.env.NABLA_EXAMPLE_SHORT === '1';
const epochs = short ? 3 : 10;
const [size, grid] = [16, 4]; // 16 x 16 images, a 4 x 4 grid of 4-pixel cells
nb.manualSeed(0);

// Data: images [N, 3, 16, 16] and, per image, boxes (x1, y1, x2, y2 in pixels) and labels.
const shapes = (count: number, seed: number) => nb.vision.syntheticShapes({ count, imageSize: size, size: [4, 8], objects: [1, 3], seed });
const train = shapes(short ? 192 : 1600, 1);
const test = shapes(100, 2);
const classNames = train.classNames;
console.log(`train: ${train.images.shape[0]} images, test: ${test.images.shape[0]} images, classes: ${classNames.join(', ')}`);

// Anchor boxes: k-means on the (width, height) of the training boxes, with 1 - IoU as the distance.
const relative = (objects: typeof train.objects) => objects.map((o) => ({ boxes: o.boxes.div(size), labels: o.labels }));
const sizes = relative(train.objects).flatMap((o) => (o.boxes.toArray() as number[][]).map(([x1, y1, x2, y2]) => [x2! - x1!, y2! - y1!]));
const anchors = (detection.kmeansAnchors(sizes, 2, { seed: 0 }).anchors.toArray() as number[][]).map(([w, h]) => [w!, h!] as [number, number]);
console.log(`anchors (width x height, relative to the image): ${anchors.map(([w, h]) => `${w.toFixed(2)} x ${h.toFixed(2)}`).join(', ')}`);

// Targets [N, S, S, k, 5 + C]: (objectness, x, y, w, h, class one-hot) in the responsible cell and anchor.
const targets = detection.encodeYolo(relative(train.objects), { gridSize: grid, anchors, numClasses: 3 });
const model = new detection.TinyYolo({ numClasses: 3, numAnchors: 2, imageSize: size, gridSize: grid, widths: [16, 32, 32] });
console.log(`targets ${targets.shape.join('x')}, TinyYolo output ${model.forward(train.images.narrow(0, 0, 1)).shape.join('x')}, ${model.numParameters()} parameters`);

// Training: the YOLO loss (coordinates x 5, objectness, no-object x 0.5, classes), Adam, batches of 32.
const optimizer = new nb.optim.Adam(model.parameters(), { lr: 3e-3 });
const loader = new nb.data.DataLoader(new nb.data.TensorDataset(train.images, targets), { batchSize: 32, shuffle: true, seed: 0 });
for (let epoch = 0; epoch < epochs; epoch++) {
  let total = 0;
  for (const [x, y] of loader) {
    const loss = detection.yoloLoss(model.forward(x), y);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    total += loss.item();
  }
  console.log(`epoch ${epoch + 1}: YOLO loss ${(total / loader.length).toFixed(3)}`);
}

// Decoding the held-out images: without NMS every anchor near an object votes for it; NMS keeps the best box.
model.eval();
const pred = nb.noGrad(() => model.forward(test.images));
const raw = detection.decodeYolo(pred, { anchors, scoreThreshold: 0.3, iouThreshold: 1 }); // IoU > 1 never happens: no suppression
const kept = detection.decodeYolo(pred, { anchors, scoreThreshold: 0.3, iouThreshold: 0.45 });
const count = (ds: typeof raw) => ds.reduce((n, d) => n + d.scores.shape[0]!, 0);
const objects = test.objects.reduce((n, o) => n + o.labels.shape[0]!, 0);
console.log(`held-out: ${objects} objects; boxes scoring >= 0.3: ${count(raw)} before NMS, ${count(kept)} after`);

// mAP@0.5: every detection (score >= 0.05), in pixels, ranked against the true boxes.
const all = detection.decodeYolo(pred, { anchors, scoreThreshold: 0.05 }).map((d) => ({ ...d, boxes: d.boxes.mul(size) }));
const map = nb.metrics.meanAveragePrecision(all, test.objects);
console.log(`held-out mAP@0.5: ${map.map.toFixed(2)} (${[...map.perClass].map(([c, ap]) => `${classNames[c]} ${ap.toFixed(2)}`).join(', ')})`);

// The first test image: what is there, and what the detector found.
const describe = (boxes: nb.Tensor, labels: nb.Tensor, scores?: nb.Tensor) => {
  const [b, l, s] = [boxes.toArray() as number[][], labels.toArray() as number[], scores?.toArray() as number[] | undefined];
  return b.map((xyxy, i) => `${classNames[l[i]!]} [${xyxy.map(Math.round).join(', ')}]${s ? ` (${s[i]!.toFixed(2)})` : ''}`).join('; ');
};
console.log(`image 0, truth: ${describe(test.objects[0]!.boxes, test.objects[0]!.labels)}`);
console.log(`image 0, found: ${describe(kept[0]!.boxes.mul(size), kept[0]!.labels, kept[0]!.scores)}`);
