/**
 * In-place updates. Each computes its result out of place, writes it into the target's
 * storage and bumps the version counter, so autograd can tell when a saved tensor changed.
 */
import type { Tensor } from '../tensor/tensor.js';
import { kernels } from '../backend/registry.js';
import type { RandomSpec } from '../backend/types.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { defaultGenerator } from '../tensor/random.js';
import { DTYPES, isFloat } from '../tensor/dtype.js';
import { broadcastShapes, numel, sameShape, shapeStr } from '../tensor/shape.js';
import { broadcastView, checkTensor, fromKernel, scalarTensor } from './util.js';
import { cast } from './elementwise.js';
import { clone, expand } from './movement.js';

function checkTarget(target: Tensor, op: string, tracked: boolean): void {
  if (!isGradEnabled()) return;
  if (target.isLeaf && target.requiresGrad) {
    throw new Error(
      `${op}: a leaf tensor that requires grad cannot be changed in place while gradients are recorded; ` +
        `wrap the update in noGrad(() => ...) (as optimizers do) or use the out-of-place op`,
    );
  }
  // Writing through a view would change the base's values behind its graph node (and a leaf's data).
  if (target.base !== null && (tracked || target.base.requiresGrad)) {
    throw new Error(
      `${op}: in-place changes to a view of a tensor that requires grad are not supported while gradients are recorded; ` +
        `use the out-of-place op, or wrap the update in noGrad(() => ...)`,
    );
  }
}

/** Like torch, refuses a target where one memory location stands for several elements (an expanded view). */
function checkNoInternalOverlap(target: Tensor, op: string): void {
  if (target.shape.some((d, i) => d > 1 && target.strides[i] === 0)) {
    throw new Error(
      `${op}: more than one element of the written-to tensor (shape ${shapeStr(target.shape)}, strides ` +
        `${shapeStr(target.strides)}) refers to the same memory location; clone() the tensor before writing to it`,
    );
  }
}

/**
 * Writes compute(target) into `target` (which it must broadcast to) and takes over its autograd
 * history. When the result is recorded, it is computed from a copy of the target, so the graph
 * keeps the values from before the write (y.mul_(w) needs the old y for w's gradient).
 */
export function inplace<T extends Tensor>(target: T, op: string, compute: (self: Tensor) => Tensor): T {
  let result = compute(target);
  const tracked = isGradEnabled() && result.requiresGrad;
  if (tracked) result = compute(clone(target));
  checkTarget(target, op, tracked);
  checkNoInternalOverlap(target, op);
  if (!sameShape(broadcastShapes(op, result.shape, target.shape), target.shape)) {
    throw new Error(`${op}: the result of shape ${shapeStr(result.shape)} does not fit the tensor's shape ${shapeStr(target.shape)}`);
  }
  if (DTYPES.indexOf(result.dtype) > DTYPES.indexOf(target.dtype) && !(isFloat(result.dtype) && isFloat(target.dtype))) {
    throw new Error(`${op}: the result has dtype ${result.dtype}, which cannot be stored in place in a ${target.dtype} tensor`);
  }
  // A result that reads the target's own memory is copied first, so the write cannot overwrite its input.
  const source = result.storage === target.storage ? fromKernel(kernels().copy(result, result.dtype), result.shape, result.dtype) : result;
  kernels().assign(target, broadcastView(source, target.shape));
  target.storage.version++;
  if (tracked) {
    // Record the history through a cast/copy so the target's node is its own.
    const own = result.dtype === target.dtype && sameShape(result.shape, target.shape) ? clone(result) : cast(expand(result, target.shape), target.dtype);
    target.setGradFn(own.gradFn);
  } else if (isGradEnabled() && !target.isLeaf) {
    target.setGradFn(null);
  }
  return target;
}

export function copyInto<T extends Tensor>(target: T, src: Tensor): T {
  checkTensor('copy_', src, 'src');
  return inplace(target, 'copy_', () => (src.dtype === target.dtype ? src : cast(src, target.dtype)));
}

export function fill<T extends Tensor>(target: T, value: number, op: 'fill_' | 'zero_' = 'fill_'): T {
  return inplace(target, op, () => scalarTensor(value, target.dtype));
}

export function fillRandom<T extends Tensor>(target: T, spec: RandomSpec): T {
  const op = spec.kind === 'normal' ? 'normal_' : 'uniform_';
  if (!isFloat(target.dtype)) throw new Error(`${op}: expects a floating-point tensor, got dtype ${target.dtype}`);
  const data = kernels().random(spec, numel(target.shape), target.dtype, defaultGenerator);
  return inplace(target, op, () => fromKernel(data, target.shape, target.dtype));
}
