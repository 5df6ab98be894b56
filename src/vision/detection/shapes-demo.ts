/**
 * The detection demo behind `nabla demo detect`, browser-safe: k-means anchors from the training
 * boxes, TinyYolo trained with the YOLO loss on synthetic shapes, mAP@0.5 (VOC all-point) on
 * held-out images, and an SVG of the predictions drawn over the images.
 */
import { Tensor } from '../../tensor/tensor.js';
import { Generator, manualSeed } from '../../tensor/random.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { Adam } from '../../optim/adam.js';
import { encodePng } from '../../data/image.js';
import { meanAveragePrecision } from '../../metrics/map.js';
import { syntheticShapes, type ShapesObjects } from '../shapes.js';
import { kmeansAnchors } from './anchors.js';
import { decodeYolo, encodeYolo, TinyYolo, yoloLoss, type Detections } from './yolo.js';
import { checkOptionKeys } from '../../ops/args.js';

export interface ShapesDetectorOptions {
  trainImages?: number;
  testImages?: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  numAnchors?: number;
  seed?: number;
  /** Called after each epoch with the mean training loss. */
  onEpoch?: (epoch: number, loss: number, seconds: number) => void;
}

export interface ShapesDetectorResult {
  model: TinyYolo;
  anchors: [number, number][];
  /** VOC all-point mAP at IoU 0.5 on the held-out images, and per class. */
  map50: number;
  perClass: Map<number, number>;
  /** COCO-style mAP@[.5:.95] on the same images. */
  mapCoco: number;
  seconds: number;
  test: { images: Tensor; objects: ShapesObjects[]; detections: Detections[] };
  classNames: readonly string[];
}

const IMAGE = 64;
const GRID = 8;

/** Boxes in pixels -> relative to the image (what encodeYolo reads). */
function relative(objects: ShapesObjects[]): { boxes: Tensor; labels: Tensor }[] {
  return objects.map((o) => ({ boxes: o.boxes.div(IMAGE), labels: o.labels }));
}

export async function trainShapesDetector(options: ShapesDetectorOptions = {}): Promise<ShapesDetectorResult> {
  checkOptionKeys('trainShapesDetector', options, ['trainImages', 'testImages', 'epochs', 'batchSize', 'lr', 'numAnchors', 'seed', 'onEpoch']);
  const seed = options.seed ?? 0;
  const epochs = options.epochs ?? 12;
  const batchSize = options.batchSize ?? 32;
  const k = options.numAnchors ?? 3;
  manualSeed(seed);
  const start = Date.now();
  const train = syntheticShapes({ count: options.trainImages ?? 1600, imageSize: IMAGE, seed: seed * 2 + 1 });
  const test = syntheticShapes({ count: options.testImages ?? 200, imageSize: IMAGE, seed: seed * 2 + 2 });
  const sizes = train.objects.flatMap((o) => {
    const b = o.boxes.toArray() as number[][];
    return b.map(([x1, y1, x2, y2]) => [(x2! - x1!) / IMAGE, (y2! - y1!) / IMAGE]);
  });
  const anchors = (kmeansAnchors(sizes, k, { seed }).anchors.toArray() as number[][]).map(([w, h]) => [w!, h!] as [number, number]);
  const targets = encodeYolo(relative(train.objects), { gridSize: GRID, anchors, numClasses: 3 });
  const model = new TinyYolo({ numClasses: 3, numAnchors: k, imageSize: IMAGE, gridSize: GRID, widths: [16, 32, 64, 64] });
  const optimizer = new Adam(model.parameters(), { lr: options.lr ?? 3e-3 });
  const n = train.images.shape[0]!;
  const shuffle = new Generator(seed + 1);
  for (let epoch = 0; epoch < epochs; epoch++) {
    model.train();
    const t0 = Date.now();
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(shuffle.nextDouble() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let total = 0;
    let batches = 0;
    for (let b = 0; b + batchSize <= n; b += batchSize) {
      const index = Tensor.fromData(Int32Array.from(order.slice(b, b + batchSize)), [batchSize], 'int32');
      const loss = yoloLoss(model.forward(train.images.indexSelect(0, index)), targets.indexSelect(0, index));
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      total += loss.item();
      batches++;
      if (batches % 10 === 0) await new Promise((r) => setTimeout(r, 0)); // let a page or progress output breathe
    }
    options.onEpoch?.(epoch + 1, total / batches, (Date.now() - t0) / 1000);
  }
  model.eval();
  const detections = noGrad(() => {
    const out: Detections[] = [];
    for (let b = 0; b < test.images.shape[0]!; b += 50) {
      const pred = model.forward(test.images.slice(0, b, b + 50));
      out.push(...decodeYolo(pred, { anchors, scoreThreshold: 0.05, iouThreshold: 0.45 }));
    }
    return out;
  });
  const preds = detections.map((d) => ({ boxes: d.boxes.mul(IMAGE), scores: d.scores, labels: d.labels }));
  const voc = meanAveragePrecision(preds, test.objects);
  const coco = meanAveragePrecision(preds, test.objects, { method: 'coco' });
  return {
    model,
    anchors,
    map50: voc.map,
    perClass: voc.perClass,
    mapCoco: coco.map,
    seconds: (Date.now() - start) / 1000,
    test: { images: test.images, objects: test.objects, detections },
    classNames: train.classNames,
  };
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

const COLOURS = ['#ff4136', '#2ecc40', '#0074d9', '#ffdc00', '#b10dc9'];

export interface DetectionsSvgOptions {
  classNames?: readonly string[];
  /** Draw only detections scoring at least this (default 0.3). */
  minScore?: number;
  /** Pixels per image pixel (default 4). */
  scale?: number;
  /** Images per row (default 4). */
  columns?: number;
}

/**
 * An SVG grid of images ([N, 3, H, W] in [0, 1], embedded as PNG) with each image's detections
 * (boxes relative to the image) drawn as labelled rectangles.
 */
export function detectionsSvg(images: Tensor, detections: readonly Detections[], options: DetectionsSvgOptions = {}): string {
  const op = 'detectionsSvg';
  checkOptionKeys(op, options, ['classNames', 'minScore', 'scale', 'columns']);
  if (!(images instanceof Tensor) || images.ndim !== 4) throw new Error(`${op}: images must be a Tensor [N, C, H, W]`);
  if (!Array.isArray(detections) || detections.length !== images.shape[0]) throw new Error(`${op}: expected one Detections per image (${images.shape[0]}), got ${Array.isArray(detections) ? detections.length : typeof detections}`);
  const scale = options.scale ?? 4;
  const columns = options.columns ?? 4;
  const minScore = options.minScore ?? 0.3;
  const [n, , h, w] = images.shape as [number, number, number, number];
  const [cw, ch] = [w * scale, h * scale];
  const rows = Math.ceil(n / columns);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${columns * cw}" height="${rows * ch}" font-family="sans-serif" font-size="12">`];
  for (let i = 0; i < n; i++) {
    const [x0, y0] = [(i % columns) * cw, Math.floor(i / columns) * ch];
    const png = base64(encodePng(images.select(0, i)));
    parts.push(`<image x="${x0}" y="${y0}" width="${cw}" height="${ch}" style="image-rendering:pixelated" href="data:image/png;base64,${png}"/>`);
    const d = detections[i]!;
    const boxes = d.boxes.toTypedArray();
    const scores = d.scores.toTypedArray();
    const labels = d.labels.toTypedArray();
    for (let j = 0; j < scores.length; j++) {
      if (scores[j]! < minScore) continue;
      const [x1, y1, x2, y2] = [boxes[j * 4]! * cw + x0, boxes[j * 4 + 1]! * ch + y0, boxes[j * 4 + 2]! * cw + x0, boxes[j * 4 + 3]! * ch + y0];
      const colour = COLOURS[labels[j]! % COLOURS.length]!;
      const name = options.classNames?.[labels[j]!] ?? String(labels[j]);
      parts.push(`<rect x="${x1.toFixed(1)}" y="${y1.toFixed(1)}" width="${(x2 - x1).toFixed(1)}" height="${(y2 - y1).toFixed(1)}" fill="none" stroke="${colour}" stroke-width="2"/>`);
      parts.push(`<text x="${(x1 + 2).toFixed(1)}" y="${(y1 + 12).toFixed(1)}" fill="${colour}">${name} ${scores[j]!.toFixed(2)}</text>`);
    }
  }
  parts.push('</svg>');
  return parts.join('\n');
}
