/**
 * Optimizer state and parameters kept where the backend's fused kernels update them in place
 * (the wasm backend's resident memory), when it has such a place.
 */
import { Tensor } from '../tensor/tensor.js';
import { kernels } from '../backend/registry.js';
import { zerosLike } from '../tensor/creation.js';

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

