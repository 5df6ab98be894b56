/**
 * The op definition type and apply(): runs an op's forward without recording, then, when any
 * input requires grad, records one graph node whose backward is the op's own formula.
 */
import type { Tensor } from '../tensor/tensor.js';
import { KernelError } from '../backend/types.js';
import { isAnomalyEnabled, isGradEnabled, noGrad } from './grad-mode.js';
import { Node, SavedTensors, type InputMeta } from './node.js';
import { shapeStr } from '../tensor/shape.js';
import { anomalyError, captureStack, nonFinite, userCallSite } from './anomaly.js';

export interface BackwardContext<A> {
  readonly attrs: A;
  /** Shapes and dtypes of the inputs as they were at the forward call. */
  readonly inputs: readonly InputMeta[];
  /** The tensors the forward saved, checked against later in-place changes. */
  readonly saved: Tensor[];
  /** Which inputs need a gradient (others may get null). */
  readonly needsGrad: readonly boolean[];
}

export type SaveFn = (...tensors: Tensor[]) => void;

/**
 * One primitive op: its forward (on kernels, with no graph recorded) and its backward, written
 * with tensor ops so that gradients of gradients work. The backward may return a gradient of
 * the output's broadcast shape: the engine sums it down to each input's shape.
 */
export interface OpDef<A> {
  readonly name: string;
  forward(inputs: readonly Tensor[], attrs: A, save: SaveFn): Tensor;
  backward?(grad: Tensor, ctx: BackwardContext<A>): readonly (Tensor | null | undefined)[];
}

const noSave: SaveFn = () => {};

/**
 * A view whose base was since changed in place by a recorded op (y.mul_(3)) still carries the
 * history from before: its gradient would be silently wrong, so using it is refused.
 */
function checkViewIsCurrent(op: string, t: Tensor): void {
  if (t.viewTakenAt === undefined || t.base === null || t.base.gradFn === t.viewTakenAt) return;
  throw new Error(
    `${op}: an input of shape ${shapeStr(t.shape)} is a view taken before its base (shape ${shapeStr(t.base.shape)}) ` +
      `was changed in place while gradients were recorded, so the view's autograd history is out of date; ` +
      `take the view again after the in-place op, or clone() it before`,
  );
}

export function apply<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  const backward = op.backward;
  if (isGradEnabled()) for (const t of inputs) checkViewIsCurrent(op.name, t);
  const record = backward !== undefined && isGradEnabled() && inputs.some((t) => t.requiresGrad);
  const saved = record ? new SavedTensors(op.name) : null;
  let out: Tensor;
  try {
    out = noGrad(() => op.forward(inputs, attrs, saved === null ? noSave : (...ts) => saved.save(...ts)));
  } catch (e) {
    if (e instanceof KernelError) throw new Error(`${op.name}: ${e.message}`);
    throw e;
  }
  if (inputs.includes(out)) out = out.alias();
  const anomaly = isAnomalyEnabled();
  const stack = anomaly ? captureStack() : null;
  if (anomaly) {
    const bad = nonFinite(out);
    if (bad !== null) {
      throw anomalyError(`${bad} in the output`, op.name, inputs.map((t) => t.shape), userCallSite(stack ?? undefined));
    }
  }
  if (record) {
    const meta: InputMeta[] = inputs.map((t) => ({ shape: t.shape, dtype: t.dtype }));
    const needsGrad = inputs.map((t) => t.requiresGrad);
    const ctx: BackwardContext<A> = {
      attrs,
      inputs: meta,
      needsGrad,
      get saved() {
        return saved!.tensors;
      },
    };
    const node = new Node(op.name, inputs.map((t) => t.gradEdge()), meta, (g) => backward(g, ctx), stack);
    out.setGradFn(node);
  }
  return out;
}
