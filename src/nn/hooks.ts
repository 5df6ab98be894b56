/**
 * Module hooks (PyTorch's register_forward_pre_hook, register_forward_hook and
 * register_full_backward_hook). Module keeps the hook lists; this file holds their types, the
 * removable handle, and the identity ops that catch gradients at a module's inputs and outputs.
 */
import { Tensor } from '../tensor/tensor.js';
import { shapeStr } from '../tensor/shape.js';
import { apply, type OpDef } from '../autograd/function.js';

/** What a register*Hook call returns: remove() unregisters the hook (calling it again does nothing). */
export interface RemovableHandle {
  remove(): void;
  /** A number unique to this hook. */
  readonly id: number;
}

/** fn(module, inputs): return undefined to keep the inputs, an array to replace them, or one value for a one-input forward. */
export type ForwardPreHook<M> = (module: M, inputs: unknown[]) => unknown;
/** fn(module, inputs, output): return undefined to keep the output, anything else to replace it. */
export type ForwardHook<M> = (module: M, inputs: unknown[], output: unknown) => unknown;
/**
 * fn(module, gradInput, gradOutput): gradInput has one entry per tensor argument of forward (null
 * where none flows: the tensor does not require grad); gradOutput one per output. Return undefined,
 * or an array like gradInput to replace the gradients passed on to the inputs.
 */
export type FullBackwardHook<M> = (module: M, gradInput: (Tensor | null)[], gradOutput: (Tensor | null)[]) => (Tensor | null)[] | undefined | void;

let nextHookId = 0;

/** A hook list with handles that remove their entry. */
export class HookList<H> {
  readonly #hooks = new Map<number, H>();

  constructor(private readonly onChange: () => void) {}

  add(hook: H, where: string): RemovableHandle {
    if (typeof hook !== 'function') throw new Error(`${where}: expected a function, got ${hook === null ? 'null' : typeof hook}`);
    const id = nextHookId++;
    this.#hooks.set(id, hook);
    this.onChange();
    return {
      id,
      remove: () => {
        if (this.#hooks.delete(id)) this.onChange();
      },
    };
  }

  get size(): number {
    return this.#hooks.size;
  }

  /** The hooks in registration order, as a snapshot (a hook may remove itself while running). */
  snapshot(): H[] {
    return [...this.#hooks.values()];
  }
}

/** One forward call's backward-hook state: the gradients seen so far at its inputs and outputs. */
interface BackwardCall {
  readonly fire: (gradInput: (Tensor | null)[], gradOutput: (Tensor | null)[]) => (Tensor | null)[] | undefined;
  readonly describe: string;
  readonly gradInput: (Tensor | null)[];
  gradOutput: (Tensor | null)[];
  /** How many differentiable inputs have not received their gradient yet. */
  pending: number;
  differentiable: number;
}

interface HookAttrs {
  call: BackwardCall;
  index: number;
}

function checkReplacement(call: BackwardCall, result: (Tensor | null)[] | undefined): (Tensor | null)[] | undefined {
  if (result === undefined) return undefined;
  if (!Array.isArray(result) || result.length !== call.gradInput.length || !result.every((g) => g === null || g instanceof Tensor)) {
    throw new Error(`${call.describe}: a full backward hook must return undefined or an array of ${call.gradInput.length} tensors or nulls (one per tensor input)`);
  }
  return result;
}

/** Identity at an input: its backward records the input's gradient and fires the hooks once all have arrived. */
const inputHookOp: OpDef<HookAttrs> = {
  name: 'BackwardHookFunction',
  forward: ([x]) => x!,
  backward(grad, { attrs: { call, index } }) {
    call.gradInput[index] = grad;
    call.pending--;
    if (call.pending > 0) return [grad];
    const replaced = checkReplacement(call, call.fire(call.gradInput.slice(), call.gradOutput));
    if (replaced === undefined) return [grad];
    if (call.differentiable > 1) {
      throw new Error(
        `${call.describe}: a full backward hook can replace gradInput only for modules with one input that requires grad ` +
          `(this call had ${call.differentiable}; the others' gradients were already passed on)`,
      );
    }
    const g = replaced[index] ?? null;
    if (g !== null && shapeStr(g.shape) !== shapeStr(grad.shape)) {
      throw new Error(`${call.describe}: a full backward hook returned a gradient of shape ${shapeStr(g.shape)} for an input of shape ${shapeStr(grad.shape)}`);
    }
    return [g];
  },
};

/**
 * Identity at the output: starts a backward pass through the module (it runs before the inputs'
 * gradients, also when a retained graph is walked again), records gradOutput, and fires the hooks
 * right away when no input takes a gradient.
 */
const outputHookOp: OpDef<HookAttrs> = {
  name: 'BackwardHookFunction',
  forward: ([x]) => x!,
  backward(grad, { attrs: { call } }) {
    call.gradOutput = [grad];
    call.gradInput.fill(null);
    call.pending = call.differentiable;
    if (call.differentiable === 0) checkReplacement(call, call.fire(call.gradInput.slice(), call.gradOutput));
    return [grad];
  },
};

/**
 * Wraps a forward call for full backward hooks: inputs and output pass through identity ops whose
 * backward collects gradInput and gradOutput. `run` is the forward (with its forward hooks).
 */
export function withBackwardHooks(
  describe: string,
  inputs: unknown[],
  fire: BackwardCall['fire'],
  run: (inputs: unknown[]) => unknown,
): unknown {
  const tensorPositions = inputs.flatMap((v, i) => (v instanceof Tensor ? [i] : []));
  const call: BackwardCall = {
    fire,
    describe,
    gradInput: tensorPositions.map(() => null),
    gradOutput: [null],
    pending: 0,
    differentiable: 0,
  };
  const wrapped = inputs.slice();
  tensorPositions.forEach((position, index) => {
    const t = inputs[position] as Tensor;
    if (!t.requiresGrad) return;
    call.pending++;
    wrapped[position] = apply(inputHookOp, [t], { call, index });
  });
  call.differentiable = call.pending;
  const output = run(wrapped);
  if (!(output instanceof Tensor)) {
    throw new Error(`${describe}: full backward hooks need a forward that returns one Tensor, got ${output === null ? 'null' : typeof output}`);
  }
  return output.requiresGrad ? apply(outputHookOp, [output], { call, index: 0 }) : output;
}
