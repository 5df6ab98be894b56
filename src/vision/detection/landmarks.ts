/**
 * Landmark detection, as the deep-learning course teaches it: the network regresses K points
 * (x_1, y_1, ..., x_K, y_K) relative to the image (0..1), trained with squared error over the
 * landmarks that are visible (annotated) in each image.
 */
import { Tensor } from '../../tensor/tensor.js';
import { isFloat } from '../../tensor/dtype.js';
import { shapeStr } from '../../tensor/shape.js';
import { mul, square, sub } from '../../ops/elementwise.js';
import { Sequential } from '../../nn/containers.js';
import { Linear } from '../../nn/layers/linear.js';
import { Sigmoid } from '../../nn/layers/activation.js';
import { checkOptionKeys } from '../../ops/args.js';

function checkCount(op: string, name: string, v: unknown): asserts v is number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new Error(`${op}: ${name} must be a positive integer, got ${String(v)}`);
}

/**
 * Linear(inFeatures, 2 * numLandmarks) followed by a sigmoid, so each output is a coordinate in
 * [0, 1] relative to the image; outputs are interleaved [x_1, y_1, x_2, y_2, ...].
 */
export function landmarkHead(inFeatures: number, numLandmarks: number): Sequential {
  checkCount('landmarkHead', 'inFeatures', inFeatures);
  checkCount('landmarkHead', 'numLandmarks', numLandmarks);
  return new Sequential(new Linear(inFeatures, 2 * numLandmarks), new Sigmoid());
}

export interface LandmarkLossOptions {
  /** [N, K] mask: 1 where landmark k of image n is annotated, 0 where it is not (its error is ignored). Default: all visible. */
  visibility?: Tensor;
}

/**
 * Mean squared error over the coordinates of visible landmarks:
 * sum_{n,k} v_nk ((x - x*)^2 + (y - y*)^2) / (2 sum v_nk); 0 when nothing is visible.
 * pred is [N, 2K] (interleaved x, y) or [N, K, 2]; target has the same number of values per image.
 */
export function landmarkLoss(pred: Tensor, target: Tensor, options: LandmarkLossOptions = {}): Tensor {
  const op = 'landmarkLoss';
  checkOptionKeys(op, options, ['visibility']);
  if (!(pred instanceof Tensor) || !isFloat(pred.dtype) || !((pred.ndim === 2 && pred.shape[1]! % 2 === 0 && pred.shape[1]! > 0) || (pred.ndim === 3 && pred.shape[2] === 2))) {
    throw new Error(`${op}: predictions must be a float Tensor [N, 2K] or [N, K, 2], got ${pred instanceof Tensor ? `${pred.dtype} ${shapeStr(pred.shape)}` : typeof pred}`);
  }
  const n = pred.shape[0]!;
  const k = pred.ndim === 2 ? pred.shape[1]! / 2 : pred.shape[1]!;
  if (!(target instanceof Tensor) || target.numel() !== n * 2 * k || target.shape[0] !== n || (target.ndim !== 2 && target.ndim !== 3)) {
    throw new Error(`${op}: target must be [N, 2K] or [N, K, 2] with N = ${n}, K = ${k}, got ${target instanceof Tensor ? shapeStr(target.shape) : typeof target}`);
  }
  const errors = square(sub(pred.reshape([n, k, 2]), target.to(pred.dtype).reshape([n, k, 2]))).sum(2);
  if (options.visibility === undefined) return errors.mean().div(2);
  const v = options.visibility;
  if (!(v instanceof Tensor) || v.ndim !== 2 || v.shape[0] !== n || v.shape[1] !== k) {
    throw new Error(`${op}: visibility must be a [N, K] = [${n}, ${k}] mask, got ${v instanceof Tensor ? shapeStr(v.shape) : typeof v}`);
  }
  const mask = v.to(pred.dtype);
  const values = mask.contiguous().toTypedArray() as ArrayLike<number>;
  let visible = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== 0 && values[i] !== 1) throw new Error(`${op}: visibility must hold only 0 and 1, got ${values[i]} at flat index ${i}`);
    visible += values[i]!;
  }
  return mul(errors, mask).sum().div(2 * Math.max(1, visible));
}
