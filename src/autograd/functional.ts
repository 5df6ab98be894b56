/** Functional autograd: gradients as return values (torch.autograd.grad, JAX-style grad). */
import type { Tensor } from '../tensor/tensor.js';
import { runBackward } from './engine.js';
import { shapeStr } from '../tensor/shape.js';
import { onesLikeRaw } from '../ops/elementwise.js';
import type { Node } from './node.js';
import { enableGrad } from './grad-mode.js';
import { isFloat } from '../tensor/dtype.js';

export interface GradOptions {
  /** Gradients of some scalar with respect to each output (needed for non-scalar outputs). */
  gradOutputs?: readonly Tensor[];
  /** Record the backward so the returned gradients can be differentiated again. */
  createGraph?: boolean;
  /** Keep the graph's saved tensors for another backward through it (default: createGraph, as PyTorch's retain_graph). */
  retainGraph?: boolean;
  /** Give null instead of throwing for an input the outputs do not depend on. */
  allowUnused?: boolean;
}

/**
 * The gradients of `outputs` with respect to `inputs`, returned instead of added to .grad
 * (torch.autograd.grad). Inputs may be leaves or intermediate tensors.
 */
export function autogradGrad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: GradOptions = {},
): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? [...(outputs as readonly Tensor[])] : [outputs as Tensor];
  const ins = Array.isArray(inputs) ? [...(inputs as readonly Tensor[])] : [inputs as Tensor];
  const grads = outs.map((o, i) => {
    if (!o.requiresGrad) throw new Error(`grad: output ${i} does not require grad (no input of its computation requires grad)`);
    const given = options.gradOutputs?.[i];
    if (given !== undefined) {
      if (given.shape.length !== o.shape.length || given.shape.some((d, j) => d !== o.shape[j])) {
        throw new Error(`grad: gradOutputs[${i}] has shape ${shapeStr(given.shape)} but output ${i} has shape ${shapeStr(o.shape)}`);
      }
      return given;
    }
    if (o.numel() !== 1) {
      throw new Error(`grad: output ${i} has shape ${shapeStr(o.shape)}; pass gradOutputs for non-scalar outputs`);
    }
    return onesLikeRaw(o);
  });
  const nodes: Node[] = ins.map((t, i) => {
    const node = t.gradEdge();
    if (node === null) throw new Error(`grad: input ${i} does not require grad`);
    return node;
  });
  const createGraph = options.createGraph ?? false;
  const captured = runBackward(outs, grads, { createGraph, retainGraph: options.retainGraph ?? createGraph, capture: nodes });
  return nodes.map((n, i) => {
    const g = captured.get(n);
    if (g === undefined) {
      if (options.allowUnused === true) return null;
      throw new Error(`grad: input ${i} was not used to compute the outputs (pass allowUnused: true to get null)`);
    }
    return g;
  });
}

/**
 * Turns f(...inputs) -> scalar into a function returning [value, gradients w.r.t. each input].
 * Nested use (grad of grad) works: when the inputs already take part in a graph, the
 * gradients are recorded too.
 */
export function valueAndGrad(f: (...inputs: Tensor[]) => Tensor): (...inputs: Tensor[]) => [Tensor, Tensor[]] {
  // Like torch.func.grad, an enclosing noGrad() does not stop the gradient being computed.
  return (...inputs) => enableGrad(() => {
    inputs.forEach((t, i) => {
      if (!isFloat(t.dtype)) {
        throw new Error(`grad: input ${i} has dtype ${t.dtype}, but only floating-point inputs can be differentiated (convert it with .float())`);
      }
    });
    const nested = inputs.some((t) => t.requiresGrad);
    const tracked = inputs.map((t) => (t.requiresGrad ? t : t.detach().requiresGrad_(true)));
    const value = f(...tracked);
    if (value.numel() !== 1) {
      throw new Error(`grad: the function must return a scalar, got shape ${shapeStr(value.shape)}`);
    }
    const grads = autogradGrad(value, tracked, { createGraph: nested, allowUnused: true });
    return [value, grads.map((g, i) => g ?? tracked[i]!.mul(0).detach())];
  });
}

/** Turns f(...inputs) -> scalar into a function returning its gradients w.r.t. each input. */
export function grad(f: (...inputs: Tensor[]) => Tensor): (...inputs: Tensor[]) => Tensor[] {
  const vg = valueAndGrad(f);
  return (...inputs) => vg(...inputs)[1];
}
