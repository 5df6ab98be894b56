/**
 * For the fused in-place optimizer steps: state and parameters kept where the backend's kernels
 * update them in place (the wasm backend's resident memory), when it has such a place, and the
 * conditions those kernels need.
 */
import { Tensor } from '../tensor/tensor.js';
import { kernels } from '../backend/registry.js';
import { zerosLike } from '../tensor/creation.js';
import type { DType } from '../tensor/dtype.js';

/** Zeros like param for optimizer state, where the backend keeps such state for its kernels to use in place. */
export function stateZeros(param: Tensor): Tensor {
  const data = kernels().residentZeros?.(param.dtype, param.numel()) ?? null;
  return data === null ? zerosLike(param) : Tensor.fromData(data, param.shape, param.dtype);
}

/**
 * Moves a parameter that owns its whole storage into the backend's resident memory, where the
 * fused step updates it in place and other kernels read it without a copy. Every tensor sharing
 * the storage follows it.
 */
export function keepResident(param: Tensor): void {
  const storage = param.storage;
  if (param.offset !== 0 || storage.data.length !== param.numel()) return;
  const data = kernels().residentZeros?.(param.dtype, param.numel()) ?? null;
  if (data !== null) storage.relocate(data);
}

/**
 * Whether a fused step may write `written` in place while reading grad: all of `dtype`,
 * contiguous, and no two sharing memory.
 */
export function fusableInPlace(dtype: DType, grad: Tensor, written: readonly Tensor[]): boolean {
  const operands = [grad, ...written];
  return operands.every((t) => t.dtype === dtype && t.isContiguous()) && new Set(operands.map((t) => t.storage)).size === operands.length;
}

/** After a fused step wrote them in place: their storages' versions move on, as an in-place op's do. */
export function markWritten(written: readonly Tensor[]): void {
  for (const t of written) t.storage.version++;
}
