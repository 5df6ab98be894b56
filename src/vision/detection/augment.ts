/**
 * Augmentation for detection data: each transform moves the image (through data.transforms, so
 * pixels and coordinates share one convention) together with its boxes and keypoints.
 *
 * Coordinates are continuous pixels: pixel (i, j) of row i, column j spans [j, j + 1] x [i, i + 1],
 * so its centre is (j + 0.5, i + 0.5). Boxes are [N, 4] as [x1, y1, x2, y2]; keypoints are [K, 2]
 * as (x, y) or [K, 3] as (x, y, visibility), visibility dropping to 0 when a point leaves the image.
 * Images are one [C, H, W] float image. Transforms that can push boxes off the image (crop, affine)
 * clip them to it and drop the ones left too small; `keep` lists the surviving input boxes so that
 * labels can follow.
 */
import { Tensor } from '../../tensor/tensor.js';
import { isFloat, type FloatDType } from '../../tensor/dtype.js';
import { shapeStr } from '../../tensor/shape.js';
import type { Generator } from '../../tensor/random.js';
import { generatorFrom, type SeedOptions } from '../../data/dataset.js';
import * as T from '../../data/transforms.js';
import { checkOptionKeys } from '../../ops/args.js';

export interface DetectionSample {
  /** One float image [C, H, W]. */
  image: Tensor;
  /** [N, 4] boxes [x1, y1, x2, y2] in pixels. */
  boxes?: Tensor;
  /** [K, 2] (x, y) or [K, 3] (x, y, visibility) in pixels. */
  keypoints?: Tensor;
}

export interface AugmentedSample extends DetectionSample {
  /** Indices of the input boxes that survive, in order (filter labels with it). */
  keep: number[];
}

/** A (possibly random) transform of a detection sample; random ones draw from `generator` when given. */
export type DetectionTransform = (sample: DetectionSample, generator?: Generator) => AugmentedSample;

export interface FlipPairsOption {
  /** Keypoint index pairs that swap under the flip, e.g. [[0, 1]] for left eye and right eye. */
  flipPairs?: readonly (readonly [number, number])[];
}

export interface BoxFilterOptions {
  /** Drop a box when less than this fraction of its area stays inside the image (default 0: keep any visible part). */
  minVisibility?: number;
  /** Drop a box whose clipped width or height is below this many pixels (default 0). */
  minSize?: number;
}

type Point = [number, number];

interface Parsed {
  image: Tensor;
  h: number;
  w: number;
  boxes: number[][] | null;
  boxDtype: FloatDType;
  points: number[][] | null;
  pointDtype: FloatDType;
}


function rows(op: string, name: string, t: Tensor | undefined, widths: readonly number[]): { rows: number[][] | null; dtype: FloatDType } {
  if (t === undefined) return { rows: null, dtype: 'float32' };
  if (!(t instanceof Tensor) || t.dtype === 'bool' || t.ndim !== 2 || !widths.includes(t.shape[1]!)) {
    throw new Error(`${op}: ${name} must be a numeric Tensor [N, ${widths.join(' or ')}], got ${t instanceof Tensor ? `${t.dtype} ${shapeStr(t.shape)}` : typeof t}`);
  }
  const flat = Array.from(t.contiguous().toTypedArray() as ArrayLike<number>);
  if (!flat.every(Number.isFinite)) throw new Error(`${op}: ${name} must be finite`);
  const width = t.shape[1]!;
  // Integer coordinates come back as float32: moved coordinates are fractional.
  return { rows: Array.from({ length: t.shape[0]! }, (_, i) => flat.slice(i * width, (i + 1) * width)), dtype: isFloat(t.dtype) ? t.dtype : 'float32' };
}

function parse(op: string, sample: DetectionSample): Parsed {
  if (typeof sample !== 'object' || sample === null) throw new Error(`${op}: expected a sample { image, boxes?, keypoints? }, got ${String(sample)}`);
  checkOptionKeys(op, sample, ['image', 'boxes', 'keypoints', 'keep']);
  const { image } = sample;
  if (!(image instanceof Tensor) || image.ndim !== 3 || !isFloat(image.dtype)) {
    throw new Error(`${op}: image must be one float image [C, H, W], got ${image instanceof Tensor ? `${image.dtype} ${shapeStr(image.shape)}` : typeof image}`);
  }
  const boxes = rows(op, 'boxes', sample.boxes, [4]);
  boxes.rows?.forEach((b, i) => {
    if (!(b[2]! >= b[0]! && b[3]! >= b[1]!)) throw new Error(`${op}: boxes[${i}] must have x1 <= x2 and y1 <= y2, got [${b.join(', ')}]`);
  });
  const points = rows(op, 'keypoints', sample.keypoints, [2, 3]);
  return { image, h: image.shape[1]!, w: image.shape[2]!, boxes: boxes.rows, boxDtype: boxes.dtype, points: points.rows, pointDtype: points.dtype };
}

function toTensor(r: number[][], width: number, dtype: FloatDType): Tensor {
  return Tensor.fromData(Float64Array.from(r.flat()), [r.length, width], 'float64').to(dtype);
}

/**
 * Maps every box corner and keypoint through `map`; boxes become the bounding box of their mapped
 * corners. With `filter`, boxes are clipped to the new image and dropped when too little is left,
 * and keypoints leaving the image get visibility 0.
 */
function finish(p: Parsed, image: Tensor, map: (pt: Point) => Point, filter: Required<BoxFilterOptions> | null): AugmentedSample {
  const h = image.shape[1]!;
  const w = image.shape[2]!;
  const out: AugmentedSample = { image, keep: [] };
  if (p.boxes !== null) {
    const kept: number[][] = [];
    p.boxes.forEach(([x1, y1, x2, y2], i) => {
      const corners = ([[x1!, y1!], [x2!, y1!], [x1!, y2!], [x2!, y2!]] as Point[]).map(map);
      const xs = corners.map((c) => c[0]);
      const ys = corners.map((c) => c[1]);
      let box = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
      if (filter !== null) {
        const area = (box[2]! - box[0]!) * (box[3]! - box[1]!);
        box = [Math.max(box[0]!, 0), Math.max(box[1]!, 0), Math.min(box[2]!, w), Math.min(box[3]!, h)];
        const bw = box[2]! - box[0]!;
        const bh = box[3]! - box[1]!;
        // A degenerate input box (a point or a line) survives while it stays inside the image.
        if (bw < 0 || bh < 0 || (area > 0 && !(bw * bh > 0)) || bw * bh < filter.minVisibility * area || bw < filter.minSize || bh < filter.minSize) return;
      }
      kept.push(box);
      out.keep.push(i);
    });
    out.boxes = toTensor(kept, 4, p.boxDtype);
  }
  if (p.points !== null) {
    const width = p.points[0]?.length ?? 2;
    const moved = p.points.map((pt) => {
      const [x, y] = map([pt[0]!, pt[1]!]);
      if (pt.length === 2) return [x, y];
      const inside = x >= 0 && x < w && y >= 0 && y < h;
      return [x, y, filter !== null && !inside ? 0 : pt[2]!];
    });
    out.keypoints = toTensor(moved, width, p.pointDtype);
  }
  return out;
}

function checkFlipPairs(op: string, pairs: FlipPairsOption['flipPairs'], k: number): void {
  if (pairs === undefined) return;
  if (!Array.isArray(pairs)) throw new Error(`${op}: flipPairs must be an array of [i, j] keypoint index pairs`);
  const seen = new Set<number>();
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((i: unknown) => Number.isInteger(i) && (i as number) >= 0 && (i as number) < k) || pair[0] === pair[1]) {
      throw new Error(`${op}: flipPairs entries must be pairs of distinct keypoint indices in [0, ${k}), got ${JSON.stringify(pair)}`);
    }
    for (const i of pair as [number, number]) {
      if (seen.has(i)) throw new Error(`${op}: keypoint ${i} appears in more than one flip pair`);
      seen.add(i);
    }
  }
}

function flip(op: string, sample: DetectionSample, options: FlipPairsOption, horizontal: boolean): AugmentedSample {
  checkOptionKeys(op, options, ['flipPairs']);
  const p = parse(op, sample);
  checkFlipPairs(op, options.flipPairs, p.points?.length ?? 0);
  const image = horizontal ? T.hflip(p.image) : T.vflip(p.image);
  const out = finish(p, image, ([x, y]) => (horizontal ? [p.w - x, y] : [x, p.h - y]), null);
  if (out.keypoints !== undefined && options.flipPairs !== undefined && options.flipPairs.length > 0) {
    const order = Array.from({ length: p.points!.length }, (_, i) => i);
    for (const [a, b] of options.flipPairs) [order[a], order[b]] = [b, a];
    out.keypoints = out.keypoints.indexSelect(0, Tensor.fromData(Int32Array.from(order), [order.length], 'int32'));
  }
  return out;
}

/** Mirrors left-right: x becomes W - x; flipPairs (e.g. left eye, right eye) swap. */
export function hflip(sample: DetectionSample, options: FlipPairsOption = {}): AugmentedSample {
  return flip('augment.hflip', sample, options, true);
}

/** Mirrors top-bottom: y becomes H - y; flipPairs (e.g. top, bottom) swap. */
export function vflip(sample: DetectionSample, options: FlipPairsOption = {}): AugmentedSample {
  return flip('augment.vflip', sample, options, false);
}

function boxFilter(op: string, options: BoxFilterOptions): Required<BoxFilterOptions> {
  const minVisibility = options.minVisibility ?? 0;
  const minSize = options.minSize ?? 0;
  if (!(minVisibility >= 0 && minVisibility <= 1)) throw new Error(`${op}: minVisibility must be in [0, 1], got ${minVisibility}`);
  if (!(minSize >= 0 && Number.isFinite(minSize))) throw new Error(`${op}: minSize must be a non-negative number, got ${minSize}`);
  return { minVisibility, minSize };
}

const FILTER_KEYS = ['minVisibility', 'minSize'] as const;

/** The height x width window at (top, left) (integers; outside the image reads 0); boxes are clipped to it. */
export function crop(sample: DetectionSample, top: number, left: number, height: number, width: number, options: BoxFilterOptions = {}): AugmentedSample {
  const op = 'augment.crop';
  checkOptionKeys(op, options, FILTER_KEYS);
  const filter = boxFilter(op, options);
  const p = parse(op, sample);
  return finish(p, T.crop(p.image, top, left, height, width), ([x, y]) => [x - left, y - top], filter);
}

/** Bilinear resize to [height, width] (data.transforms.resize); coordinates scale by the size ratios. */
export function resize(sample: DetectionSample, size: number | readonly [number, number]): AugmentedSample {
  const p = parse('augment.resize', sample);
  const image = T.resize(p.image, size);
  const sx = image.shape[2]! / p.w;
  const sy = image.shape[1]! / p.h;
  return finish(p, image, ([x, y]) => [x * sx, y * sy], null);
}

export interface AffineOptions extends T.WarpOptions, BoxFilterOptions {}

const WARP_KEYS = ['fill', 'fillMode', 'interpolation', ...FILTER_KEYS] as const;

/**
 * data.transforms.affine (rotation, translation, zoom, shear about the image centre) with the same
 * map applied to the coordinates; a box becomes the bounding box of its four transformed corners.
 */
export function affine(sample: DetectionSample, params: T.AffineParams, options: AffineOptions = {}): AugmentedSample {
  const op = 'augment.affine';
  checkOptionKeys(op, options, WARP_KEYS);
  const filter = boxFilter(op, options);
  const p = parse(op, sample);
  const { fill, fillMode, interpolation } = options;
  const image = T.affine(p.image, params, {
    ...(fill === undefined ? {} : { fill }),
    ...(fillMode === undefined ? {} : { fillMode }),
    ...(interpolation === undefined ? {} : { interpolation }),
  });
  const [m00, m01, m10, m11] = T.affineMatrix(params);
  const [tx, ty] = params.translate ?? [0, 0];
  const cx = p.w / 2;
  const cy = p.h / 2;
  return finish(p, image, ([x, y]) => [m00 * (x - cx) + m01 * (y - cy) + cx + tx, m10 * (x - cx) + m11 * (y - cy) + cy + ty], filter);
}

// ---- random versions ----------------------------------------------------------------------------

function randomTransform(options: SeedOptions, body: (sample: DetectionSample, g: Generator) => AugmentedSample): DetectionTransform {
  const own = options.generator !== undefined || options.seed !== undefined ? generatorFrom(options) : null;
  return (sample, generator) => body(sample, generator ?? own ?? generatorFrom({}));
}

/** The image's [height, width], checked before a random transform draws parameters from it. */
function imageSize(op: string, sample: DetectionSample): [number, number] {
  const p = parse(op, sample);
  return [p.h, p.w];
}

function probability(op: string, p: number | undefined): number {
  const v = p ?? 0.5;
  if (!(v >= 0 && v <= 1)) throw new Error(`${op}: p must be a probability in [0, 1], got ${v}`);
  return v;
}

function unchanged(sample: DetectionSample, op: string): AugmentedSample {
  const p = parse(op, sample);
  return finish(p, p.image, (pt) => pt, null);
}

export interface RandomFlipOptions extends SeedOptions, FlipPairsOption {
  /** Probability of flipping (default 0.5). */
  p?: number;
}

function randomFlip(op: string, options: RandomFlipOptions, apply: typeof hflip): DetectionTransform {
  checkOptionKeys(op, options, ['p', 'flipPairs', 'seed', 'generator']);
  const prob = probability(op, options.p);
  const pairs = options.flipPairs === undefined ? {} : { flipPairs: options.flipPairs };
  return randomTransform(options, (s, g) => (g.nextDouble() < prob ? apply(s, pairs) : unchanged(s, op)));
}

export function randomHorizontalFlip(options: RandomFlipOptions = {}): DetectionTransform {
  return randomFlip('augment.randomHorizontalFlip', options, hflip);
}

export function randomVerticalFlip(options: RandomFlipOptions = {}): DetectionTransform {
  return randomFlip('augment.randomVerticalFlip', options, vflip);
}

export interface RandomCropOptions extends SeedOptions, BoxFilterOptions {}

/** A window of `size` ([height, width]) at a uniformly random integer place inside the image. */
export function randomCrop(size: number | readonly [number, number], options: RandomCropOptions = {}): DetectionTransform {
  const op = 'augment.randomCrop';
  checkOptionKeys(op, options, [...FILTER_KEYS, 'seed', 'generator']);
  const [height, width] = typeof size === 'number' ? [size, size] : [size[0], size[1]];
  if (!(Number.isInteger(height) && height > 0 && Number.isInteger(width) && width > 0)) throw new Error(`${op}: size must be a positive integer or [height, width], got ${JSON.stringify(size)}`);
  boxFilter(op, options);
  const filter = { ...(options.minVisibility === undefined ? {} : { minVisibility: options.minVisibility }), ...(options.minSize === undefined ? {} : { minSize: options.minSize }) };
  return randomTransform(options, (s, g) => {
    const [h, w] = imageSize(op, s);
    if (height > h || width > w) throw new Error(`${op}: crop ${height}x${width} is larger than the image ${h}x${w}`);
    const top = Math.floor(g.nextDouble() * (h - height + 1));
    const left = Math.floor(g.nextDouble() * (w - width + 1));
    return crop(s, top, left, height, width, filter);
  });
}

export interface RandomAffineOptions extends SeedOptions, AffineOptions {
  /** Rotation range in degrees: d for [-d, d], or [low, high]. */
  degrees?: number | readonly [number, number];
  /** Maximum shift as fractions [fx, fy] of the width and height. */
  translate?: readonly [number, number];
  /** Zoom range [low, high]. */
  scale?: readonly [number, number];
  /** Shear range along x in degrees: d for [-d, d], or [low, high]. */
  shear?: number | readonly [number, number];
}

function span(op: string, name: string, v: number | readonly [number, number] | undefined): [number, number] {
  const r: [number, number] = v === undefined ? [0, 0] : typeof v === 'number' ? [-v, v] : [v[0], v[1]];
  if (!(r[0] <= r[1]) || !r.every(Number.isFinite)) throw new Error(`${op}: ${name} must be a non-negative number or a [low, high] range, got ${JSON.stringify(v)}`);
  return r;
}

/** A random rotation, shift, zoom and shear (as data.transforms.randomAffine) applied to image, boxes and keypoints. */
export function randomAffine(options: RandomAffineOptions = {}): DetectionTransform {
  const op = 'augment.randomAffine';
  checkOptionKeys(op, options, ['degrees', 'translate', 'scale', 'shear', 'seed', 'generator', ...WARP_KEYS]);
  const degrees = span(op, 'degrees', options.degrees);
  const shear = span(op, 'shear', options.shear);
  const [fx, fy] = options.translate ?? [0, 0];
  if (!(fx >= 0 && fx <= 1 && fy >= 0 && fy <= 1)) throw new Error(`${op}: translate fractions must be in [0, 1], got [${fx}, ${fy}]`);
  const [zoomLow, zoomHigh] = options.scale ?? [1, 1];
  if (!(zoomLow > 0 && zoomLow <= zoomHigh)) throw new Error(`${op}: scale must be a range [low, high] with 0 < low <= high, got [${zoomLow}, ${zoomHigh}]`);
  const { degrees: _d, translate: _t, scale: _s, shear: _sh, seed: _seed, generator: _g, ...warp } = options;
  boxFilter(op, warp);
  const uniform = (g: Generator, [lo, hi]: readonly [number, number]) => lo + (hi - lo) * g.nextDouble();
  return randomTransform(options, (s, g) => {
    const [h, w] = imageSize(op, s);
    const params: T.AffineParams = {
      angle: uniform(g, degrees),
      translate: [uniform(g, [-fx * w, fx * w]), uniform(g, [-fy * h, fy * h])],
      scale: uniform(g, [zoomLow, zoomHigh]),
      shear: [uniform(g, shear), 0],
    };
    return affine(s, params, warp);
  });
}

/** Chains transforms, drawing all randomness from one generator (from `seed` or `generator`); `keep` composes. */
export function compose(transforms: readonly DetectionTransform[], options: SeedOptions = {}): DetectionTransform {
  checkOptionKeys('augment.compose', options, ['seed', 'generator']);
  transforms.forEach((t, i) => {
    if (typeof t !== 'function') throw new Error(`augment.compose: entry ${i} is not a transform function`);
  });
  const own = generatorFrom(options);
  return (sample, generator) => {
    let out = unchanged(sample, 'augment.compose');
    for (const t of transforms) {
      const next = t({ image: out.image, ...(out.boxes ? { boxes: out.boxes } : {}), ...(out.keypoints ? { keypoints: out.keypoints } : {}) }, generator ?? own);
      out = { ...next, keep: next.keep.map((i) => out.keep[i]!) };
    }
    return out;
  };
}
