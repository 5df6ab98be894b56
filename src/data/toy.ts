/**
 * Toy 2-D classification datasets, as scikit-learn's generators: makeMoons (two interleaving half
 * circles) and makeCircles (a ring around a smaller one). Same construction as sklearn (points
 * evenly spaced on the curves, shuffled, then Gaussian noise), seeded with Nabla's generator.
 */
import { Tensor } from '../tensor/tensor.js';
import { randn } from '../tensor/creation.js';
import { checkOptionKeys } from '../ops/args.js';
import { generatorFrom, permutation } from './dataset.js';
import type { SeedOptions } from './dataset.js';

export interface ToyDataset {
  /** [N, 2] float32 points. */
  features: Tensor;
  /** [N] int32 classes, 0 or 1. */
  labels: Tensor;
}

export interface ToyDatasetOptions extends SeedOptions {
  /** Standard deviation of the Gaussian noise added to every coordinate (default 0: none). */
  noise?: number;
  /** Shuffle the samples (default true); false keeps class 0's samples first. */
  shuffle?: boolean;
}

export interface MakeCirclesOptions extends ToyDatasetOptions {
  /** Radius of the inner circle relative to the outer one, in [0, 1) (default 0.8). */
  factor?: number;
}

/** nSamples as sklearn takes it: a total split as [floor(n / 2), rest], or [outer, inner] counts. */
function classSizes(op: string, nSamples: number | readonly [number, number]): [number, number] {
  const sizes: [number, number] = typeof nSamples === 'number' ? [Math.floor(nSamples / 2), nSamples - Math.floor(nSamples / 2)] : [nSamples[0], nSamples[1]];
  const valid = typeof nSamples === 'number' ? Number.isInteger(nSamples) && nSamples >= 0 : Array.isArray(nSamples) && nSamples.length === 2;
  if (!valid || !sizes.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new Error(`${op}: nSamples must be a non-negative integer or a pair [outer, inner] of them, got ${JSON.stringify(nSamples)}`);
  }
  return sizes;
}

/** Evenly spaced angles: `count` of them from 0 to `end`, the end included or not (np.linspace's endpoint). */
function angles(count: number, end: number, endpoint: boolean): number[] {
  const step = endpoint ? (count > 1 ? end / (count - 1) : 0) : count > 0 ? end / count : 0;
  return Array.from({ length: count }, (_, i) => i * step);
}

/** Shuffles the points (x, y pairs) and labels together, adds noise, and packs them as tensors. */
function finish(op: string, points: number[], labels: number[], options: ToyDatasetOptions): ToyDataset {
  const { noise = 0, shuffle = true } = options;
  if (!(typeof noise === 'number' && noise >= 0 && Number.isFinite(noise))) throw new Error(`${op}: noise must be a finite number >= 0, got ${String(noise)}`);
  if (typeof shuffle !== 'boolean') throw new Error(`${op}: shuffle must be a boolean, got ${String(shuffle)}`);
  const generator = generatorFrom(options);
  const n = labels.length;
  const order = shuffle ? permutation(n, generator) : Array.from({ length: n }, (_, i) => i);
  const xy = new Float64Array(2 * n);
  order.forEach((from, to) => xy.set([points[2 * from]!, points[2 * from + 1]!], 2 * to));
  let features = Tensor.fromData(xy, [n, 2], 'float64');
  if (noise > 0) features = features.add(randn([n, 2], { dtype: 'float64', generator }).mul(noise));
  return { features: features.float(), labels: Tensor.fromData(Int32Array.from(order, (i) => labels[i]!), [n], 'int32') };
}

/**
 * sklearn.datasets.make_moons: class 0 on the upper half circle (cos t, sin t), class 1 on the
 * lower one (1 - cos t, 0.5 - sin t), t in [0, pi]. Features [n, 2] float32, labels [n] int32.
 */
export function makeMoons(nSamples: number | readonly [number, number] = 100, options: ToyDatasetOptions = {}): ToyDataset {
  const op = 'data.makeMoons';
  checkOptionKeys(op, options, ['noise', 'shuffle', 'seed', 'generator']);
  const [outer, inner] = classSizes(op, nSamples);
  const points = [
    ...angles(outer, Math.PI, true).flatMap((t) => [Math.cos(t), Math.sin(t)]),
    ...angles(inner, Math.PI, true).flatMap((t) => [1 - Math.cos(t), 0.5 - Math.sin(t)]),
  ];
  return finish(op, points, [...Array<number>(outer).fill(0), ...Array<number>(inner).fill(1)], options);
}

/**
 * sklearn.datasets.make_circles: class 0 on the unit circle, class 1 on the circle of radius
 * `factor`, each evenly spaced over [0, 2 pi). Features [n, 2] float32, labels [n] int32.
 */
export function makeCircles(nSamples: number | readonly [number, number] = 100, options: MakeCirclesOptions = {}): ToyDataset {
  const op = 'data.makeCircles';
  checkOptionKeys(op, options, ['noise', 'shuffle', 'factor', 'seed', 'generator']);
  const { factor = 0.8 } = options;
  if (!(typeof factor === 'number' && factor >= 0 && factor < 1)) throw new Error(`${op}: factor must be a number in [0, 1), got ${String(factor)}`);
  const [outer, inner] = classSizes(op, nSamples);
  const points = [
    ...angles(outer, 2 * Math.PI, false).flatMap((t) => [Math.cos(t), Math.sin(t)]),
    ...angles(inner, 2 * Math.PI, false).flatMap((t) => [factor * Math.cos(t), factor * Math.sin(t)]),
  ];
  return finish(op, points, [...Array<number>(outer).fill(0), ...Array<number>(inner).fill(1)], options);
}
