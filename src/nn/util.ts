/** Small helpers shared by the nn layers. */
import type { Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import type { DType } from '../tensor/dtype.js';

/** A zero-filled tensor to hold weights that an initializer fills next (torch.empty's role). */
export function empty(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return zeros(shape, { dtype });
}

/** Whether a layer option is a positive integer. */
export function checkPositiveInt(where: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${where}: ${name} must be a positive integer, got ${value}`);
}
