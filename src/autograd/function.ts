/**
 * The op definition type and apply(): runs an op's forward without recording, then, when any
 * input requires grad, records one graph node whose backward is the op's own formula.
 */
import type { Tensor } from '../tensor/tensor.js';
import { KernelError } from '../backend/types.js';
import { isAnomalyEnabled, isGradEnabled, setGradEnabled } from './grad-mode.js';
import { Node, SavedTensors, type InputMeta } from './node.js';
import { shapeStr } from '../tensor/shape.js';
import { anomalyError, captureStack, nonFinite, userCallSite } from './anomaly.js';
import { activeTracer } from './trace.js';

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
  /**
   * Set where the backward, in its own code, keeps neither `grad` (nor a view of it) nor the
   * tensors it returns anywhere (attrs, closures, user callbacks): the engine then reuses their
   * arrays once it is done with them. Leave it unset when unsure: the arrays are then left to the
   * garbage collector, which is always safe.
   */
  readonly privateGradients?: true;
  /**
   * Which of the tensors the forward saves (by position; negative counts from the last) it made itself and handed to nothing
   * else (no output views them, no attrs keep them): once a backward frees them, the engine
   * reuses their arrays (unless a recorded backward, createGraph, ran: its ops may save them).
   */
  readonly privateSaved?: readonly number[];
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

/** A recorded op: its own backward context (attrs, input metadata, saved tensors) and graph node. */
class OpNode<A> extends Node implements BackwardContext<A> {
  private readonly savedTensors: SavedTensors;
  /** Handed to the op's forward to keep tensors for the backward. */
  readonly save: SaveFn;

  constructor(
    private readonly op: OpDef<A>,
    readonly attrs: A,
    next: (Node | null)[],
    inputs: InputMeta[],
    readonly needsGrad: boolean[],
    stack: string | null,
  ) {
    super(op.name, next, inputs, stack);
    this.privateGradients = op.privateGradients === true;
    const saved = new SavedTensors(op.name);
    this.savedTensors = saved;
    this.save = (...tensors) => saved.save(tensors);
  }

  get saved(): Tensor[] {
    return this.savedTensors.tensors;
  }

  /** A recorded backward (createGraph) ran: the ops it recorded may have saved this op's private tensors. */
  private savedShared = false;

  override backward(grad: Tensor): readonly (Tensor | null | undefined)[] {
    if (isGradEnabled()) this.savedShared = true;
    return this.op.backward?.(grad, this) ?? [];
  }

  override releaseSaved(): readonly Tensor[] {
    const saved = this.savedTensors.release();
    const owned = this.op.privateSaved;
    return owned === undefined || saved.length === 0 || this.savedShared ? [] : owned.map((i) => saved.at(i)!);
  }
}

/** The graph node for an op on `inputs`, or null when nothing needs a gradient (or grad mode is off). */
function recordingNode<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A, stack: string | null): OpNode<A> | null {
  const n = inputs.length;
  let any = false;
  for (let i = 0; i < n; i++) {
    const t = inputs[i]!;
    checkViewIsCurrent(op.name, t);
    if (t.requiresGrad) any = true;
  }
  if (!any || op.backward === undefined) return null;
  const next = new Array<Node | null>(n);
  const meta = new Array<InputMeta>(n);
  const needsGrad = new Array<boolean>(n);
  for (let i = 0; i < n; i++) {
    const t = inputs[i]!;
    next[i] = t.gradEdge();
    meta[i] = { shape: t.shape, dtype: t.dtype };
    needsGrad[i] = t.requiresGrad;
  }
  return new OpNode(op, attrs, next, meta, needsGrad, stack);
}

export function apply<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  const gradEnabled = isGradEnabled();
  const anomaly = isAnomalyEnabled();
  const stack = anomaly ? captureStack() : null;
  const node = gradEnabled ? recordingNode(op, inputs, attrs, stack) : null;
  let out: Tensor;
  // The forward runs with grad mode off (as under noGrad), without a closure per call.
  setGradEnabled(false);
  try {
    out = op.forward(inputs, attrs, node === null ? noSave : node.save);
  } catch (e) {
    if (e instanceof KernelError) throw new Error(`${op.name}: ${e.message}`);
    // A backend that allocates its own typed arrays: name the op instead of the engine's bare RangeError.
    if (e instanceof RangeError && /array length|allocation failed/i.test(e.message)) {
      throw new Error(
        `${op.name}: the result is too large to allocate (${e.message}) for inputs ${inputs.map((t) => shapeStr(t.shape)).join(', ')}`,
      );
    }
    throw e;
  } finally {
    setGradEnabled(gradEnabled);
  }
  if (inputs.includes(out)) out = out.alias();
  if (anomaly) {
    const bad = nonFinite(out);
    if (bad !== null) {
      throw anomalyError(`${bad} in the output`, op.name, inputs.map((t) => t.shape), userCallSite(stack ?? undefined));
    }
  }
  if (node !== null) out.setGradFn(node);
  activeTracer()?.record(op.name, inputs, attrs, [out]);
  return out;
}
