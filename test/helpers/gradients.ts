/** Test helpers that look at the gradients autograd passes between ops. */
import type { Tensor } from '../../src/index.js';
import { apply, type OpDef } from '../../src/autograd/function.js';

/** x unchanged (a view), recording the strides of the gradient that reaches it in backward. */
export function strideProbe(x: Tensor, seen: { strides?: readonly number[] }): Tensor {
  const probe: OpDef<undefined> = {
    name: 'probe',
    forward: ([t]) => t!.detach(),
    backward: (g) => {
      seen.strides = g.strides;
      return [g];
    },
  };
  return apply(probe, [x], undefined);
}
