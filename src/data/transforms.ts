/**
 * Data augmentation on NCHW image tensors ([N, C, H, W], or one image [C, H, W]), seeded:
 * every random transform draws from a Generator, so a seed gives the same augmented batch on
 * every run. Random parameters are drawn per image. Values are floats (typically in [0, 1]);
 * nothing is clamped, so order and ranges stay the caller's choice.
 */
import { Tensor } from '../tensor/tensor.js';
import { allocate, isFloat, type FloatDType } from '../tensor/dtype.js';
import { shapeStr } from '../tensor/shape.js';
import type { Generator } from '../tensor/random.js';
import { generatorFrom, type SeedOptions } from './dataset.js';

/**
 * A transform maps an image batch to a new one of the same shape (crops excepted). Random
 * transforms use the generator passed in (compose passes its own), else the one from their
 * options, else the default generator.
 */
export type Transform = (x: Tensor, generator?: Generator) => Tensor;

interface Batch {
  data: Float32Array | Float64Array;
  n: number;
  c: number;
  h: number;
  w: number;
  dtype: FloatDType;
  single: boolean;
}

function readBatch(op: string, x: Tensor): Batch {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected an image Tensor`);
  if (x.ndim !== 3 && x.ndim !== 4) {
    throw new Error(`${op}: expected images of shape [N, C, H, W] or one image [C, H, W], got shape ${shapeStr(x.shape)}`);
  }
  if (!isFloat(x.dtype)) throw new Error(`${op}: expected float images, got dtype ${x.dtype}; convert with .float() (and scale to [0, 1])`);
  const single = x.ndim === 3;
  const [n, c, h, w] = (single ? [1, ...x.shape] : x.shape) as [number, number, number, number];
  return { data: x.toTypedArray() as Float32Array | Float64Array, n, c, h, w, dtype: x.dtype, single };
}

function writeBatch(b: Batch, data: Float32Array | Float64Array, h = b.h, w = b.w): Tensor {
  return Tensor.fromData(data, b.single ? [b.c, h, w] : [b.n, b.c, h, w], b.dtype);
}

function emptyLike(b: Batch, h = b.h, w = b.w): Float32Array | Float64Array {
  return allocate(b.dtype, b.n * b.c * h * w) as Float32Array | Float64Array;
}

function uniform(g: Generator, lo: number, hi: number): number {
  return lo + (hi - lo) * g.nextDouble();
}

function normal(g: Generator): number {
  // Box-Muller; 1 - u keeps the log argument in (0, 1].
  const u = 1 - g.nextDouble();
  const v = g.nextDouble();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function checkProbability(op: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new Error(`${op}: p must be a probability in [0, 1], got ${p}`);
}

/** A symmetric range from a single number (±value) or an explicit [low, high]. */
function range(op: string, name: string, value: number | readonly [number, number]): [number, number] {
  const r: [number, number] = typeof value === 'number' ? [-value, value] : [value[0], value[1]];
  if (!(r[0] <= r[1]) || !r.every(Number.isFinite)) {
    throw new Error(`${op}: ${name} must be a non-negative number or a [low, high] range, got ${JSON.stringify(value)}`);
  }
  return r;
}

function size2(op: string, size: number | readonly [number, number]): [number, number] {
  const s: [number, number] = typeof size === 'number' ? [size, size] : [size[0], size[1]];
  if (!s.every((v) => Number.isInteger(v) && v > 0)) throw new Error(`${op}: size must be a positive integer or [height, width], got ${JSON.stringify(size)}`);
  return s;
}

function randomTransform(options: SeedOptions, body: (b: Batch, g: Generator) => Tensor, op: string): Transform {
  const own = options.generator !== undefined || options.seed !== undefined ? generatorFrom(options) : null;
  return (x, generator) => body(readBatch(op, x), generator ?? own ?? generatorFrom({}));
}

// ---- flips ------------------------------------------------------------------------------------

function flipImages(b: Batch, which: (i: number) => boolean, horizontal: boolean): Float32Array | Float64Array {
  const out = b.data.slice();
  const { h, w } = b;
  for (let i = 0; i < b.n; i++) {
    if (!which(i)) continue;
    for (let k = 0; k < b.c; k++) {
      const base = (i * b.c + k) * h * w;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          out[base + y * w + x] = horizontal ? b.data[base + y * w + (w - 1 - x)]! : b.data[base + (h - 1 - y) * w + x]!;
        }
      }
    }
  }
  return out;
}

/** Mirrors images left-right. */
export function hflip(x: Tensor): Tensor {
  const b = readBatch('hflip', x);
  return writeBatch(b, flipImages(b, () => true, true));
}

/** Mirrors images top-bottom. */
export function vflip(x: Tensor): Tensor {
  const b = readBatch('vflip', x);
  return writeBatch(b, flipImages(b, () => true, false));
}

export interface FlipOptions extends SeedOptions {
  /** Probability of flipping each image (default 0.5). */
  p?: number;
}

export function randomHorizontalFlip(options: FlipOptions = {}): Transform {
  const p = options.p ?? 0.5;
  checkProbability('randomHorizontalFlip', p);
  return randomTransform(options, (b, g) => {
    const flip = Array.from({ length: b.n }, () => g.nextDouble() < p);
    return writeBatch(b, flipImages(b, (i) => flip[i]!, true));
  }, 'randomHorizontalFlip');
}

export function randomVerticalFlip(options: FlipOptions = {}): Transform {
  const p = options.p ?? 0.5;
  checkProbability('randomVerticalFlip', p);
  return randomTransform(options, (b, g) => {
    const flip = Array.from({ length: b.n }, () => g.nextDouble() < p);
    return writeBatch(b, flipImages(b, (i) => flip[i]!, false));
  }, 'randomVerticalFlip');
}

// ---- crops ------------------------------------------------------------------------------------

/** Copies a height x width window at (top, left) of every image; pixels outside the image read `fill`. */
function cropImages(b: Batch, origin: (i: number) => [number, number], height: number, width: number, fill: number): Float32Array | Float64Array {
  const out = emptyLike(b, height, width);
  for (let i = 0; i < b.n; i++) {
    const [top, left] = origin(i);
    for (let k = 0; k < b.c; k++) {
      const src = (i * b.c + k) * b.h * b.w;
      const dst = (i * b.c + k) * height * width;
      for (let y = 0; y < height; y++) {
        const sy = top + y;
        for (let x = 0; x < width; x++) {
          const sx = left + x;
          out[dst + y * width + x] = sy >= 0 && sy < b.h && sx >= 0 && sx < b.w ? b.data[src + sy * b.w + sx]! : fill;
        }
      }
    }
  }
  return out;
}

/** The height x width window whose top-left corner is (top, left); parts outside the image are 0. */
export function crop(x: Tensor, top: number, left: number, height: number, width: number): Tensor {
  const b = readBatch('crop', x);
  if (![top, left].every(Number.isInteger) || !(Number.isInteger(height) && height > 0 && Number.isInteger(width) && width > 0)) {
    throw new Error(`crop: top and left must be integers and height, width positive integers, got ${top}, ${left}, ${height}, ${width}`);
  }
  return writeBatch(b, cropImages(b, () => [top, left], height, width, 0), height, width);
}

/** The central window of the given size (torchvision's center_crop rounding). */
export function centerCrop(size: number | readonly [number, number]): Transform {
  const [height, width] = size2('centerCrop', size);
  return (x) => {
    const b = readBatch('centerCrop', x);
    const top = Math.round((b.h - height) / 2);
    const left = Math.round((b.w - width) / 2);
    return writeBatch(b, cropImages(b, () => [top, left], height, width, 0), height, width);
  };
}

export interface RandomCropOptions extends SeedOptions {
  /** Pixels of `fill` added on every side before cropping (default 0; 4 for the CIFAR recipe). */
  padding?: number;
  fill?: number;
}

/** A window of `size` at a random place in each (padded) image, as torchvision's RandomCrop. */
export function randomCrop(size: number | readonly [number, number], options: RandomCropOptions = {}): Transform {
  const [height, width] = size2('randomCrop', size);
  const padding = options.padding ?? 0;
  if (!Number.isInteger(padding) || padding < 0) throw new Error(`randomCrop: padding must be a non-negative integer, got ${padding}`);
  const fill = options.fill ?? 0;
  return randomTransform(options, (b, g) => {
    const spanY = b.h + 2 * padding - height;
    const spanX = b.w + 2 * padding - width;
    if (spanY < 0 || spanX < 0) {
      throw new Error(`randomCrop: crop ${height}x${width} is larger than the padded image ${b.h + 2 * padding}x${b.w + 2 * padding}`);
    }
    const origins = Array.from({ length: b.n }, (): [number, number] => [
      Math.floor(g.nextDouble() * (spanY + 1)) - padding,
      Math.floor(g.nextDouble() * (spanX + 1)) - padding,
    ]);
    return writeBatch(b, cropImages(b, (i) => origins[i]!, height, width, fill), height, width);
  }, 'randomCrop');
}

// ---- affine warps: rotation, translation, shear, zoom -------------------------------------------

export interface AffineParams {
  /** Counter-clockwise rotation in degrees. */
  angle?: number;
  /** Shift in pixels, [x (right), y (down)]. */
  translate?: readonly [number, number];
  /** Zoom factor (> 1 enlarges). */
  scale?: number;
  /** Shear angles in degrees, [along x, along y]. */
  shear?: readonly [number, number];
}

export interface WarpOptions {
  /** Value for pixels that come from outside the image (default 0). */
  fill?: number;
  interpolation?: 'bilinear' | 'nearest';
}

interface Affine {
  angle: number;
  tx: number;
  ty: number;
  scale: number;
  shearX: number;
  shearY: number;
}

/** Forward map M = rotation (counter-clockwise on screen, y down) * shear * scale, row-major [m00, m01, m10, m11]. */
function forwardMatrix(p: Affine): [number, number, number, number] {
  const rad = (p.angle * Math.PI) / 180;
  const cos = Math.cos(rad);
  const sin = Math.sin(rad);
  const shx = Math.tan((p.shearX * Math.PI) / 180);
  const shy = Math.tan((p.shearY * Math.PI) / 180);
  return [p.scale * (cos + sin * shy), p.scale * (cos * shx + sin), p.scale * (-sin + cos * shy), p.scale * (-sin * shx + cos)];
}

/**
 * The linear part [m00, m01, m10, m11] of `affine`'s map: a point p (x right, y down) moves to
 * M (p - centre) + centre + translate, where centre is the image centre ((W - 1) / 2, (H - 1) / 2)
 * in pixel indices, i.e. (W / 2, H / 2) in continuous coordinates where pixel i spans [i, i + 1].
 */
export function affineMatrix(params: AffineParams): [number, number, number, number] {
  return forwardMatrix(affineFrom(params));
}

/** Warps image i of the batch by its affine map about the image centre, sampling the source per output pixel. */
function warpImages(b: Batch, params: (i: number) => Affine, options: WarpOptions): Float32Array | Float64Array {
  const fill = options.fill ?? 0;
  const nearest = options.interpolation === 'nearest';
  const out = emptyLike(b);
  const { h, w } = b;
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  for (let i = 0; i < b.n; i++) {
    const p = params(i);
    const [m00, m01, m10, m11] = forwardMatrix(p);
    const det = m00 * m11 - m01 * m10;
    if (Math.abs(det) < 1e-12) throw new Error('affine: the transform is singular (shear of 90 degrees or scale 0)');
    const i00 = m11 / det;
    const i01 = -m01 / det;
    const i10 = -m10 / det;
    const i11 = m00 / det;
    for (let k = 0; k < b.c; k++) {
      const base = (i * b.c + k) * h * w;
      for (let y = 0; y < h; y++) {
        const dy = y - cy - p.ty;
        for (let x = 0; x < w; x++) {
          const dx = x - cx - p.tx;
          const sx = i00 * dx + i01 * dy + cx;
          const sy = i10 * dx + i11 * dy + cy;
          out[base + y * w + x] = nearest ? sampleNearest(b.data, base, h, w, sx, sy, fill) : sampleBilinear(b.data, base, h, w, sx, sy, fill);
        }
      }
    }
  }
  return out;
}

function pixel(data: Float32Array | Float64Array, base: number, h: number, w: number, x: number, y: number, fill: number): number {
  return x >= 0 && x < w && y >= 0 && y < h ? data[base + y * w + x]! : fill;
}

function sampleNearest(data: Float32Array | Float64Array, base: number, h: number, w: number, sx: number, sy: number, fill: number): number {
  return pixel(data, base, h, w, Math.round(sx), Math.round(sy), fill);
}

function sampleBilinear(data: Float32Array | Float64Array, base: number, h: number, w: number, sx: number, sy: number, fill: number): number {
  // Snap coordinates within rounding noise of a pixel centre, so exact 90-degree turns and shifts copy pixels exactly.
  const rx = Math.round(sx);
  const ry = Math.round(sy);
  if (Math.abs(sx - rx) < 1e-9) sx = rx;
  if (Math.abs(sy - ry) < 1e-9) sy = ry;
  const x0 = Math.floor(sx);
  const y0 = Math.floor(sy);
  const fx = sx - x0;
  const fy = sy - y0;
  const top = (1 - fx) * pixel(data, base, h, w, x0, y0, fill) + (fx === 0 ? 0 : fx * pixel(data, base, h, w, x0 + 1, y0, fill));
  if (fy === 0) return top;
  const bottom = (1 - fx) * pixel(data, base, h, w, x0, y0 + 1, fill) + (fx === 0 ? 0 : fx * pixel(data, base, h, w, x0 + 1, y0 + 1, fill));
  return (1 - fy) * top + fy * bottom;
}

function affineFrom(params: AffineParams): Affine {
  const a: Affine = {
    angle: params.angle ?? 0,
    tx: params.translate?.[0] ?? 0,
    ty: params.translate?.[1] ?? 0,
    scale: params.scale ?? 1,
    shearX: params.shear?.[0] ?? 0,
    shearY: params.shear?.[1] ?? 0,
  };
  if (!Object.values(a).every(Number.isFinite) || !(a.scale > 0)) {
    throw new Error(`affine: parameters must be finite numbers with scale > 0, got ${JSON.stringify(params)}`);
  }
  return a;
}

/** Applies one affine map (rotation, translation, zoom, shear about the centre) to every image. */
export function affine(x: Tensor, params: AffineParams, options: WarpOptions = {}): Tensor {
  const b = readBatch('affine', x);
  const a = affineFrom(params);
  return writeBatch(b, warpImages(b, () => a, options));
}

export interface RandomAffineOptions extends SeedOptions, WarpOptions {
  /** Rotation angle range in degrees: d for [-d, d], or [low, high]. */
  degrees?: number | readonly [number, number];
  /** Maximum shift as fractions of the width and height: [fx, fy] shifts by up to fx * W and fy * H. */
  translate?: readonly [number, number];
  /** Zoom factor range [low, high]. */
  scale?: readonly [number, number];
  /** Shear range in degrees along x: d for [-d, d], or [low, high]. */
  shear?: number | readonly [number, number];
}

/** A random affine map per image (torchvision's RandomAffine). */
export function randomAffine(options: RandomAffineOptions = {}): Transform {
  const op = 'randomAffine';
  const degrees = range(op, 'degrees', options.degrees ?? 0);
  const shear = range(op, 'shear', options.shear ?? 0);
  const [fx, fy] = options.translate ?? [0, 0];
  if (!(fx >= 0 && fx <= 1 && fy >= 0 && fy <= 1)) throw new Error(`${op}: translate fractions must be in [0, 1], got [${fx}, ${fy}]`);
  const [zoomLow, zoomHigh] = options.scale ?? [1, 1];
  if (!(zoomLow > 0 && zoomLow <= zoomHigh)) throw new Error(`${op}: scale must be a range [low, high] with 0 < low <= high, got [${zoomLow}, ${zoomHigh}]`);
  return randomTransform(options, (b, g) => {
    const params = Array.from({ length: b.n }, (): Affine => ({
      angle: uniform(g, degrees[0], degrees[1]),
      tx: uniform(g, -fx * b.w, fx * b.w),
      ty: uniform(g, -fy * b.h, fy * b.h),
      scale: uniform(g, zoomLow, zoomHigh),
      shearX: uniform(g, shear[0], shear[1]),
      shearY: 0,
    }));
    return writeBatch(b, warpImages(b, (i) => params[i]!, options));
  }, op);
}

/** Rotation by a random angle in [-degrees, degrees] (or a [low, high] range). */
export function randomRotation(degrees: number | readonly [number, number], options: SeedOptions & WarpOptions = {}): Transform {
  return randomAffine({ ...options, degrees });
}

/** Shift by up to [fx * W, fy * H] pixels. */
export function randomTranslation(translate: readonly [number, number], options: SeedOptions & WarpOptions = {}): Transform {
  return randomAffine({ ...options, translate });
}

/** Shear along x by a random angle in [-degrees, degrees]. */
export function randomShear(degrees: number | readonly [number, number], options: SeedOptions & WarpOptions = {}): Transform {
  return randomAffine({ ...options, shear: degrees });
}

/** Zoom by a random factor in [low, high] (> 1 enlarges). */
export function randomZoom(scale: readonly [number, number], options: SeedOptions & WarpOptions = {}): Transform {
  return randomAffine({ ...options, scale });
}

// ---- resizing ----------------------------------------------------------------------------------

/**
 * Bilinear resize to [height, width], as torch.nn.functional.interpolate(mode='bilinear',
 * align_corners=False, antialias=False): output pixel i samples the source at (i + 0.5) * in / out - 0.5
 * (clamped to the image), so continuous coordinates (pixel i spans [i, i + 1]) scale by out / in.
 */
export function resize(x: Tensor, size: number | readonly [number, number]): Tensor {
  const b = readBatch('resize', x);
  const [height, width] = size2('resize', size);
  const out = emptyLike(b, height, width);
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  for (let i = 0; i < b.n * b.c; i++) {
    const src = i * b.h * b.w;
    const dst = i * height * width;
    for (let y = 0; y < height; y++) {
      const sy = clamp(((y + 0.5) * b.h) / height - 0.5, b.h - 1);
      for (let xo = 0; xo < width; xo++) {
        const sx = clamp(((xo + 0.5) * b.w) / width - 0.5, b.w - 1);
        out[dst + y * width + xo] = sampleBilinear(b.data, src, b.h, b.w, sx, sy, 0);
      }
    }
  }
  return writeBatch(b, out, height, width);
}

// ---- colour and intensity -----------------------------------------------------------------------

/** Adds offset(i, k) to every pixel of channel k of image i. */
function addPerChannel(b: Batch, offset: (i: number, k: number) => number): Tensor {
  const out = b.data.slice();
  const plane = b.h * b.w;
  for (let i = 0; i < b.n; i++) {
    for (let k = 0; k < b.c; k++) {
      const o = offset(i, k);
      const base = (i * b.c + k) * plane;
      for (let p = 0; p < plane; p++) out[base + p]! += o;
    }
  }
  return writeBatch(b, out);
}

export interface ChannelShiftOptions extends SeedOptions {
  /** Each channel of each image moves by a uniform offset in [-delta, delta]. */
  delta: number;
}

/** Per-channel colour shift: a random offset per channel and image. */
export function randomChannelShift(options: ChannelShiftOptions): Transform {
  const [lo, hi] = range('randomChannelShift', 'delta', options.delta);
  return randomTransform(options, (b, g) => {
    const offsets = Array.from({ length: b.n * b.c }, () => uniform(g, lo, hi));
    return addPerChannel(b, (i, k) => offsets[i * b.c + k]!);
  }, 'randomChannelShift');
}

export interface PcaColorBasis {
  /** Eigenvalues of the 3x3 RGB covariance, largest first. */
  eigenvalues: readonly [number, number, number];
  /** The matching unit eigenvectors as columns: eigenvectors[row][col] is component `row` of vector `col`. */
  eigenvectors: readonly (readonly [number, number, number])[];
}

/** ImageNet's RGB basis for pixel values in [0, 1], as used by fb.resnet.torch's Lighting transform. */
export const IMAGENET_PCA: PcaColorBasis = {
  eigenvalues: [0.2175, 0.0188, 0.0045],
  eigenvectors: [
    [-0.5675, 0.7192, 0.4009],
    [-0.5808, -0.0045, -0.814],
    [-0.5836, -0.6948, 0.4203],
  ],
};

/** Symmetric eigendecomposition by cyclic Jacobi rotations (small matrices). */
function symmetricEigen(a: number[][]): { values: number[]; vectors: number[][] } {
  const n = a.length;
  const m = a.map((r) => [...r]);
  const v: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p]![q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p]![q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q]![q]! - m[p]![p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k]![p]!;
          const mkq = m[k]![q]!;
          m[k]![p] = c * mkp - s * mkq;
          m[k]![q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p]![k]!;
          const mqk = m[q]![k]!;
          m[p]![k] = c * mpk - s * mqk;
          m[q]![k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k]![p]!;
          const vkq = v[k]![q]!;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[j]![j]! - m[i]![i]!);
  return { values: order.map((i) => m[i]![i]!), vectors: v.map((row) => order.map((i) => row[i]!)) };
}

/** The principal components of the RGB values of a batch of 3-channel images (AlexNet's colour PCA). */
export function fitPcaColor(images: Tensor): PcaColorBasis {
  const b = readBatch('fitPcaColor', images);
  if (b.c !== 3) throw new Error(`fitPcaColor: expected RGB images with 3 channels, got ${b.c}`);
  const plane = b.h * b.w;
  const count = b.n * plane;
  const mean = [0, 0, 0];
  const cov = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  for (let i = 0; i < b.n; i++) for (let k = 0; k < 3; k++) for (let p = 0; p < plane; p++) mean[k]! += b.data[(i * 3 + k) * plane + p]!;
  for (let k = 0; k < 3; k++) mean[k]! /= count;
  for (let i = 0; i < b.n; i++) {
    for (let p = 0; p < plane; p++) {
      const d = [0, 1, 2].map((k) => b.data[(i * 3 + k) * plane + p]! - mean[k]!);
      for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) cov[r]![c]! += d[r]! * d[c]!;
    }
  }
  const { values, vectors } = symmetricEigen(cov.map((row) => row.map((v) => v / Math.max(1, count - 1))));
  return {
    eigenvalues: values.map((v) => Math.max(0, v)) as [number, number, number],
    eigenvectors: vectors as [number, number, number][],
  };
}

export interface PcaColorOptions extends SeedOptions {
  /** Standard deviation of the random coefficients (AlexNet: 0.1). */
  std?: number;
  /** The RGB basis (default IMAGENET_PCA; fit your own with fitPcaColor). */
  basis?: PcaColorBasis;
}

/**
 * AlexNet's "fancy PCA" colour augmentation: adds sum_j alpha_j * lambda_j * v_j to every RGB
 * pixel, with alpha_j ~ N(0, std) drawn per image.
 */
export function pcaColorAugment(options: PcaColorOptions = {}): Transform {
  const std = options.std ?? 0.1;
  if (!(std >= 0)) throw new Error(`pcaColorAugment: std must be non-negative, got ${std}`);
  const { eigenvalues, eigenvectors } = options.basis ?? IMAGENET_PCA;
  return randomTransform(options, (b, g) => {
    if (b.c !== 3) throw new Error(`pcaColorAugment: expected RGB images with 3 channels, got ${b.c}`);
    const shifts = Array.from({ length: b.n }, () => {
      const alpha = [0, 1, 2].map(() => normal(g) * std);
      return [0, 1, 2].map((k) => [0, 1, 2].reduce((s, j) => s + eigenvectors[k]![j]! * alpha[j]! * eigenvalues[j]!, 0));
    });
    return addPerChannel(b, (i, k) => shifts[i]![k]!);
  }, 'pcaColorAugment');
}

export interface NoiseOptions extends SeedOptions {
  /** Standard deviation of the Gaussian noise added to every value. */
  std: number;
}

/** Additive Gaussian noise. */
export function gaussianNoise(options: NoiseOptions): Transform {
  if (!(options.std >= 0)) throw new Error(`gaussianNoise: std must be non-negative, got ${options.std}`);
  return randomTransform(options, (b, g) => {
    const out = b.data.slice();
    for (let i = 0; i < out.length; i++) out[i]! += options.std * normal(g);
    return writeBatch(b, out);
  }, 'gaussianNoise');
}

export interface BrightnessOptions extends SeedOptions {
  /** Each image moves by a uniform offset in [-delta, delta] (tf.image.random_brightness). */
  delta: number;
}

/** Random brightness: the same random offset for all pixels and channels of an image. */
export function randomBrightness(options: BrightnessOptions): Transform {
  const [lo, hi] = range('randomBrightness', 'delta', options.delta);
  return randomTransform(options, (b, g) => {
    const offsets = Array.from({ length: b.n }, () => uniform(g, lo, hi));
    return addPerChannel(b, (i) => offsets[i]!);
  }, 'randomBrightness');
}

export interface ContrastOptions extends SeedOptions {
  /** Contrast factor range [low, high]: each channel becomes mean + f * (x - mean) (tf.image.random_contrast). */
  range: readonly [number, number];
}

/** Random contrast: scales each channel's deviation from its mean by a random factor per image. */
export function randomContrast(options: ContrastOptions): Transform {
  const [lo, hi] = options.range;
  if (!(lo >= 0 && lo <= hi)) throw new Error(`randomContrast: range must be [low, high] with 0 <= low <= high, got [${lo}, ${hi}]`);
  return randomTransform(options, (b, g) => {
    const factors = Array.from({ length: b.n }, () => uniform(g, lo, hi));
    const out = b.data.slice();
    const plane = b.h * b.w;
    for (let i = 0; i < b.n; i++) {
      for (let k = 0; k < b.c; k++) {
        const base = (i * b.c + k) * plane;
        let mean = 0;
        for (let p = 0; p < plane; p++) mean += b.data[base + p]!;
        mean /= plane;
        for (let p = 0; p < plane; p++) out[base + p] = mean + factors[i]! * (b.data[base + p]! - mean);
      }
    }
    return writeBatch(b, out);
  }, 'randomContrast');
}

export interface CutoutOptions extends SeedOptions {
  /** Side of the square hole in pixels. */
  size: number;
  /** Holes per image (default 1). */
  count?: number;
  fill?: number;
}

/**
 * Cutout (DeVries & Taylor, 2017): squares of `size` centred at random points (possibly near
 * the border, so partly outside) are set to `fill` in all channels.
 */
export function cutout(options: CutoutOptions): Transform {
  const { size } = options;
  const count = options.count ?? 1;
  if (!Number.isInteger(size) || size <= 0) throw new Error(`cutout: size must be a positive integer, got ${size}`);
  if (!Number.isInteger(count) || count < 0) throw new Error(`cutout: count must be a non-negative integer, got ${count}`);
  const fill = options.fill ?? 0;
  return randomTransform(options, (b, g) => {
    const out = b.data.slice();
    const plane = b.h * b.w;
    for (let i = 0; i < b.n; i++) {
      for (let hole = 0; hole < count; hole++) {
        const cy = Math.floor(g.nextDouble() * b.h);
        const cx = Math.floor(g.nextDouble() * b.w);
        const y0 = Math.max(0, cy - Math.floor(size / 2));
        const y1 = Math.min(b.h, cy - Math.floor(size / 2) + size);
        const x0 = Math.max(0, cx - Math.floor(size / 2));
        const x1 = Math.min(b.w, cx - Math.floor(size / 2) + size);
        for (let k = 0; k < b.c; k++) {
          const base = (i * b.c + k) * plane;
          for (let y = y0; y < y1; y++) out.fill(fill, base + y * b.w + x0, base + y * b.w + x1);
        }
      }
    }
    return writeBatch(b, out);
  }, 'cutout');
}

/** (x - mean[k]) / std[k] per channel k (torchvision's Normalize). */
export function normalize(mean: readonly number[], std: readonly number[]): Transform {
  if (mean.length !== std.length || std.some((s) => !(s > 0))) {
    throw new Error(`normalize: mean and std need one entry per channel and std > 0, got mean [${mean.join(', ')}], std [${std.join(', ')}]`);
  }
  return (x) => {
    const b = readBatch('normalize', x);
    if (b.c !== mean.length) throw new Error(`normalize: images have ${b.c} channels but mean/std have ${mean.length}`);
    const out = b.data.slice();
    const plane = b.h * b.w;
    for (let i = 0; i < b.n; i++) {
      for (let k = 0; k < b.c; k++) {
        const base = (i * b.c + k) * plane;
        for (let p = 0; p < plane; p++) out[base + p] = (b.data[base + p]! - mean[k]!) / std[k]!;
      }
    }
    return writeBatch(b, out);
  };
}

/**
 * Chains transforms; the chain draws all its randomness from one generator (from `seed` or
 * `generator`), e.g. `compose([randomHorizontalFlip(), randomCrop(28, { padding: 2 })], { seed: 0 })`.
 */
export function compose(transforms: readonly Transform[], options: SeedOptions = {}): Transform {
  transforms.forEach((t, i) => {
    if (typeof t !== 'function') throw new Error(`compose: entry ${i} is not a transform function`);
  });
  const own = generatorFrom(options);
  return (x, generator) => transforms.reduce((y, t) => t(y, generator ?? own), x);
}
