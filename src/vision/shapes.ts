/**
 * A seeded synthetic detection / segmentation dataset: circles, squares and triangles of random
 * size, colour and position on noisy backgrounds, several per image, with boxes, per-object masks
 * and a class map. Pure TypeScript (browser-safe); the same seed gives the same data everywhere.
 */
import { Tensor } from '../tensor/tensor.js';
import { Generator } from '../tensor/random.js';

export const SHAPE_CLASSES = ['circle', 'square', 'triangle'] as const;

export interface SyntheticShapesOptions {
  /** Number of images. */
  count: number;
  /** Image side in pixels (default 64). */
  imageSize?: number;
  /** Objects per image, inclusive range (default [1, 3]). */
  objects?: readonly [number, number];
  /** Object side in pixels, inclusive range (default [10, 22]). */
  size?: readonly [number, number];
  /** Standard deviation of the Gaussian pixel noise (default 0.05). */
  noise?: number;
  /** Whether objects may overlap (default false: they are placed apart, up to 50 tries each). */
  overlap?: boolean;
  seed?: number;
}

export interface ShapesObjects {
  /** [n, 4] (x1, y1, x2, y2) in pixels: the covered pixels' outer edges. */
  boxes: Tensor;
  /** [n] int32: 0 circle, 1 square, 2 triangle. */
  labels: Tensor;
  /** [n, H, W] float32 0/1: each object's pixels (visible or not). */
  masks: Tensor;
}

export interface SyntheticShapes {
  /** [N, 3, H, W] float32 in [0, 1]. */
  images: Tensor;
  /** Per image: the objects' boxes, labels and masks. */
  objects: ShapesObjects[];
  /** [N, H, W] int32: 0 background, 1 + class of the topmost object at each pixel. */
  segmentation: Tensor;
  classNames: readonly string[];
}

function range(op: string, name: string, v: unknown, min: number): [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isInteger(x) && x >= min) || v[0] > v[1]) {
    throw new Error(`${op}: ${name} must be [min, max] integers >= ${min} with min <= max, got ${JSON.stringify(v)}`);
  }
  return v as [number, number];
}

/** Whether pixel (x, y) (its centre) lies in the shape of class `cls` filling the square at (x0, y0) of side s. */
function inside(cls: number, x: number, y: number, x0: number, y0: number, s: number): boolean {
  const px = x + 0.5 - x0;
  const py = y + 0.5 - y0;
  if (px < 0 || py < 0 || px > s || py > s) return false;
  if (cls === 1) return true;
  if (cls === 0) return (px - s / 2) ** 2 + (py - s / 2) ** 2 <= (s / 2) ** 2;
  return Math.abs(px - s / 2) <= (py / s) * (s / 2); // apex at the top centre, base at the bottom
}

/** The dataset; see SyntheticShapesOptions for the knobs. */
export function syntheticShapes(options: SyntheticShapesOptions): SyntheticShapes {
  const op = 'syntheticShapes';
  const count = options?.count;
  if (!Number.isInteger(count) || count < 0) throw new Error(`${op}: count must be a non-negative integer, got ${String(count)}`);
  const side = options.imageSize ?? 64;
  if (!Number.isInteger(side) || side < 8) throw new Error(`${op}: imageSize must be an integer >= 8, got ${String(side)}`);
  const [minObjects, maxObjects] = range(op, 'objects', options.objects ?? [1, 3], 0);
  const [minSize, maxSize] = range(op, 'size', options.size ?? [10, 22], 3);
  if (maxSize > side) throw new Error(`${op}: size ${maxSize} does not fit in a ${side} x ${side} image`);
  const noise = options.noise ?? 0.05;
  if (typeof noise !== 'number' || !(noise >= 0)) throw new Error(`${op}: noise must be a non-negative number, got ${String(noise)}`);
  const rng = new Generator(options.seed ?? 0);
  const uniform = () => rng.nextDouble();
  const int = (lo: number, hi: number) => lo + Math.floor(uniform() * (hi - lo + 1));
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  const plane = side * side;
  const images = new Float32Array(count * 3 * plane);
  const segmentation = new Int32Array(count * plane);
  const objects: ShapesObjects[] = [];
  for (let n = 0; n < count; n++) {
    const background = [0, 1, 2].map(() => uniform() * 0.35);
    const img = images.subarray(n * 3 * plane, (n + 1) * 3 * plane);
    for (let c = 0; c < 3; c++) img.fill(background[c]!, c * plane, (c + 1) * plane);
    const placed: number[][] = [];
    const labels: number[] = [];
    const masks: Float32Array[] = [];
    const wanted = int(minObjects, maxObjects);
    for (let k = 0; k < wanted; k++) {
      const cls = int(0, 2);
      const s = int(minSize, maxSize);
      let spot: [number, number] | null = null;
      for (let tries = 0; tries < 50 && spot === null; tries++) {
        const [x0, y0] = [int(0, side - s), int(0, side - s)];
        const apart = placed.every(([a, b, c, d]) => x0 >= c! + 1 || x0 + s + 1 <= a! || y0 >= d! + 1 || y0 + s + 1 <= b!);
        if (options.overlap || apart) spot = [x0, y0];
      }
      if (spot === null) continue;
      const [x0, y0] = spot;
      const colour = [0, 1, 2].map(() => 0.5 + 0.5 * uniform());
      const mask = new Float32Array(plane);
      let [bx1, by1, bx2, by2] = [side, side, 0, 0];
      for (let y = y0; y < Math.min(side, y0 + s + 1); y++) {
        for (let x = x0; x < Math.min(side, x0 + s + 1); x++) {
          if (!inside(cls, x, y, x0, y0, s)) continue;
          mask[y * side + x] = 1;
          for (let c = 0; c < 3; c++) img[c * plane + y * side + x] = colour[c]!;
          segmentation[n * plane + y * side + x] = cls + 1;
          [bx1, by1, bx2, by2] = [Math.min(bx1, x), Math.min(by1, y), Math.max(bx2, x + 1), Math.max(by2, y + 1)];
        }
      }
      placed.push([bx1, by1, bx2, by2]);
      labels.push(cls);
      masks.push(mask);
    }
    for (let i = 0; i < img.length; i++) img[i] = Math.min(1, Math.max(0, img[i]! + noise * gaussian()));
    const m = new Float32Array(masks.length * plane);
    masks.forEach((mask, i) => m.set(mask, i * plane));
    objects.push({
      boxes: Tensor.fromData(Float32Array.from(placed.flat()), [placed.length, 4], 'float32'),
      labels: Tensor.fromData(Int32Array.from(labels), [labels.length], 'int32'),
      masks: Tensor.fromData(m, [masks.length, side, side], 'float32'),
    });
  }
  return {
    images: Tensor.fromData(images, [count, 3, side, side], 'float32'),
    objects,
    segmentation: Tensor.fromData(segmentation, [count, side, side], 'int32'),
    classNames: SHAPE_CLASSES,
  };
}
