/**
 * torch's fused pointwise updates as tensor ops, evaluated in torch's order
 * (self + value * t1 * t2, self + value * t1 / t2, self + alpha * other) so that float32 results
 * round like PyTorch's and float64 trajectories agree to the last few bits.
 */
import type { Tensor } from '../tensor/tensor.js';

/** self + alpha * other (torch's add(other, alpha=...)). */
export function addScaled(self: Tensor, other: Tensor, alpha: number): Tensor {
  return alpha === 1 ? self.add(other) : self.add(other.mul(alpha));
}

/** self + value * t1 * t2 (torch's addcmul). */
export function addcmul(self: Tensor, t1: Tensor, t2: Tensor, value: number): Tensor {
  return self.add((value === 1 ? t1 : t1.mul(value)).mul(t2));
}

/** self + value * t1 / t2 (torch's addcdiv). */
export function addcdiv(self: Tensor, t1: Tensor, t2: Tensor, value: number): Tensor {
  return self.add((value === 1 ? t1 : t1.mul(value)).div(t2));
}
