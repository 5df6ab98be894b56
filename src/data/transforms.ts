/**
 * Data augmentation on NCHW image tensors ([N, C, H, W], or one image [C, H, W]), seeded:
 * every random transform draws from a Generator, so a seed gives the same augmented batch on
 * every run. Random parameters are drawn per image. Values are floats (typically in [0, 1]);
 * nothing is clamped, so order and ranges stay the caller's choice.
 */
import { Tensor } from '../tensor/tensor.js';
import { allocate, isFloat, type FloatDType } from '../tensor/dtype.js';
import { shapeStr } from '../tensor/shape.js';
import { Generator } from '../tensor/random.js';
import { anyArray, anyNum, checkOptions, describe, either, int, num, oneOf, requireOptions, unchecked } from '../ops/args.js';
import { generatorFrom, SEED_SPEC, type SeedOptions } from './dataset.js';

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
  checkOptions('randomHorizontalFlip', options, { p: num, ...SEED_SPEC });
  const p = options.p ?? 0.5;
  checkProbability('randomHorizontalFlip', p);
  return randomTransform(options, (b, g) => {
    const flip = Array.from({ length: b.n }, () => g.nextDouble() < p);
    return writeBatch(b, flipImages(b, (i) => flip[i]!, true));
  }, 'randomHorizontalFlip');
}

export function randomVerticalFlip(options: FlipOptions = {}): Transform {
  checkOptions('randomVerticalFlip', options, { p: num, ...SEED_SPEC });
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
  checkOptions('randomCrop', options, { padding: int, fill: anyNum, ...SEED_SPEC });
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

/**
 * How pixels that come from outside the image are filled, as Keras's ImageDataGenerator `fill_mode`
 * (which hands it to scipy.ndimage.affine_transform; these follow scipy 1.10 exactly):
 * - 'constant': `fill` (Keras's cval) wherever the source point lies outside [0, W - 1] x [0, H - 1];
 * - 'nearest': the nearest edge pixel (a a a a | a b c d | d d d d), Keras's default;
 * - 'reflect': mirrored about the edge, edge pixel repeated (d c b a | a b c d | d c b a);
 * - 'wrap': scipy's 'wrap', periodic with period W - 1 (H - 1): the first and last pixels land on
 *   the same point, so a shift by k reads pixel k - 1 from the far side, not k (scipy's 'grid-wrap'
 *   would be a b c d | a b c d).
 */
export type FillMode = 'constant' | 'nearest' | 'reflect' | 'wrap';

export interface WarpOptions {
  /** Value for pixels that come from outside the image with fillMode 'constant' (default 0). */
  fill?: number;
  /** How pixels from outside the image are filled (default 'constant'; Keras's default is 'nearest'). */
  fillMode?: FillMode;
  interpolation?: 'bilinear' | 'nearest';
}

const WARP_SPEC = {
  fill: anyNum,
  fillMode: oneOf('constant', 'nearest', 'reflect', 'wrap'),
  interpolation: oneOf('bilinear', 'nearest'),
} as const;

/** Where `c` (a continuous pixel index along an axis of n pixels) reads from under `mode`: a point in [0, n - 1], or NaN for 'constant' outside. */
function mapCoordinate(c: number, n: number, mode: FillMode): number {
  if (c >= 0 && c <= n - 1) return c;
  if (mode === 'constant') return NaN;
  if (n <= 1) return 0;
  if (mode === 'nearest') return c < 0 ? 0 : n - 1;
  if (mode === 'reflect') {
    const period = 2 * n;
    if (c < 0) {
      if (c < -period) c += period * Math.trunc(-c / period);
      // scipy's guard: -0 must not become index -1 + 0.
      return c < -n ? c + period : (c > -1e-15 ? 1e-15 : -c) - 1;
    }
    c -= period * Math.trunc(c / period);
    return c >= n ? period - c - 1 : c;
  }
  const period = n - 1;
  return c < 0 ? c + period * (Math.trunc(-c / period) + 1) : c - period * Math.trunc(c / period);
}

/** Snaps coordinates within rounding noise of a pixel centre, so exact 90-degree turns and shifts copy pixels exactly. */
function snap(c: number): number {
  const r = Math.round(c);
  return Math.abs(c - r) < 1e-9 ? r : c;
}

interface Sampler {
  mode: FillMode;
  fill: number;
  nearest: boolean;
}

function samplerFrom(options: WarpOptions): Sampler {
  return { mode: options.fillMode ?? 'constant', fill: options.fill ?? 0, nearest: options.interpolation === 'nearest' };
}

function clamp(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}

/** The value of plane `base` (h x w) at the continuous point (sx, sy), as scipy.ndimage's order 0 or 1 spline with the sampler's mode. */
function sample(data: Float32Array | Float64Array, base: number, h: number, w: number, sx: number, sy: number, s: Sampler): number {
  const x = mapCoordinate(snap(sx), w, s.mode);
  const y = mapCoordinate(snap(sy), h, s.mode);
  if (Number.isNaN(x) || Number.isNaN(y)) return s.fill;
  // A mapped point may sit up to a pixel outside (reflect's outer half-pixel); its neighbours are the edge pixels.
  if (s.nearest) return data[base + clamp(Math.floor(y + 0.5), h) * w + clamp(Math.floor(x + 0.5), w)]!;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const c0 = clamp(x0, w);
  const c1 = clamp(x0 + 1, w);
  const row0 = base + clamp(y0, h) * w;
  const top = (1 - fx) * data[row0 + c0]! + (fx === 0 ? 0 : fx * data[row0 + c1]!);
  if (fy === 0) return top;
  const row1 = base + clamp(y0 + 1, h) * w;
  const bottom = (1 - fx) * data[row1 + c0]! + (fx === 0 ? 0 : fx * data[row1 + c1]!);
  return (1 - fy) * top + fy * bottom;
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
function warpImages(b: Batch, params: (i: number) => Affine, sampler: Sampler): Float32Array | Float64Array {
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
          out[base + y * w + x] = sample(b.data, base, h, w, sx, sy, sampler);
        }
      }
    }
  }
  return out;
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
  const sampler = samplerFrom(checkOptions('affine', options, WARP_SPEC));
  const b = readBatch('affine', x);
  const a = affineFrom(params);
  return writeBatch(b, warpImages(b, () => a, sampler));
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
  return randomAffineAs('randomAffine', options);
}

const AFFINE_RANGES_SPEC = { degrees: either(num, anyArray), translate: anyArray, scale: anyArray, shear: either(num, anyArray) } as const;

function randomAffineAs(op: string, options: RandomAffineOptions): Transform {
  checkOptions(op, options, { ...AFFINE_RANGES_SPEC, ...WARP_SPEC, ...SEED_SPEC });
  const sampler = samplerFrom(options);
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
    return writeBatch(b, warpImages(b, (i) => params[i]!, sampler));
  }, op);
}

/** Rotation by a random angle in [-degrees, degrees] (or a [low, high] range). */
export function randomRotation(degrees: number | readonly [number, number], options: SeedOptions & WarpOptions = {}): Transform {
  return randomAffineAs('randomRotation', { ...warpOnly('randomRotation', options), degrees });
}

/** Shift by up to [fx * W, fy * H] pixels. */
export function randomTranslation(translate: readonly [number, number], options: SeedOptions & WarpOptions = {}): Transform {
  return randomAffineAs('randomTranslation', { ...warpOnly('randomTranslation', options), translate });
}

/** Shear along x by a random angle in [-degrees, degrees]. */
export function randomShear(degrees: number | readonly [number, number], options: SeedOptions & WarpOptions = {}): Transform {
  return randomAffineAs('randomShear', { ...warpOnly('randomShear', options), shear: degrees });
}

/** Zoom by a random factor in [low, high] (> 1 enlarges). */
export function randomZoom(scale: readonly [number, number], options: SeedOptions & WarpOptions = {}): Transform {
  return randomAffineAs('randomZoom', { ...warpOnly('randomZoom', options), scale });
}

/** The options of a one-parameter warp, checked to hold only seed and warp keys (the parameter is positional). */
function warpOnly(op: string, options: SeedOptions & WarpOptions): SeedOptions & WarpOptions {
  return checkOptions(op, options, { ...WARP_SPEC, ...SEED_SPEC });
}

// ---- elastic distortion -------------------------------------------------------------------------

/** Index i of an axis of n pixels mirrored without repeating the edge (d c b | a b c d | c b a), torch's 'reflect' padding. */
function mirrorIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n - 2;
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/** torchvision's _get_gaussian_kernel1d: exp(-x^2 / (2 sigma^2)) at x = -(k - 1) / 2 .. (k - 1) / 2, normalised to sum 1. */
function gaussianKernel(size: number, sigma: number): Float64Array {
  const half = (size - 1) / 2;
  const kernel = Float64Array.from({ length: size }, (_, i) => Math.exp(-0.5 * ((i - half) / sigma) ** 2));
  const sum = kernel.reduce((a, b) => a + b, 0);
  return kernel.map((v) => v / sum);
}

/** Convolves each of `lines` lines of n values (stride `step` apart along a line, `next` apart between lines) with the kernel, mirror-padded. */
function convolveLines(src: Float64Array, out: Float64Array, lines: number, n: number, step: number, next: number, kernel: Float64Array): void {
  const half = (kernel.length - 1) / 2;
  const padded = new Float64Array(n + 2 * half);
  for (let line = 0; line < lines; line++) {
    const start = line * next;
    for (let i = 0; i < padded.length; i++) padded[i] = src[start + mirrorIndex(i - half, n) * step]!;
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let k = 0; k < kernel.length; k++) acc += kernel[k]! * padded[i + k]!;
      out[start + i * step] = acc;
    }
  }
}

/** A size x size Gaussian blur of an h x w field (sigma [along x, along y]; 0 leaves that axis), with torch's 'reflect' padding. */
function gaussianBlur(field: Float64Array, h: number, w: number, size: number, sigma: readonly [number, number]): Float64Array {
  let out = field;
  if (sigma[0] > 0) {
    const rows = new Float64Array(out.length);
    convolveLines(out, rows, h, w, 1, w, gaussianKernel(size, sigma[0]));
    out = rows;
  }
  if (sigma[1] > 0) {
    const cols = new Float64Array(out.length);
    convolveLines(out, cols, w, h, w, 1, gaussianKernel(size, sigma[1]));
    out = cols;
  }
  return out;
}

/** Output pixel (x, y) of image i reads the source at (x + dx(i, p), y + dy(i, p)) in pixels, p = y * W + x. */
function displaceImages(b: Batch, dx: (i: number) => Float64Array, dy: (i: number) => Float64Array, sampler: Sampler): Float32Array | Float64Array {
  const out = emptyLike(b);
  const { h, w } = b;
  for (let i = 0; i < b.n; i++) {
    const [fx, fy] = [dx(i), dy(i)];
    for (let k = 0; k < b.c; k++) {
      const base = (i * b.c + k) * h * w;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) out[base + y * w + x] = sample(b.data, base, h, w, x + fx[y * w + x]!, y + fy[y * w + x]!, sampler);
      }
    }
  }
  return out;
}

/**
 * Warps images by a displacement field, as torchvision's F.elastic_transform: `displacement` has
 * shape [1, H, W, 2] (one field for the batch) or [N, H, W, 2], holding (dx, dy) per pixel in
 * grid_sample's normalised units, so output pixel (x, y) reads the source at
 * (x + dx * W / 2, y + dy * H / 2), bilinearly (or nearest) with the fill mode.
 */
export function elastic(x: Tensor, displacement: Tensor, options: WarpOptions = {}): Tensor {
  const sampler = samplerFrom(checkOptions('elastic', options, WARP_SPEC));
  const b = readBatch('elastic', x);
  if (!(displacement instanceof Tensor) || displacement.ndim !== 4 || displacement.shape[3] !== 2 || displacement.shape[1] !== b.h || displacement.shape[2] !== b.w || (displacement.shape[0] !== 1 && displacement.shape[0] !== b.n)) {
    const got = displacement instanceof Tensor ? `shape ${shapeStr(displacement.shape)}` : describe(displacement);
    throw new Error(`elastic: displacement must have shape [1, ${b.h}, ${b.w}, 2] or [${b.n}, ${b.h}, ${b.w}, 2] for these images, got ${got}`);
  }
  if (!isFloat(displacement.dtype)) throw new Error(`elastic: displacement must be a float tensor, got dtype ${displacement.dtype}`);
  const d = displacement.toTypedArray();
  const plane = b.h * b.w;
  const field = (i: number, axis: number, size: number): Float64Array => {
    const start = (displacement.shape[0] === 1 ? 0 : i) * plane * 2;
    return Float64Array.from({ length: plane }, (_, p) => d[start + 2 * p + axis]! * size / 2);
  };
  return writeBatch(b, displaceImages(b, (i) => field(i, 0, b.w), (i) => field(i, 1, b.h), sampler));
}

export interface ElasticOptions extends SeedOptions, WarpOptions {
  /** Magnitude of the displacements (default 50; [along x, along y] or one for both). */
  alpha?: number | readonly [number, number];
  /** Smoothness: the standard deviation of the Gaussian that smooths the random field (default 5; [x, y] or one for both). */
  sigma?: number | readonly [number, number];
}

function pair(op: string, name: string, value: number | readonly [number, number]): [number, number] {
  const p: [number, number] = typeof value === 'number' ? [value, value] : [value[0], value[1]];
  if (!p.every((v) => Number.isFinite(v) && v >= 0)) throw new Error(`${op}: ${name} must be a non-negative number or a pair of them, got ${JSON.stringify(value)}`);
  return p;
}

/**
 * Elastic distortion (Simard et al., 2003) as torchvision's ElasticTransform(alpha, sigma): per
 * image, fields dx and dy of uniform noise in [-1, 1) are smoothed by a Gaussian blur (kernel size
 * int(8 sigma + 1), made odd) and scaled by alpha / H and alpha / W into grid_sample units, i.e.
 * shifts of alpha * W / (2H) and alpha * H / (2W) pixels per unit of smoothed noise (alpha / 2 for
 * square images), then applied by `elastic`. All channels of an image share its field.
 */
export function elasticTransform(options: ElasticOptions = {}): Transform {
  const op = 'elasticTransform';
  checkOptions(op, options, { alpha: either(num, anyArray), sigma: either(num, anyArray), ...WARP_SPEC, ...SEED_SPEC });
  const alpha = pair(op, 'alpha', options.alpha ?? 50);
  const sigma = pair(op, 'sigma', options.sigma ?? 5);
  const sampler = samplerFrom(options);
  const kernelSize = (s: number): number => {
    const k = Math.trunc(8 * s + 1);
    return k % 2 === 0 ? k + 1 : k;
  };
  return randomTransform(options, (b, g) => {
    const plane = b.h * b.w;
    const fields = Array.from({ length: b.n }, () => {
      const noise = (): Float64Array => {
        const field = new Float64Array(plane);
        for (let p = 0; p < plane; p++) field[p] = g.nextDouble() * 2 - 1;
        return field;
      };
      let dx = noise();
      if (sigma[0] > 0) dx = gaussianBlur(dx, b.h, b.w, kernelSize(sigma[0]), sigma);
      let dy = noise();
      if (sigma[1] > 0) dy = gaussianBlur(dy, b.h, b.w, kernelSize(sigma[1]), sigma);
      // torchvision scales dx by alpha / H and dy by alpha / W in grid units; grid units are W / 2 and H / 2 pixels.
      const sx = ((alpha[0] / b.h) * b.w) / 2;
      const sy = ((alpha[1] / b.w) * b.h) / 2;
      for (let p = 0; p < plane; p++) {
        dx[p]! *= sx;
        dy[p]! *= sy;
      }
      return { dx, dy };
    });
    return writeBatch(b, displaceImages(b, (i) => fields[i]!.dx, (i) => fields[i]!.dy, sampler));
  }, op);
}

// ---- resizing ----------------------------------------------------------------------------------

/** Resize's sources are clamped to the image, so the fill mode never applies. */
const CLAMPED: Sampler = { mode: 'nearest', fill: 0, nearest: false };

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
        out[dst + y * width + xo] = sample(b.data, src, b.h, b.w, sx, sy, CLAMPED);
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
  requireOptions('randomChannelShift', options, ['delta', 'seed?']);
  checkOptions('randomChannelShift', options, { delta: either(num, anyArray), ...SEED_SPEC });
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
  checkOptions('pcaColorAugment', options, { std: num, basis: unchecked, ...SEED_SPEC });
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
  requireOptions('gaussianNoise', options, ['std', 'seed?']);
  checkOptions('gaussianNoise', options, { std: num, ...SEED_SPEC });
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
  requireOptions('randomBrightness', options, ['delta', 'seed?']);
  checkOptions('randomBrightness', options, { delta: either(num, anyArray), ...SEED_SPEC });
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
  requireOptions('randomContrast', options, ['range', 'seed?']);
  checkOptions('randomContrast', options, { range: anyArray, ...SEED_SPEC });
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
  requireOptions('cutout', options, ['size', 'count?', 'fill?', 'seed?']);
  checkOptions('cutout', options, { size: int, count: int, fill: anyNum, ...SEED_SPEC });
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
  checkOptions('compose', options, SEED_SPEC);
  transforms.forEach((t, i) => {
    if (typeof t !== 'function') throw new Error(`compose: entry ${i} is not a transform function`);
  });
  const own = generatorFrom(options);
  return (x, generator) => transforms.reduce((y, t) => t(y, generator ?? own), x);
}
