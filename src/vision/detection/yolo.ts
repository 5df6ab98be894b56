/**
 * YOLO, v1/v2 style: an S x S grid with k anchor shapes per cell. Each (cell, anchor) predicts
 * [t_o, t_x, t_y, t_w, t_h, class scores]: objectness sigmoid(t_o), centre
 * ((col + sigmoid(t_x)) / S, (row + sigmoid(t_y)) / S), size (anchor_w e^t_w, anchor_h e^t_h), all
 * relative to the image. An object belongs to the cell holding its centre and to that cell's
 * anchor of best shape IoU.
 */
import { Tensor } from '../../tensor/tensor.js';
import { isFloat } from '../../tensor/dtype.js';
import { shapeStr } from '../../tensor/shape.js';
import { add, mul, sigmoid, square, sub } from '../../ops/elementwise.js';
import { logSoftmax } from '../../ops/nn.js';
import { binaryCrossEntropyWithLogits } from '../../nn/functional/loss.js';
import { Module } from '../../nn/module.js';
import { Sequential } from '../../nn/containers.js';
import { Conv2d } from '../../nn/layers/conv.js';
import { BatchNorm2d } from '../../nn/layers/norm.js';
import { LeakyReLU } from '../../nn/layers/activation.js';
import { MaxPool2d } from '../../nn/layers/pool.js';
import { checkBoxes, type BoxesLike } from '../ops/boxes.js';
import { batchedNms } from '../ops/nms.js';
import { shapeIou } from './anchors.js';
import { checkOptionKeys, requireOptions } from '../../ops/args.js';

export interface YoloGrid {
  /** Cells per side, S. */
  gridSize: number;
  /** Anchor shapes [width, height] relative to the image (k of them), e.g. from kmeansAnchors. */
  anchors: readonly (readonly [number, number])[];
  numClasses: number;
}

function checkGrid(op: string, g: YoloGrid): void {
  requireOptions(op, g, ['gridSize', 'anchors', 'numClasses']);
  if (!Number.isInteger(g.gridSize) || g.gridSize < 1) throw new Error(`${op}: gridSize must be a positive integer, got ${String(g.gridSize)}`);
  if (!Number.isInteger(g.numClasses) || g.numClasses < 1) throw new Error(`${op}: numClasses must be a positive integer, got ${String(g.numClasses)}`);
  if (!Array.isArray(g.anchors) || g.anchors.length === 0 || !g.anchors.every((a) => Array.isArray(a) && a.length === 2 && a[0] > 0 && a[1] > 0)) {
    throw new Error(`${op}: anchors must be a non-empty list of [width, height] > 0 (relative to the image), got ${JSON.stringify(g.anchors)}`);
  }
}

/** One image's ground truth: boxes (x1, y1, x2, y2) relative to the image (0..1) and their class labels. */
export interface DetectionTarget {
  boxes: BoxesLike;
  labels: Tensor | readonly number[];
}

function labelsOf(op: string, labels: Tensor | readonly number[], n: number, numClasses: number, where: string): number[] {
  const v = labels instanceof Tensor ? Array.from(labels.toTypedArray() as ArrayLike<number>) : Array.isArray(labels) ? [...labels] : null;
  if (v === null || v.length !== n) throw new Error(`${op}: ${where} labels must hold one class per box (${n}), got ${v === null ? typeof labels : v.length}`);
  v.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) throw new Error(`${op}: ${where} labels[${i}] = ${c} is not a class in [0, ${numClasses})`);
  });
  return v;
}

/**
 * Targets [B, S, S, k, 5 + C]: at each object's (row, col, anchor), [1, x offset in the cell,
 * y offset, log(w / anchor_w), log(h / anchor_h), one-hot class]; zeros elsewhere. When the best
 * anchor of a cell is taken by another object the next best free one is used; an object finding
 * none is dropped (it cannot be represented).
 */
export function encodeYolo(targets: readonly DetectionTarget[], options: YoloGrid): Tensor {
  const op = 'encodeYolo';
  checkGrid(op, options);
  checkOptionKeys(op, options, ['gridSize', 'anchors', 'numClasses']);
  if (!Array.isArray(targets)) throw new Error(`${op}: targets must be an array with one { boxes, labels } per image`);
  const { gridSize: s, anchors, numClasses } = options;
  const k = anchors.length;
  const d = 5 + numClasses;
  const out = new Float32Array(targets.length * s * s * k * d);
  targets.forEach((t, b) => {
    const boxes = checkBoxes(op, t.boxes, `targets[${b}].boxes`).toTypedArray();
    const labels = labelsOf(op, t.labels, boxes.length / 4, numClasses, `targets[${b}]`);
    labels.forEach((label, i) => {
      const [x1, y1, x2, y2] = [boxes[i * 4]!, boxes[i * 4 + 1]!, boxes[i * 4 + 2]!, boxes[i * 4 + 3]!];
      const [w, h] = [x2 - x1, y2 - y1];
      if (!(w > 0 && h > 0)) return;
      const [cx, cy] = [(x1 + x2) / 2, (y1 + y2) / 2];
      const col = Math.min(s - 1, Math.max(0, Math.floor(cx * s)));
      const row = Math.min(s - 1, Math.max(0, Math.floor(cy * s)));
      const cell = (((b * s + row) * s + col) * k) * d;
      const ranked = anchors.map((a, j) => [shapeIou(w, h, a[0], a[1]), j] as const).sort((p, q) => q[0] - p[0] || p[1] - q[1]);
      const free = ranked.find(([, j]) => out[cell + j * d] === 0);
      if (free === undefined) return;
      const j = free[1];
      const o = cell + j * d;
      out.set([1, cx * s - col, cy * s - row, Math.log(w / anchors[j]![0]), Math.log(h / anchors[j]![1])], o);
      out[o + 5 + label] = 1;
    });
  });
  return Tensor.fromData(out, [targets.length, s, s, k, d], 'float32');
}

export interface YoloLossOptions {
  /** Weight of the box terms (YOLO v1: 5). */
  lambdaCoord?: number;
  /** Weight of the no-object confidence term (YOLO v1: 0.5). */
  lambdaNoobj?: number;
  /** Confidence loss: 'squared' on sigmoid(t_o) (YOLO v1/v2, default) or 'bce' on t_o (v3). */
  objectLoss?: 'squared' | 'bce';
}

export interface YoloLossTerms {
  coord: Tensor;
  object: Tensor;
  noObject: Tensor;
  class: Tensor;
  total: Tensor;
}

function checkYoloPair(op: string, pred: unknown, target: unknown): void {
  if (!(pred instanceof Tensor) || !isFloat(pred.dtype) || pred.ndim !== 5 || pred.shape[4]! < 6) {
    throw new Error(`${op}: predictions must be a float Tensor [B, S, S, k, 5 + C], got ${pred instanceof Tensor ? `${pred.dtype} ${shapeStr(pred.shape)}` : typeof pred}`);
  }
  if (!(target instanceof Tensor) || shapeStr(target.shape) !== shapeStr(pred.shape)) {
    throw new Error(`${op}: target must have the predictions' shape ${shapeStr(pred.shape)} (from encodeYolo), got ${target instanceof Tensor ? shapeStr(target.shape) : typeof target}`);
  }
}

/**
 * The YOLO loss terms, each summed over cells and anchors and divided by the batch size:
 * coord = lambdaCoord sum_obj [(sigma(t_x) - x)^2 + (sigma(t_y) - y)^2 + (t_w - w)^2 + (t_h - h)^2],
 * object = sum_obj (sigma(t_o) - 1)^2, noObject = lambdaNoobj sum_noobj sigma(t_o)^2,
 * class = sum_obj cross entropy of the class scores (softmax, as YOLOv2).
 */
export function yoloLossTerms(pred: Tensor, target: Tensor, options: YoloLossOptions = {}): YoloLossTerms {
  const op = 'yoloLoss';
  checkYoloPair(op, pred, target);
  checkOptionKeys(op, options, ['lambdaCoord', 'lambdaNoobj', 'objectLoss']);
  const lambdaCoord = options.lambdaCoord ?? 5;
  const lambdaNoobj = options.lambdaNoobj ?? 0.5;
  const objectLoss = options.objectLoss ?? 'squared';
  if (!(lambdaCoord >= 0) || !(lambdaNoobj >= 0)) throw new Error(`${op}: lambdaCoord and lambdaNoobj must be non-negative numbers`);
  if (objectLoss !== 'squared' && objectLoss !== 'bce') throw new Error(`${op}: objectLoss must be 'squared' or 'bce', got ${JSON.stringify(objectLoss)}`);
  const t = target.to(pred.dtype);
  const batch = pred.shape[0]!;
  const obj = t.slice(4, 0, 1);
  const noobj = sub(1, obj);
  const part = (x: Tensor, a: number, b?: number) => x.slice(4, a, b);
  const xy = square(sub(sigmoid(part(pred, 1, 3)), part(t, 1, 3)));
  const wh = square(sub(part(pred, 3, 5), part(t, 3, 5)));
  const coord = mul(mul(obj, add(xy, wh)), lambdaCoord).sum().div(batch);
  const logit = part(pred, 0, 1);
  let object: Tensor;
  let noObject: Tensor;
  if (objectLoss === 'squared') {
    const conf = sigmoid(logit);
    object = mul(obj, square(sub(conf, 1))).sum().div(batch);
    noObject = mul(mul(noobj, square(conf)), lambdaNoobj).sum().div(batch);
  } else {
    const bce = (y: number) => binaryCrossEntropyWithLogits(logit, Tensor.fromData(new Float64Array(logit.numel()).fill(y), logit.shape, 'float64').to(pred.dtype), { reduction: 'none' });
    object = mul(obj, bce(1)).sum().div(batch);
    noObject = mul(mul(noobj, bce(0)), lambdaNoobj).sum().div(batch);
  }
  const cls = mul(obj, mul(part(t, 5), logSoftmax(part(pred, 5), 4))).sum().neg().div(batch);
  return { coord, object, noObject, class: cls, total: add(add(coord, object), add(noObject, cls)) };
}

/** The total YOLO loss (see yoloLossTerms). */
export function yoloLoss(pred: Tensor, target: Tensor, options: YoloLossOptions = {}): Tensor {
  return yoloLossTerms(pred, target, options).total;
}

export interface DecodeYoloOptions {
  anchors: readonly (readonly [number, number])[];
  /** Keep (box, class) pairs whose class-specific confidence sigmoid(t_o) P(class) reaches this (default 0.25). */
  scoreThreshold?: number;
  /** Per-class NMS IoU threshold (default 0.45). */
  iouThreshold?: number;
  /** At most this many detections per image, best first (default 100). */
  maxDetections?: number;
}

/** Detections of one image: boxes (x1, y1, x2, y2) relative to the image, their scores and labels. */
export interface Detections {
  boxes: Tensor;
  scores: Tensor;
  labels: Tensor;
}

/**
 * Boxes from raw predictions [B, S, S, k, 5 + C]: every (cell, anchor, class) with class-specific
 * confidence sigmoid(t_o) x softmax(classes)[c] >= scoreThreshold, then NMS within each class.
 */
export function decodeYolo(pred: Tensor, options: DecodeYoloOptions): Detections[] {
  const op = 'decodeYolo';
  checkYoloPair(op, pred, pred);
  requireOptions(op, options, ['anchors', 'scoreThreshold?', 'iouThreshold?', 'maxDetections?']);
  checkOptionKeys(op, options, ['anchors', 'scoreThreshold', 'iouThreshold', 'maxDetections']);
  const [batch, s, s2, k, d] = pred.shape as [number, number, number, number, number];
  const numClasses = d - 5;
  checkGrid(op, { gridSize: s, anchors: options.anchors, numClasses });
  if (s2 !== s || options.anchors.length !== k) throw new Error(`${op}: predictions ${shapeStr(pred.shape)} do not match an S x S grid with ${options.anchors.length} anchors`);
  const scoreThreshold = options.scoreThreshold ?? 0.25;
  const iouThreshold = options.iouThreshold ?? 0.45;
  const maxDetections = options.maxDetections ?? 100;
  if (!Number.isInteger(maxDetections) || maxDetections < 0) throw new Error(`${op}: maxDetections must be a non-negative integer, got ${String(maxDetections)}`);
  const v = pred.contiguous().toTypedArray();
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  const result: Detections[] = [];
  for (let b = 0; b < batch; b++) {
    const boxes: number[] = [];
    const scores: number[] = [];
    const labels: number[] = [];
    for (let row = 0; row < s; row++) {
      for (let col = 0; col < s; col++) {
        for (let a = 0; a < k; a++) {
          const o = (((b * s + row) * s + col) * k + a) * d;
          const conf = sig(v[o]!);
          let max = -Infinity;
          for (let c = 0; c < numClasses; c++) max = Math.max(max, v[o + 5 + c]!);
          let total = 0;
          for (let c = 0; c < numClasses; c++) total += Math.exp(v[o + 5 + c]! - max);
          const cx = (col + sig(v[o + 1]!)) / s;
          const cy = (row + sig(v[o + 2]!)) / s;
          const w = options.anchors[a]![0] * Math.exp(v[o + 3]!);
          const h = options.anchors[a]![1] * Math.exp(v[o + 4]!);
          for (let c = 0; c < numClasses; c++) {
            const score = (conf * Math.exp(v[o + 5 + c]! - max)) / total;
            if (!(score >= scoreThreshold)) continue;
            boxes.push(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2);
            scores.push(score);
            labels.push(c);
          }
        }
      }
    }
    const n = scores.length;
    const boxT = Tensor.fromData(Float32Array.from(boxes), [n, 4], 'float32');
    const keep = Array.from(batchedNms(boxT, scores, labels, iouThreshold).toTypedArray()).slice(0, maxDetections);
    result.push({
      boxes: Tensor.fromData(Float32Array.from(keep.flatMap((i) => boxes.slice(i * 4, i * 4 + 4))), [keep.length, 4], 'float32'),
      scores: Tensor.fromData(Float32Array.from(keep.map((i) => scores[i]!)), [keep.length], 'float32'),
      labels: Tensor.fromData(Int32Array.from(keep.map((i) => labels[i]!)), [keep.length], 'int32'),
    });
  }
  return result;
}

export interface TinyYoloOptions {
  numClasses: number;
  /** Anchors per cell, k (default 1). */
  numAnchors?: number;
  inChannels?: number;
  /** Input side in pixels (default 64). */
  imageSize?: number;
  /** Grid side S (default 8); imageSize / gridSize must be a power of two: one 2 x 2 max-pool per halving. */
  gridSize?: number;
  /** Channels of the conv blocks (3 x 3 conv, batch norm, leaky ReLU, then a max-pool while halving remains). */
  widths?: readonly number[];
}

/**
 * A small YOLO-style detector: conv blocks (Darknet's 3 x 3 conv + BatchNorm + LeakyReLU(0.1),
 * max-pools down to the grid) and a 1 x 1 conv head with k (5 + C) channels. forward gives the raw
 * predictions [B, S, S, k, 5 + C] that yoloLoss and decodeYolo read.
 */
export class TinyYolo extends Module {
  readonly backbone: Sequential;
  readonly head: Conv2d;
  readonly numClasses: number;
  readonly numAnchors: number;
  readonly gridSize: number;
  readonly imageSize: number;

  constructor(options: TinyYoloOptions) {
    super();
    const op = 'TinyYolo';
    requireOptions(op, options, ['numClasses', '...']);
    checkOptionKeys(op, options, ['numClasses', 'numAnchors', 'inChannels', 'imageSize', 'gridSize', 'widths']);
    const numClasses = options.numClasses;
    const k = options.numAnchors ?? 1;
    const inChannels = options.inChannels ?? 3;
    const imageSize = options.imageSize ?? 64;
    const gridSize = options.gridSize ?? 8;
    const widths = options.widths ?? [16, 32, 64, 128];
    if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`${op}: numClasses must be a positive integer, got ${String(numClasses)}`);
    if (!Number.isInteger(k) || k < 1) throw new Error(`${op}: numAnchors must be a positive integer, got ${String(k)}`);
    const pools = Math.log2(imageSize / gridSize);
    if (!Number.isInteger(pools) || pools < 0) throw new Error(`${op}: imageSize / gridSize must be a power of two, got ${imageSize} / ${gridSize}`);
    if (!Array.isArray(widths) || widths.length < pools || !widths.every((w) => Number.isInteger(w) && w > 0)) {
      throw new Error(`${op}: widths must list at least ${pools} positive channel counts (one block per halving), got ${JSON.stringify(widths)}`);
    }
    const layers: Module[] = [];
    let c = inChannels;
    widths.forEach((w, i) => {
      layers.push(new Conv2d(c, w, 3, { padding: 1, bias: false }), new BatchNorm2d(w), new LeakyReLU(0.1));
      if (i < pools) layers.push(new MaxPool2d(2));
      c = w;
    });
    this.backbone = new Sequential(...layers);
    this.head = new Conv2d(c, k * (5 + numClasses), 1);
    this.numClasses = numClasses;
    this.numAnchors = k;
    this.gridSize = gridSize;
    this.imageSize = imageSize;
  }

  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor) || x.ndim !== 4 || x.shape[2] !== this.imageSize || x.shape[3] !== this.imageSize) {
      throw new Error(`TinyYolo: expected images [B, C, ${this.imageSize}, ${this.imageSize}], got ${x instanceof Tensor ? shapeStr(x.shape) : typeof x}`);
    }
    const y = this.head.forward(this.backbone.forward(x));
    const [b, , s] = y.shape as [number, number, number];
    return y.reshape([b, this.numAnchors, 5 + this.numClasses, s, s]).permute([0, 3, 4, 1, 2]);
  }
}
