/** The backward pass: a topological walk of the graph from the outputs, in reverse. */
import { Storage } from '../tensor/storage.js';
import type { Tensor } from '../tensor/tensor.js';
import { AccumulateGrad, type InputMeta, type Node } from './node.js';
import { isAnomalyEnabled, isGradEnabled, setDetectAnomaly, setGradEnabled } from './grad-mode.js';
import { anomalyError, nonFinite, userCallSite } from './anomaly.js';
import { sameShape, shapeStr } from '../tensor/shape.js';
import { sumToShape } from '../ops/reduce.js';
import { cast } from '../ops/elementwise.js';
import { kernels } from '../backend/registry.js';
import type { TypedArray } from '../tensor/dtype.js';

export interface BackwardOptions {
  /** Record the backward itself, so the gradients can be differentiated again. */
  createGraph?: boolean;
  /**
   * Keep the tensors each node saved, for another backward through the same graph (default:
   * createGraph, as PyTorch's retain_graph). Without it they are freed as each node runs.
   */
  retainGraph?: boolean;
}

let recyclingEnabled = true;

/**
 * Internal (benchmarks and tests): whether backward passes hand their dead intermediate
 * gradients' arrays back to the backend. Returns the previous setting.
 */
export function setGradientRecycling(enabled: boolean): boolean {
  const previous = recyclingEnabled;
  recyclingEnabled = enabled;
  return previous;
}

/**
 * The storages of one backward pass's intermediate gradients, counted while the engine holds
 * tensors over them (pending in its map, or being fitted to an input). When the count falls to
 * zero the array goes back to the backend (Backend.recycle), unless the storage is older than
 * the pass (the caller's tensors, saved activations) or pinned: reached by code that may keep
 * it (a backward without privateGradients, a leaf's or retained .grad, autogradGrad's results).
 * No other code sees these tensors, so at zero nothing can reach the array any more.
 */
class GradientArrays {
  private readonly refs = new Map<Storage, number>();
  private readonly pinned = new Set<Storage>();

  constructor(private readonly firstNewStorage: number, private readonly recycle: (data: TypedArray) => void) {}

  hold(t: Tensor): void {
    const storage = t.storage;
    if (storage.serial >= this.firstNewStorage) this.refs.set(storage, (this.refs.get(storage) ?? 0) + 1);
  }

  pin(t: Tensor): void {
    if (t.storage.serial >= this.firstNewStorage) this.pinned.add(t.storage);
  }

  /** Hands back the array of a tensor an op saved for itself, freed now that its backward ran. */
  reuse(t: Tensor): void {
    if (!this.refs.has(t.storage) && !this.pinned.has(t.storage)) this.recycle(t.storage.surrender());
  }

  drop(t: Tensor): void {
    const storage = t.storage;
    const count = this.refs.get(storage);
    if (count === undefined) return;
    if (count > 1) {
      this.refs.set(storage, count - 1);
      return;
    }
    this.refs.delete(storage);
    if (!this.pinned.has(storage)) this.recycle(storage.surrender());
  }
}

/** Nodes reachable from the roots, in an order where every node comes before its inputs. */
function topologicalOrder(roots: readonly Node[]): Node[] {
  const visited = new Set<Node>();
  const postOrder: Node[] = [];
  const stack: { node: Node; next: number }[] = [];
  for (const root of roots) {
    if (visited.has(root)) continue;
    visited.add(root);
    stack.push({ node: root, next: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const child = top.node.next[top.next++];
      if (child === undefined) {
        postOrder.push(top.node);
        stack.pop();
      } else if (child !== null && !visited.has(child)) {
        visited.add(child);
        stack.push({ node: child, next: 0 });
      }
    }
  }
  return postOrder.reverse();
}

/**
 * The nodes whose backward must run for gradients to reach `targets`: those with an input edge
 * to a target or to another such node. autogradGrad runs no other node, so it neither computes
 * nor frees the graph below its inputs (PyTorch's autograd.grad does the same).
 */
function nodesLeadingTo(order: readonly Node[], targets: ReadonlySet<Node>): Set<Node> {
  const reaches = new Set<Node>(targets);
  const leading = new Set<Node>();
  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k]!;
    if (node.next.some((child) => child !== null && reaches.has(child))) {
      leading.add(node);
      reaches.add(node);
    }
  }
  return leading;
}

/** Sums a gradient down to an input's (pre-broadcast) shape and casts it to its dtype. */
function fitToInput(node: Node, index: number, grad: Tensor, meta: InputMeta): Tensor {
  let g = grad;
  if (!sameShape(g.shape, meta.shape)) {
    try {
      g = sumToShape(g, meta.shape);
    } catch {
      throw new Error(
        `backward: '${node.name}' returned a gradient of shape ${shapeStr(grad.shape)} for input ${index}, ` +
          `which has shape ${shapeStr(meta.shape)}`,
      );
    }
  }
  return g.dtype === meta.dtype ? g : cast(g, meta.dtype);
}

/**
 * Propagates `rootGrads` from `roots` through the graph. With `capture`, returns the gradients
 * arriving at those nodes instead of accumulating into leaves' .grad (autograd.grad).
 */
export function runBackward(
  roots: readonly Tensor[],
  rootGrads: readonly Tensor[],
  options: BackwardOptions & { capture?: readonly Node[] } = {},
): Map<Node, Tensor> {
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  const capture = options.capture === undefined ? null : new Set(options.capture);
  const grads = new Map<Node, Tensor>();
  // Which storages this pass created and handed to one node only: a leaf may keep such a
  // gradient as its .grad without a copy (see ownedGradient).
  const firstNewStorage = Storage.count;
  const handedOut = new Map<Storage, number>();
  // Recorded gradients (createGraph) are saved by the nodes that record them: nothing is reused then.
  const recycle = createGraph || !recyclingEnabled ? undefined : kernels().recycle;
  const arrays = recycle === undefined ? null : new GradientArrays(firstNewStorage, recycle);
  const add = (node: Node, g: Tensor): void => {
    handedOut.set(g.storage, (handedOut.get(g.storage) ?? 0) + 1);
    const prev = grads.get(node);
    const sum = prev === undefined ? g : prev.add(g);
    grads.set(node, sum);
    arrays?.hold(sum);
    if (prev !== undefined) arrays?.drop(prev);
  };
  const ownedGradient = (g: Tensor): boolean =>
    g.storage.serial >= firstNewStorage && (handedOut.get(g.storage) ?? 0) <= 1 && g.base === null && g.offset === 0 && g.storage.data.length === g.numel();
  const rootNodes: Node[] = [];
  roots.forEach((t, i) => {
    const node = t.gradEdge();
    if (node === null) return;
    add(node, rootGrads[i]!);
    rootNodes.push(node);
  });
  const captured = new Map<Node, Tensor>();
  const anomaly = isAnomalyEnabled();
  // The whole pass runs in one grad mode: recorded (createGraph) or not.
  const prevGradEnabled = isGradEnabled();
  setGradEnabled(createGraph);
  try {
    const order = topologicalOrder(rootNodes);
    const runs = capture === null ? null : nodesLeadingTo(order, capture);
    for (const node of order) {
      const g = grads.get(node);
      if (g === undefined) continue;
      grads.delete(node);
      if (capture !== null) {
        if (capture.has(node)) {
          captured.set(node, g);
          arrays?.pin(g);
        }
      } else if (node instanceof AccumulateGrad) {
        accumulate(node.variable, g, ownedGradient(g));
        if (arrays !== null) {
          if (node.variable.grad?.storage === g.storage) arrays.pin(g);
          arrays.drop(g);
        }
        continue;
      } else if (node.retained !== null) {
        accumulate(node.retained, g, false);
        if (node.retained.grad?.storage === g.storage) arrays?.pin(g);
      }
      if (node instanceof AccumulateGrad || (runs !== null && !runs.has(node))) continue;
      // A backward that may keep its gradient (a hook's, a two-output op's token) keeps it for good.
      if (!node.privateGradients) arrays?.pin(g);
      // In anomaly mode a bad gradient is reported below as this node's backward, not as the op inside it.
      const inputGrads = anomaly ? withoutAnomalyChecks(() => node.backward(g)) : node.backward(g);
      if (!retainGraph) {
        const freed = node.releaseSaved();
        if (arrays !== null) for (const t of freed) arrays.reuse(t);
      }
      const next = node.next;
      for (let i = 0; i < next.length; i++) {
        const target = next[i];
        const gi = inputGrads[i];
        if (target === null || target === undefined || gi === null || gi === undefined) continue;
        if (arrays !== null) {
          if (!node.privateGradients) arrays.pin(gi);
          arrays.hold(gi);
        }
        const fitted = fitToInput(node, i, gi, node.inputs[i]!);
        if (anomaly) {
          const bad = nonFinite(fitted);
          if (bad !== null) {
            throw anomalyError(
              `${bad} in the gradient of input ${i}`,
              `${node.name}Backward`,
              node.inputs.map((m) => m.shape),
              node.stack === null
                ? 'at an unknown place (run the forward pass inside detectAnomaly() too, to record where each op is called)'
                : userCallSite(node.stack),
            );
          }
        }
        add(target, fitted);
        arrays?.drop(gi);
      }
      arrays?.drop(g);
    }
  } finally {
    setGradEnabled(prevGradEnabled);
  }
  return captured;
}

function withoutAnomalyChecks<T>(fn: () => T): T {
  setDetectAnomaly(false);
  try {
    return fn();
  } finally {
    setDetectAnomaly(true);
  }
}

/**
 * Adds g into t.grad (in the grad mode the pass runs in). On first arrival t keeps g itself when
 * `owned` (the pass created g's storage, for this gradient alone), else a copy: the incoming
 * tensor may be shared with another input's gradient, a root gradient or the caller.
 */
function accumulate(t: Tensor, g: Tensor, owned: boolean): void {
  if (t.grad !== null) t.grad = t.grad.add(g);
  else t.grad = owned ? g : g.clone();
}
