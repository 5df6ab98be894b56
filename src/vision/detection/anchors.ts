/**
 * Anchor boxes: per-cell generation (torchvision's AnchorGenerator for one feature map), assignment
 * of anchors to ground-truth boxes by IoU (torchvision's Matcher), and YOLOv2's k-means over box
 * shapes with distance 1 - IoU.
 */
import { Tensor } from '../../tensor/tensor.js';
import { Generator } from '../../tensor/random.js';
import { shapeStr } from '../../tensor/shape.js';
import { boxIou, checkBoxes, type BoxesLike } from '../ops/boxes.js';
import { bool, checkOptionKeys, num, parseOptions, requireOptions } from '../../ops/args.js';

function positiveList(op: string, name: string, v: unknown): number[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'number' && x > 0 && Number.isFinite(x))) {
    throw new Error(`${op}: ${name} must be a non-empty array of positive numbers, got ${JSON.stringify(v)}`);
  }
  return v as number[];
}

function sizePair(op: string, name: string, v: unknown): [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isInteger(x) && x > 0)) {
    throw new Error(`${op}: ${name} must be [height, width] with positive integers, got ${JSON.stringify(v)}`);
  }
  return v as [number, number];
}

/** torch.round: half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The A = aspectRatios.length x sizes.length anchors centred at the origin, [A, 4] (x1, y1, x2, y2),
 * ratio-major, rounded as torchvision's AnchorGenerator.generate_anchors (float32, height/width = ratio).
 */
export function baseAnchors(sizes: readonly number[], aspectRatios: readonly number[]): Tensor {
  const op = 'baseAnchors';
  const s = positiveList(op, 'sizes', sizes);
  const r = positiveList(op, 'aspectRatios', aspectRatios);
  const f = Math.fround;
  const out: number[] = [];
  for (const ratio of r) {
    const h = f(Math.sqrt(f(ratio)));
    const w = f(1 / h);
    for (const size of s) {
      const ws = f(w * f(size));
      const hs = f(h * f(size));
      out.push(...[-ws, -hs, ws, hs].map((v) => roundHalfEven(f(v / 2))));
    }
  }
  return Tensor.fromData(Float32Array.from(out), [out.length / 4, 4], 'float32');
}

export interface AnchorOptions {
  /** Anchor sizes in pixels (square side before the aspect ratio), e.g. [32, 64]. */
  sizes: readonly number[];
  /** Height / width ratios, e.g. [0.5, 1, 2]. */
  aspectRatios: readonly number[];
}

/**
 * Every anchor of a feature map: [h * w * A, 4] in image pixels, cell-major (row by row, the A anchors
 * of one cell together), each cell's anchors shifted by its top-left corner times the stride
 * (image size // feature size), as torchvision's AnchorGenerator does for one level.
 */
export function generateAnchors(imageSize: readonly [number, number], featureSize: readonly [number, number], options: AnchorOptions): Tensor {
  const op = 'generateAnchors';
  const [ih, iw] = sizePair(op, 'imageSize', imageSize);
  const [fh, fw] = sizePair(op, 'featureSize', featureSize);
  requireOptions(op, options, ['sizes', 'aspectRatios']);
  checkOptionKeys(op, options, ['sizes', 'aspectRatios']);
  const base = baseAnchors(options.sizes, options.aspectRatios).toTypedArray();
  const a = base.length / 4;
  const sy = Math.floor(ih / fh);
  const sx = Math.floor(iw / fw);
  const out = new Float32Array(fh * fw * a * 4);
  let o = 0;
  for (let y = 0; y < fh; y++) {
    for (let x = 0; x < fw; x++) {
      for (let k = 0; k < a; k++, o += 4) {
        out[o] = x * sx + base[k * 4]!;
        out[o + 1] = y * sy + base[k * 4 + 1]!;
        out[o + 2] = x * sx + base[k * 4 + 2]!;
        out[o + 3] = y * sy + base[k * 4 + 3]!;
      }
    }
  }
  return Tensor.fromData(out, [fh * fw * a, 4], 'float32');
}

export interface AssignOptions {
  /** IoU at or above which an anchor is foreground (default 0.7). */
  highThreshold?: number;
  /** IoU below which an anchor is background (default 0.3); in between it is ignored. */
  lowThreshold?: number;
  /** Also match, for each ground-truth box, the anchors with its highest IoU (Faster R-CNN's RPN; default false). */
  allowLowQualityMatches?: boolean;
}

/** Anchor label: background. */
export const BELOW_LOW_THRESHOLD = -1;
/** Anchor label: ignored (IoU between the thresholds). */
export const BETWEEN_THRESHOLDS = -2;

/**
 * For each anchor ([A, 4]) the index of its ground-truth box ([G, 4]) by highest IoU, or -1
 * (background, IoU < lowThreshold) or -2 (ignored): an int32 [A] tensor, as torchvision's Matcher.
 * With no ground-truth boxes every anchor is background.
 */
export function assignAnchors(anchors: BoxesLike, gtBoxes: BoxesLike, options: AssignOptions = {}, ...extra: []): Tensor {
  const op = 'assignAnchors';
  parseOptions(op, options, { highThreshold: num, lowThreshold: num, allowLowQualityMatches: bool }, extra);
  const high = options.highThreshold ?? 0.7;
  const low = options.lowThreshold ?? 0.3;
  if (typeof high !== 'number' || typeof low !== 'number' || !(low <= high)) {
    throw new Error(`${op}: lowThreshold (${String(low)}) must be a number <= highThreshold (${String(high)})`);
  }
  const a = checkBoxes(op, anchors, 'anchors');
  const g = checkBoxes(op, gtBoxes, 'gtBoxes');
  const na = a.shape[0]!;
  const ng = g.shape[0]!;
  const matches = new Int32Array(na).fill(BELOW_LOW_THRESHOLD);
  if (ng === 0 || na === 0) return Tensor.fromData(matches, [na], 'int32');
  const iou = boxIou(g, a).toTypedArray(); // [G, A], as torchvision's match_quality_matrix
  const best = new Int32Array(na);
  for (let j = 0; j < na; j++) {
    let bi = 0;
    for (let i = 1; i < ng; i++) if (iou[i * na + j]! > iou[bi * na + j]!) bi = i;
    best[j] = bi;
    const v = iou[bi * na + j]!;
    matches[j] = v < low ? BELOW_LOW_THRESHOLD : v < high ? BETWEEN_THRESHOLDS : bi;
  }
  if (options.allowLowQualityMatches) {
    for (let i = 0; i < ng; i++) {
      let top = -Infinity;
      for (let j = 0; j < na; j++) top = Math.max(top, iou[i * na + j]!);
      for (let j = 0; j < na; j++) if (iou[i * na + j] === top) matches[j] = best[j]!;
    }
  }
  return Tensor.fromData(matches, [na], 'int32');
}

/** IoU of two boxes given by width and height, centred on the same point. */
export function shapeIou(w1: number, h1: number, w2: number, h2: number): number {
  const inter = Math.min(w1, w2) * Math.min(h1, h2);
  return inter / (w1 * h1 + w2 * h2 - inter);
}

export interface KMeansAnchorOptions {
  /** Seed of the initial centres (k distinct boxes drawn at random; default 0). */
  seed?: number;
  /** Iteration limit (default 100); stops earlier when the assignment no longer changes. */
  maxIterations?: number;
}

export interface KMeansAnchors {
  /** [k, 2] (width, height), by increasing area. */
  anchors: Tensor;
  /** Mean over the boxes of the IoU with their nearest anchor. */
  meanIou: number;
  /** Nearest anchor of each box. */
  assignment: Int32Array;
}

/**
 * YOLOv2's anchor shapes: k-means over box (width, height) pairs with distance 1 - IoU of boxes
 * sharing a centre, centres updated to the mean width and height of their members.
 */
export function kmeansAnchors(sizes: Tensor | readonly (readonly number[])[], k: number, options: KMeansAnchorOptions = {}): KMeansAnchors {
  const op = 'kmeansAnchors';
  checkOptionKeys(op, options, ['seed', 'maxIterations']);
  const t = sizes instanceof Tensor ? sizes : Tensor.fromData(Float64Array.from((sizes as number[][]).flat()), [sizes.length, 2], 'float64');
  if (t.ndim !== 2 || t.shape[1] !== 2 || (!(sizes instanceof Tensor) && !(sizes as number[][]).every((r) => r.length === 2))) {
    throw new Error(`${op}: sizes must be [N, 2] (width, height), got ${sizes instanceof Tensor ? shapeStr(sizes.shape) : JSON.stringify(sizes).slice(0, 60)}`);
  }
  const v = Float64Array.from(t.toTypedArray());
  const n = t.shape[0]!;
  if (!v.every((x) => x > 0 && Number.isFinite(x))) throw new Error(`${op}: widths and heights must be positive and finite`);
  if (!Number.isInteger(k) || k < 1 || k > n) throw new Error(`${op}: k must be an integer in [1, ${n}] (the number of boxes), got ${String(k)}`);
  const maxIterations = options.maxIterations ?? 100;
  const rng = new Generator(options.seed ?? 0);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.nextDouble() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const centres = order.slice(0, k).flatMap((i) => [v[i * 2]!, v[i * 2 + 1]!]);
  const assignment = new Int32Array(n).fill(-1);
  for (let iter = 0; iter < maxIterations; iter++) {
    let changed = false;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestIou = -1;
      for (let c = 0; c < k; c++) {
        const iou = shapeIou(v[i * 2]!, v[i * 2 + 1]!, centres[c * 2]!, centres[c * 2 + 1]!);
        if (iou > bestIou) [best, bestIou] = [c, iou];
      }
      if (assignment[i] !== best) [assignment[i], changed] = [best, true];
    }
    if (!changed) break;
    const sum = new Float64Array(k * 3);
    for (let i = 0; i < n; i++) {
      const c = assignment[i]!;
      sum[c * 3] = sum[c * 3]! + v[i * 2]!;
      sum[c * 3 + 1] = sum[c * 3 + 1]! + v[i * 2 + 1]!;
      sum[c * 3 + 2] = sum[c * 3 + 2]! + 1;
    }
    for (let c = 0; c < k; c++) if (sum[c * 3 + 2]! > 0) centres.splice(c * 2, 2, sum[c * 3]! / sum[c * 3 + 2]!, sum[c * 3 + 1]! / sum[c * 3 + 2]!);
  }
  const byArea = Array.from({ length: k }, (_, c) => c).sort((a, b) => centres[a * 2]! * centres[a * 2 + 1]! - centres[b * 2]! * centres[b * 2 + 1]!);
  const rank = new Int32Array(k);
  byArea.forEach((c, r) => (rank[c] = r));
  let total = 0;
  for (let i = 0; i < n; i++) {
    const c = assignment[i]!;
    total += shapeIou(v[i * 2]!, v[i * 2 + 1]!, centres[c * 2]!, centres[c * 2 + 1]!);
    assignment[i] = rank[c]!;
  }
  const anchors = Tensor.fromData(Float64Array.from(byArea.flatMap((c) => [centres[c * 2]!, centres[c * 2 + 1]!])), [k, 2], 'float64');
  return { anchors, meanIou: total / n, assignment };
}
