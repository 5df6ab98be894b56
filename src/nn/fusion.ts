/**
 * Inference-time fusion (torch.nn.utils.fusion, torch.ao.quantization.fuse_modules): a batch norm
 * in eval mode is an affine map per channel, so after a convolution it folds into the
 * convolution's weight and bias, and the normalization disappears from the forward.
 *
 * fuseForInference finds the pairs itself by running the model once on an example input: a
 * convolution's output is folded only when the batch norm right after it is its only reader (no
 * other op, no residual branch, not a returned value), so the fused model computes the same
 * function, within float rounding. A ReLU, ReLU6 or Hardtanh that is the only reader of a
 * convolution's output (after a folded batch norm or not) is then folded into the convolution,
 * which clamps its output inside the kernel instead of a separate pass over a new array.
 */
import { Tensor } from '../tensor/tensor.js';
import type { Storage } from '../tensor/storage.js';
import { noGrad } from '../autograd/grad-mode.js';
import { withTracer } from '../autograd/trace.js';
import { describe as describeValue, isPlainObject } from '../ops/args.js';
import { Module, Parameter } from './module.js';
import { Identity, ModuleDict, Sequential } from './containers.js';
import { Conv1d, Conv2d, Conv3d } from './layers/conv.js';
import { BatchNorm1d, BatchNorm2d, BatchNorm3d } from './layers/norm.js';
import { Hardtanh, ReLU, ReLU6 } from './layers/activation.js';
import type { ClampBounds } from '../backend/types.js';
import { fused } from '../backend/registry.js';

type Conv = Conv1d | Conv2d | Conv3d;
type BatchNorm = BatchNorm1d | BatchNorm2d | BatchNorm3d;

const isConv = (m: unknown): m is Conv => m instanceof Conv1d || m instanceof Conv2d || m instanceof Conv3d;
const isBatchNorm = (m: unknown): m is BatchNorm => m instanceof BatchNorm1d || m instanceof BatchNorm2d || m instanceof BatchNorm3d;

/**
 * The weight and bias of a convolution followed by an eval-mode batch norm
 * (torch.nn.utils.fusion.fuse_conv_bn_weights): w * (gamma / sqrt(var + eps)) per output channel,
 * and (b - mean) * gamma / sqrt(var + eps) + beta. A null conv bias counts as zeros, a null gamma
 * as ones and a null beta as zeros.
 */
export function fuseConvBnWeights(
  convWeight: Tensor, convBias: Tensor | null, runningMean: Tensor, runningVar: Tensor, eps: number,
  bnWeight: Tensor | null, bnBias: Tensor | null,
): [Tensor, Tensor] {
  const op = 'fuseConvBnWeights';
  for (const [name, t, optional] of [
    ['convWeight', convWeight, false], ['convBias', convBias, true], ['runningMean', runningMean, false], ['runningVar', runningVar, false],
    ['bnWeight', bnWeight, true], ['bnBias', bnBias, true],
  ] as const) {
    if (t === null && optional) continue;
    if (!(t instanceof Tensor)) throw new Error(`${op}: ${name} must be a Tensor${optional ? ' or null' : ''}, got ${describeValue(t)}`);
  }
  if (typeof eps !== 'number' || !(eps >= 0)) throw new Error(`${op}: eps must be a non-negative number, got ${describeValue(eps)}`);
  if (convWeight.ndim < 2) throw new Error(`${op}: convWeight must be [outChannels, inChannels / groups, ...kernel], got shape [${convWeight.shape.join(', ')}]`);
  const channels = convWeight.shape[0]!;
  for (const [name, t] of [['convBias', convBias], ['runningMean', runningMean], ['runningVar', runningVar], ['bnWeight', bnWeight], ['bnBias', bnBias]] as const) {
    if (t !== null && (t.ndim !== 1 || t.shape[0] !== channels)) {
      throw new Error(`${op}: ${name} must have shape [${channels}] (one per output channel of convWeight), got [${t.shape.join(', ')}]`);
    }
  }
  return noGrad(() => {
    const scale = runningVar.add(eps).rsqrt();
    const gamma = bnWeight === null ? scale : scale.mul(bnWeight);
    const weight = convWeight.mul(gamma.reshape([channels, ...convWeight.shape.slice(1).map(() => 1)]));
    const shifted = (convBias === null ? runningMean.neg() : convBias.sub(runningMean)).mul(gamma);
    return [weight, bnBias === null ? shifted : shifted.add(bnBias)];
  });
}

/**
 * A new convolution (same class and options, with a bias) that computes bn(conv(x)) for the batch
 * norm in eval mode (torch.nn.utils.fusion.fuse_conv_bn_eval). Both must be in eval mode and the
 * batch norm must keep running statistics; conv and bn are left unchanged.
 */
export function fuseConvBnEval<C extends Conv>(conv: C, bn: BatchNorm): C {
  const op = 'fuseConvBnEval';
  if (!isConv(conv)) throw new Error(`${op}: conv must be a Conv1d, Conv2d or Conv3d, got ${describeValue(conv)}`);
  if (!isBatchNorm(bn)) throw new Error(`${op}: bn must be a BatchNorm1d, BatchNorm2d or BatchNorm3d, got ${describeValue(bn)}`);
  if (conv.training || bn.training) throw new Error(`${op}: fusion is only for eval mode: call eval() on both modules first`);
  if (!bn.trackRunningStats) throw new Error(`${op}: ${bn.layerName}(${bn.numFeatures}) keeps no running statistics (trackRunningStats false), so it normalizes with batch statistics and cannot be folded`);
  if (bn.numFeatures !== conv.outChannels) throw new Error(`${op}: ${bn.layerName} has ${bn.numFeatures} features but the convolution gives ${conv.outChannels} channels`);
  const [weight, bias] = fuseConvBnWeights(
    conv.weight, conv.bias, bn.getBuffer('running_mean')!, bn.getBuffer('running_var')!, bn.eps, bn.weight, bn.bias,
  );
  return withParameters(conv, new Parameter(weight, conv.weight.requiresGrad), new Parameter(bias, conv.weight.requiresGrad));
}

/** A new eval-mode convolution of conv's class and options (and folded activation) with the given parameters. */
function withParameters<C extends Conv>(conv: C, weight: Parameter, bias: Parameter | null): C {
  const Class = conv.constructor as new (inChannels: number, outChannels: number, kernelSize: number[], options: object) => C;
  const fused = new Class(conv.inChannels, conv.outChannels, conv.kernelSize, {
    stride: conv.stride, padding: conv.padding, dilation: conv.dilation, groups: conv.groups, bias: bias !== null,
    paddingMode: conv.paddingMode, dtype: conv.weight.dtype,
  });
  fused.weight = weight;
  fused.bias = bias;
  const folded = conv.foldedActivation;
  if (folded !== null) fused.foldActivation(folded.min, folded.max);
  fused.eval();
  return fused;
}

/** The clamp bounds of an activation a convolution can fold in (ReLU, ReLU6, Hardtanh: exactly these classes), or null. */
function activationBounds(m: Module): ClampBounds | null {
  if (m.constructor === ReLU) return { min: 0, max: Infinity };
  if (m.constructor === ReLU6) return { min: 0, max: 6 };
  if (m.constructor === Hardtanh) return { min: (m as Hardtanh).minVal, max: (m as Hardtanh).maxVal };
  return null;
}

/** What the example run saw of one module: its calls, the tensors it got and gave. */
interface Calls {
  count: number;
  input: Tensor | null;
  output: unknown;
}

/**
 * Fuses every convolution + batch norm pair of an eval-mode model for inference, in place, and
 * returns the model: the convolution becomes fuseConvBnEval's and the batch norm an nn.Identity
 * (as torch.ao.quantization.fuse_modules). The pairs are found by running the model once on
 * `exampleInputs` (any values its forward takes): a Conv1d/2d/3d whose output feeds only a
 * BatchNorm1d/2d/3d, each called once, with no forward hooks, held in a field, a Sequential or a
 * ModuleDict. Then each ReLU, ReLU6 or Hardtanh (exactly these classes) called once on a
 * convolution's output that nothing else reads becomes an nn.Identity, and the convolution (a new
 * one, sharing its parameters) clamps its output (Conv2d.foldActivation). Anything else is left as
 * it is.
 */
export function fuseForInference<M extends Module>(model: M, ...exampleInputs: unknown[]): M {
  const op = 'fuseForInference';
  if (!(model instanceof Module)) throw new Error(`${op}: expected a Module, got ${describeValue(model)}`);
  const training = [...model.namedModules()].filter(([, m]) => m.training).map(([name]) => name || '(the model)');
  if (training.length > 0) {
    throw new Error(`${op}: the model must be in eval mode (batch norm folds its running statistics): call model.eval() first (in training mode: ${training.slice(0, 3).join(', ')}${training.length > 3 ? ', ...' : ''})`);
  }
  // Modules with hooks of their own are left alone: a hook may read the unfused output.
  const candidates = [...model.modules()].filter(
    (m) => (isConv(m) || isBatchNorm(m) || activationBounds(m) !== null) && !Object.prototype.hasOwnProperty.call(m, 'forward'),
  );
  const calls = new Map<Module, Calls>(candidates.map((m) => [m, { count: 0, input: null, output: null }]));
  const stack: Module[] = [];
  const handles = candidates.flatMap((m) => [
    m.registerForwardPreHook((module, inputs) => {
      const seen = calls.get(module)!;
      seen.count++;
      seen.input = inputs[0] instanceof Tensor ? inputs[0] : null;
      stack.push(module);
    }),
    m.registerForwardHook((module, _inputs, output) => {
      stack.pop();
      calls.get(module)!.output = output;
    }),
  ]);
  // Every reader of each storage: the hooked module whose forward ran the op, or null.
  const readers = new Map<Storage, (Module | null)[]>();
  const read = (t: Tensor, by: Module | null): void => {
    const list = readers.get(t.storage);
    if (list === undefined) readers.set(t.storage, [by]);
    else list.push(by);
  };
  let result: unknown;
  try {
    result = noGrad(() =>
      withTracer({
        record(_op, inputs) {
          for (const t of inputs) if (t !== null) read(t, stack.at(-1) ?? null);
        },
      }, () => (model.forward as (...xs: unknown[]) => unknown)(...exampleInputs)),
    );
  } finally {
    for (const h of handles) h.remove();
  }
  forEachTensor(result, (t) => read(t, null));

  // What now computes each convolution's or folded batch norm's output: the fused convolution.
  const producers = new Map<Module, Conv>();
  for (const m of candidates) if (isConv(m)) producers.set(m, m);
  for (const bn of candidates) {
    if (!isBatchNorm(bn) || !bn.trackRunningStats) continue;
    const seen = calls.get(bn)!;
    if (seen.count !== 1 || seen.input === null) continue;
    const conv = candidates.find((m) => isConv(m) && calls.get(m)!.count === 1 && calls.get(m)!.output === seen.input) as Conv | undefined;
    if (conv === undefined || conv.outChannels !== bn.numFeatures || conv.weight.dtype !== seen.input.dtype) continue;
    if (!readers.get(seen.input.storage)!.every((by) => by === bn)) continue;
    const convSlots = slotsOf(model, conv);
    const bnSlots = slotsOf(model, bn);
    if (convSlots === null || bnSlots === null) continue;
    const fused = fuseConvBnEval(conv, bn);
    convSlots.forEach((put) => put(fused));
    const identity = new Identity().eval();
    bnSlots.forEach((put) => put(identity));
    producers.set(conv, fused);
    producers.set(bn, fused);
  }
  foldActivations(model, candidates, calls, readers, producers);
  // Weights and statistics are read on every forward from now on: the backend may keep them in its memory.
  fused('keepResident')?.([...model.parameters(), ...model.buffers()]);
  return model;
}

/**
 * Folds each ReLU, ReLU6 or Hardtanh whose input is a convolution's output (or a folded batch
 * norm's) read by nothing else into that convolution (Conv1d/2d/3d.foldActivation), and puts an
 * Identity in its place.
 */
function foldActivations(
  model: Module, candidates: readonly Module[], calls: Map<Module, Calls>, readers: Map<Storage, (Module | null)[]>, producers: Map<Module, Conv>,
): void {
  for (const activation of candidates) {
    const bounds = activationBounds(activation);
    const seen = calls.get(activation)!;
    if (bounds === null || seen.count !== 1 || seen.input === null) continue;
    const input = seen.input;
    const producer = candidates.find((m) => producers.has(m) && calls.get(m)!.count === 1 && calls.get(m)!.output === input);
    if (producer === undefined || !readers.get(input.storage)!.every((by) => by === activation)) continue;
    const conv = producers.get(producer)!;
    if (conv.foldedActivation !== null) continue;
    const convSlots = slotsOf(model, conv);
    const activationSlots = slotsOf(model, activation);
    if (convSlots === null || activationSlots === null) continue;
    const folded = withParameters(conv, conv.weight, conv.bias).foldActivation(bounds.min, bounds.max);
    convSlots.forEach((put) => put(folded));
    const identity = new Identity().eval();
    activationSlots.forEach((put) => put(identity));
    for (const [m, c] of producers) if (c === conv) producers.set(m, folded);
  }
}

/** Calls fn on every tensor in a forward's result (a tensor, or arrays and plain objects of them). */
function forEachTensor(value: unknown, fn: (t: Tensor) => void): void {
  if (value instanceof Tensor) fn(value);
  else if (Array.isArray(value)) value.forEach((v) => forEachTensor(v, fn));
  else if (isPlainObject(value)) {
    Object.values(value).forEach((v) => forEachTensor(v, fn));
  }
}

/**
 * Every place under root that holds `target`, as setters: a field (or an entry of an array or
 * plain object in a field), a Sequential's or a ModuleDict's entry. Null when a parent holds it
 * some other way (registered only), since its forward could then not be redirected.
 */
function slotsOf(root: Module, target: Module): ((replacement: Module) => void)[] | null {
  const slots: ((replacement: Module) => void)[] = [];
  for (const parent of root.modules()) {
    const holds = [...parent.namedChildren()].filter(([, child]) => child === target).length > 0;
    if (!holds) continue;
    const before = slots.length;
    if (parent instanceof Sequential) {
      for (let i = 0; i < parent.length; i++) if (parent.at(i) === target) slots.push((m) => parent.set(i, m));
    } else if (parent instanceof ModuleDict) {
      for (const [key, child] of parent.namedChildren()) if (child === target) slots.push((m) => parent.set(key, m));
    }
    const fields = parent as unknown as Record<string, unknown>;
    for (const key of Object.keys(parent)) {
      const value = fields[key];
      if (value === target) slots.push((m) => (fields[key] = m));
      else if (Array.isArray(value) || isPlainObject(value)) {
        const holder = value as Record<string, unknown>;
        for (const k of Object.keys(holder)) if (holder[k] === target) slots.push((m) => (holder[k] = m));
      }
    }
    if (slots.length === before) return null;
  }
  return slots.length === 0 ? null : slots;
}
