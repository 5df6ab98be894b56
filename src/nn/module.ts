/**
 * Module and Parameter: the base of every layer and model.
 *
 * A module finds its parameters and submodules by reflection over its own fields, in declaration
 * order: a field holding a Parameter or a Module, or an array / plain object of them (nested to
 * any depth), is picked up. Names follow PyTorch: the camelCase field name is written in
 * snake_case (`runningMean` -> `running_mean`, `outProj` -> `out_proj`, `selfAttn` ->
 * `self_attn`), array items by index and object entries by key, joined with dots
 * (`encoder.layers.1.linear1.bias`), so state-dict keys equal PyTorch's. Names that are not
 * plain camelCase (`weight_ih_l0`, `W`, `_x`) are kept verbatim. registerParameter /
 * registerModule / registerBuffer take exact names, for layers whose parameter set depends on
 * their options (an LSTM's `weight_hh_l1_reverse`) or containers (Sequential's `0`, `1`, ...).
 *
 * As in PyTorch, a module's own parameters come first, then its buffers, then its children;
 * parameters shared between modules are listed once by parameters() but appear under every name
 * in stateDict(). Buffers (running statistics and other state that is not trained) are registered
 * by name and should be updated in place (under noGrad) or replaced with setBuffer.
 */
import { Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import type { DType, FloatDType } from '../tensor/dtype.js';
import { isFloat } from '../tensor/dtype.js';
import { isSize, shapeStr, sameShape } from '../tensor/shape.js';
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { setOwn } from '../util/untrusted.js';
import { bool, dtype as dtypeArg, parseArgs, parseOptions, type Args } from '../ops/args.js';
import { HookList, withBackwardHooks, type ForwardHook, type ForwardPreHook, type FullBackwardHook, type RemovableHandle } from './hooks.js';

/** A tensor that is a trainable weight of a module: requiresGrad is on unless asked otherwise. */
export class Parameter extends Tensor {
  /** Wraps `data` as a parameter sharing its storage (detached from any autograd history). */
  constructor(data: Tensor, requiresGrad = true) {
    if (!(data instanceof Tensor)) {
      throw new Error(`Parameter: expected a Tensor, got ${describeValue(data)}`);
    }
    super(data.storage, data.shape, data.strides, data.offset, data.dtype, data.base);
    if (requiresGrad && !isFloat(data.dtype)) {
      throw new Error(
        `Parameter: only floating-point tensors can require gradients, got dtype ${data.dtype}; ` +
          'pass requiresGrad=false or register it as a buffer',
      );
    }
    this.requiresGrad_(requiresGrad);
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}

/** The layout fields of a tensor whose shape a lazy module infers later: reading any of them throws. */
const LAYOUT_FIELDS = ['storage', 'shape', 'strides', 'offset'] as const;

/** Makes every read of `t`'s data or layout throw `message` until adoptLayout gives it one. */
function makePending(t: Tensor, message: string): void {
  const fail = (): never => {
    throw new Error(message);
  };
  for (const key of LAYOUT_FIELDS) Object.defineProperty(t, key, { get: fail, configurable: true, enumerable: true });
}

/** Gives `t` the storage and layout of `data` (in place: same object) and makes it an instance of `to`. */
function adoptLayout(t: Tensor, data: Tensor, to: object): void {
  if (!(data instanceof Tensor) || data.dtype !== t.dtype) {
    throw new Error(`materialize: expected a tensor of dtype ${t.dtype}, got ${describeValue(data)}`);
  }
  const values = { storage: data.storage, shape: data.shape, strides: data.strides, offset: data.offset };
  for (const key of LAYOUT_FIELDS) Object.defineProperty(t, key, { value: values[key], writable: true, configurable: true, enumerable: true });
  Object.setPrototypeOf(t, to);
}

/** Changes the dtype of a tensor that has no data yet. */
function setDtype(t: Tensor, dtype: FloatDType): void {
  Object.defineProperty(t, 'dtype', { value: dtype, writable: true, configurable: true, enumerable: true });
}

function pendingMessage(kind: string, owner: string, name: string): string {
  return `${owner}: ${kind} '${name}' is uninitialized (its shape is inferred from the first input); ` +
    'run a forward pass (or nn.summary(model, inputShape)) first';
}

/**
 * A parameter of a lazy module (nn.LazyLinear, ...) before its first forward
 * (torch.nn.UninitializedParameter): it has a dtype and requiresGrad, so optimizers and hooks can
 * take it, but no shape; any use of its data throws an error naming the layer. The layer's first
 * forward materializes it in place (the same object becomes a plain Parameter), so an optimizer
 * built before that forward trains it.
 */
export class UninitializedParameter extends Parameter {
  constructor(owner: string, name: string, dtype: FloatDType = 'float32', requiresGrad = true) {
    super(zeros([0], { dtype }), requiresGrad);
    makePending(this, pendingMessage('parameter', owner, name));
  }

  /** Takes `data`'s storage and shape; this object is a Parameter from then on. */
  materialize(data: Tensor): Parameter {
    adoptLayout(this, data, Parameter.prototype);
    return this;
  }

  /** The dtype it will have (Module.to on a lazy module). */
  retype(dtype: FloatDType): void {
    setDtype(this, dtype);
  }

  override toString(): string {
    return `<UninitializedParameter>`;
  }
}

/** A buffer of a lazy module before its first forward (torch.nn.UninitializedBuffer): see UninitializedParameter. */
export class UninitializedBuffer extends Tensor {
  constructor(owner: string, name: string, dtype: FloatDType = 'float32') {
    const placeholder = zeros([0], { dtype });
    super(placeholder.storage, placeholder.shape, placeholder.strides, 0, dtype);
    makePending(this, pendingMessage('buffer', owner, name));
  }

  /** Takes `data`'s storage and shape; this object is a plain Tensor from then on. */
  materialize(data: Tensor): Tensor {
    adoptLayout(this, data, Tensor.prototype);
    return this;
  }

  retype(dtype: FloatDType): void {
    setDtype(this, dtype);
  }

  override toString(): string {
    return `<UninitializedBuffer>`;
  }
}

function isUninitialized(t: Tensor): t is UninitializedParameter | UninitializedBuffer {
  return t instanceof UninitializedParameter || t instanceof UninitializedBuffer;
}

/**
 * Implemented by lazy modules: loadStateDict calls it with the shapes the dict gives for the
 * module's uninitialized tensors (by their local names), and it materializes them to fit.
 */
export const MATERIALIZE_FROM_STATE = Symbol('nabla.materializeFromState');
interface MaterializesFromState {
  [MATERIALIZE_FROM_STATE](shapes: ReadonlyMap<string, readonly number[]>): void;
}

export interface RegisterBufferOptions {
  /** Whether the buffer is saved in the state dict (default true, as in PyTorch). */
  persistent?: boolean;
}

export interface LoadStateDictOptions {
  /** Require the keys of the dict to match the module's exactly (default true). */
  strict?: boolean;
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export interface NumParametersOptions {
  /** Count only parameters with requiresGrad set. */
  trainableOnly?: boolean;
}

export interface ZeroGradOptions {
  /** Set grads to null (default, as PyTorch) rather than filling them with zeros. */
  setToNone?: boolean;
}

export interface SummaryOptions {
  /** The dtype of the zero input(s) (default float32; use int32 for token ids). */
  dtype?: DType;
}

export type StateDict = Record<string, Tensor>;

interface BufferSlot {
  tensor: Tensor | null;
  persistent: boolean;
}

/** What a module holds directly: its own parameters, and the child modules one level down. */
interface OwnItems {
  params: [string, Parameter][];
  /** Parameters inside array / object fields, in field order (PyTorch's ParameterList sits among children). */
  nestedParams: [string, Parameter][];
  children: [string, Module][];
  /** Field order of nested params and children together, for state-dict order. */
  order: ({ kind: 'param'; name: string; value: Parameter } | { kind: 'module'; name: string; value: Module })[];
}

type ForwardFn = (...args: unknown[]) => unknown;

/** `outProj` -> `out_proj`, `linear1` -> `linear1`; names that are not camelCase are kept. */
export function fieldToStateName(field: string): string {
  if (!/^[a-z][a-zA-Z0-9]*$/.test(field)) return field;
  return field.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Tensor) return `a tensor of shape ${shapeStr(value.shape)}`;
  if (typeof value === 'object') return `an object (${(value as { constructor?: { name?: string } }).constructor?.name ?? 'no prototype'})`;
  return `${typeof value} ${String(value)}`;
}

function checkName(what: string, name: string): void {
  if (name === '' || name.includes('.')) {
    throw new Error(`${what}: the name must be non-empty and contain no '.', got '${name}'`);
  }
}

function joinName(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

function describeOutput(value: unknown): string {
  if (value instanceof Tensor) return shapeStr(value.shape);
  if (Array.isArray(value)) return `[${value.map(describeOutput).join(', ')}]`;
  if (value === null || value === undefined) return String(value);
  if (isPlainObject(value)) return `{${Object.entries(value).map(([k, v]) => `${k}: ${describeOutput(v)}`).join(', ')}}`;
  return typeof value;
}

export abstract class Module {
  /** Whether the module is in training mode (dropout active, batch norm updating its statistics). */
  training = true;
  readonly #registered = new Map<string, Parameter | Module | null>();
  readonly #buffers = new Map<string, BufferSlot>();
  readonly #forwardPreHooks = new HookList<ForwardPreHook<Module>>(() => this.#updateHookedForward());
  readonly #forwardHooks = new HookList<ForwardHook<Module>>(() => this.#updateHookedForward());
  readonly #backwardHooks = new HookList<FullBackwardHook<Module>>(() => this.#updateHookedForward());
  /** The instance-level forward that runs the hooks, while any are registered. */
  #hookedForward: { wrapper: ForwardFn; restore: () => void } | null = null;

  /**
   * The computation. Subclasses declare their own signature (`forward(x: Tensor): Tensor`).
   * Call a module with `module.forward(x)` or its alias `module.call(x)`; both run the hooks.
   */
  abstract forward(...inputs: never[]): unknown;

  /** Runs forward, typed by the subclass's forward signature. */
  call(...inputs: Parameters<this['forward']>): ReturnType<this['forward']> {
    return (this.forward as ForwardFn)(...inputs) as ReturnType<this['forward']>;
  }

  // ---- registration ---------------------------------------------------------------------

  /** Adds a parameter under an exact name (or null to declare an absent one, like a missing bias). */
  registerParameter(name: string, param: Parameter | null): Parameter | null {
    checkName('registerParameter', name);
    if (param !== null && !(param instanceof Parameter)) {
      throw new Error(`registerParameter('${name}'): expected a Parameter (wrap a tensor with new Parameter(t)), got ${describeValue(param)}`);
    }
    this.#registered.set(name, param);
    return param;
  }

  /** Adds a child module under an exact name. */
  registerModule<M extends Module>(name: string, module: M): M {
    checkName('registerModule', name);
    if (!(module instanceof Module)) {
      throw new Error(`registerModule('${name}'): expected a Module, got ${describeValue(module)}`);
    }
    this.#registered.set(name, module);
    return module;
  }

  /**
   * Adds a buffer: a tensor that is part of the module's state but not trained (e.g. BatchNorm's
   * running_mean). Persistent buffers are saved in the state dict. Returns the tensor.
   */
  registerBuffer<T extends Tensor | null>(name: string, tensor: T, options: RegisterBufferOptions = {}): T {
    checkName('registerBuffer', name);
    if (tensor !== null && !(tensor instanceof Tensor)) {
      throw new Error(`registerBuffer('${name}'): expected a Tensor or null, got ${describeValue(tensor)}`);
    }
    this.#buffers.set(name, { tensor, persistent: options.persistent ?? true });
    return tensor;
  }

  /** The buffer registered under `name` on this module. */
  getBuffer(name: string): Tensor | null {
    const slot = this.#buffers.get(name);
    if (slot === undefined) {
      throw new Error(`${this.constructor.name}.getBuffer: no buffer named '${name}' (buffers: ${[...this.#buffers.keys()].join(', ') || 'none'})`);
    }
    return slot.tensor;
  }

  /** Replaces the tensor of a registered buffer. */
  setBuffer(name: string, tensor: Tensor | null): void {
    const slot = this.#buffers.get(name);
    if (slot === undefined) {
      throw new Error(`${this.constructor.name}.setBuffer: no buffer named '${name}'; register it first with registerBuffer`);
    }
    slot.tensor = tensor;
  }

  #ownItems(): OwnItems {
    const items: OwnItems = { params: [], nestedParams: [], children: [], order: [] };
    const seen = new Set<unknown>();
    const visit = (name: string, value: unknown, direct: boolean): void => {
      if (value instanceof Parameter) {
        if (direct) items.params.push([name, value]);
        else {
          items.nestedParams.push([name, value]);
          items.order.push({ kind: 'param', name, value });
        }
      } else if (value instanceof Module) {
        items.children.push([name, value]);
        items.order.push({ kind: 'module', name, value });
      } else if (Array.isArray(value) || isPlainObject(value)) {
        if (seen.has(value)) return; // a container referenced twice (or a cycle) is walked once
        seen.add(value);
        for (const [key, item] of Object.entries(value)) visit(`${name}.${key}`, item, false);
      }
    };
    for (const field of Object.keys(this)) {
      visit(fieldToStateName(field), (this as Record<string, unknown>)[field], true);
    }
    for (const [name, value] of this.#registered) if (value !== null) visit(name, value, true);
    return items;
  }

  // ---- hooks ----------------------------------------------------------------------------

  /**
   * Runs fn(module, inputs) before every forward; a return value other than undefined replaces
   * the inputs (an array is the new argument list, anything else the single argument).
   */
  registerForwardPreHook(fn: ForwardPreHook<this>): RemovableHandle {
    return this.#forwardPreHooks.add(fn as ForwardPreHook<Module>, `${this.constructor.name}.registerForwardPreHook`);
  }

  /** Runs fn(module, inputs, output) after every forward; a return value other than undefined replaces the output. */
  registerForwardHook(fn: ForwardHook<this>): RemovableHandle {
    return this.#forwardHooks.add(fn as ForwardHook<Module>, `${this.constructor.name}.registerForwardHook`);
  }

  /**
   * Runs fn(module, gradInput, gradOutput) when the gradients with respect to the module's tensor
   * inputs have been computed (or, when no input requires grad, its output's); returning an array
   * replaces gradInput. The forward must return one Tensor.
   */
  registerFullBackwardHook(fn: FullBackwardHook<this>): RemovableHandle {
    return this.#backwardHooks.add(fn as FullBackwardHook<Module>, `${this.constructor.name}.registerFullBackwardHook`);
  }

  /**
   * Modules are invoked through `forward` (directly, by `call`, or by containers), so while hooks
   * are registered an instance-level `forward` wraps the class's one and runs them; it is removed
   * with the last hook.
   */
  #updateHookedForward(): void {
    const any = this.#forwardPreHooks.size + this.#forwardHooks.size + this.#backwardHooks.size > 0;
    if (any && this.#hookedForward === null) {
      const own = Object.getOwnPropertyDescriptor(this, 'forward');
      const original = this.forward as ForwardFn;
      const wrapper: ForwardFn = (...args) => this.#runWithHooks(original, args);
      Object.defineProperty(this, 'forward', { configurable: true, enumerable: false, writable: true, value: wrapper });
      this.#hookedForward = {
        wrapper,
        restore: () => {
          if (own !== undefined) Object.defineProperty(this, 'forward', own);
          else delete (this as { forward?: unknown }).forward;
        },
      };
    } else if (!any && this.#hookedForward !== null) {
      // Only undo our own wrapper: something installed later (summary's tracer) restores itself.
      if (Object.getOwnPropertyDescriptor(this, 'forward')?.value === this.#hookedForward.wrapper) this.#hookedForward.restore();
      this.#hookedForward = null;
    }
  }

  #runWithHooks(forward: ForwardFn, args: unknown[]): unknown {
    let inputs = args;
    for (const hook of this.#forwardPreHooks.snapshot()) {
      const result = hook(this, inputs);
      if (result !== undefined) inputs = Array.isArray(result) ? result : [result];
    }
    const run = (xs: unknown[]): unknown => {
      let output = forward.apply(this, xs);
      for (const hook of this.#forwardHooks.snapshot()) {
        const result = hook(this, xs, output);
        if (result !== undefined) output = result;
      }
      return output;
    };
    const backwardHooks = this.#backwardHooks.snapshot();
    if (backwardHooks.length === 0 || !isGradEnabled()) return run(inputs);
    const fire = (gradInput: (Tensor | null)[], gradOutput: (Tensor | null)[]): (Tensor | null)[] | undefined => {
      let current = gradInput;
      let replaced = false;
      for (const hook of backwardHooks) {
        const result = hook(this, current, gradOutput);
        if (result !== undefined) {
          current = result;
          replaced = true;
        }
      }
      return replaced ? current : undefined;
    };
    return withBackwardHooks(`${this.constructor.name} (full backward hook)`, inputs, fire, run);
  }

  // ---- traversal ------------------------------------------------------------------------

  /** The direct submodules with their names (array / object fields give dotted names like `layers.0`). */
  *namedChildren(): Generator<[string, Module]> {
    const seen = new Set<Module>();
    for (const [name, child] of this.#ownItems().children) {
      if (seen.has(child)) continue;
      seen.add(child);
      yield [name, child];
    }
  }

  *children(): Generator<Module> {
    for (const [, child] of this.namedChildren()) yield child;
  }

  /** This module and every submodule, pre-order, each once ('' names the module itself). */
  *namedModules(prefix = ''): Generator<[string, Module]> {
    const seen = new Set<Module>();
    function* walk(module: Module, name: string): Generator<[string, Module]> {
      if (seen.has(module)) return;
      seen.add(module);
      yield [name, module];
      for (const [childName, child] of module.namedChildren()) yield* walk(child, joinName(name, childName));
    }
    yield* walk(this, prefix);
  }

  *modules(): Generator<Module> {
    for (const [, module] of this.namedModules()) yield module;
  }

  /** Every parameter with its dotted name, shared parameters once (PyTorch order). */
  *namedParameters(options: { recurse?: boolean } = {}): Generator<[string, Parameter]> {
    const seen = new Set<Parameter>();
    const modules: Iterable<[string, Module]> = options.recurse === false ? [['', this]] : this.namedModules();
    for (const [prefix, module] of modules) {
      const own = module.#ownItems();
      for (const [name, param] of [...own.params, ...own.nestedParams]) {
        if (seen.has(param)) continue;
        seen.add(param);
        yield [joinName(prefix, name), param];
      }
    }
  }

  *parameters(options: { recurse?: boolean } = {}): Generator<Parameter> {
    for (const [, param] of this.namedParameters(options)) yield param;
  }

  /** Every buffer with its dotted name (non-persistent ones too), each once. */
  *namedBuffers(): Generator<[string, Tensor]> {
    const seen = new Set<Tensor>();
    for (const [prefix, module] of this.namedModules()) {
      for (const [name, slot] of module.#buffers) {
        if (slot.tensor === null || seen.has(slot.tensor)) continue;
        seen.add(slot.tensor);
        yield [joinName(prefix, name), slot.tensor];
      }
    }
  }

  *buffers(): Generator<Tensor> {
    for (const [, buffer] of this.namedBuffers()) yield buffer;
  }

  /** The submodule at a dotted path ('encoder.layers.0'). */
  getSubmodule(target: string): Module {
    if (target === '') return this;
    for (const [name, module] of this.namedModules()) if (name === target) return module;
    throw new Error(`${this.constructor.name}.getSubmodule: no submodule named '${target}'`);
  }

  /** The parameter at a dotted path ('encoder.layers.0.weight'). */
  getParameter(target: string): Parameter {
    for (const [name, param] of this.namedParameters()) if (name === target) return param;
    throw new Error(`${this.constructor.name}.getParameter: no parameter named '${target}'`);
  }

  // ---- modes and bulk operations --------------------------------------------------------

  /** Sets training mode on this module and every submodule. */
  train(mode = true): this {
    for (const module of this.modules()) module.training = mode;
    return this;
  }

  /** Evaluation mode: train(false). */
  eval(): this {
    return this.train(false);
  }

  /** Calls fn on every submodule (children first) and then on this module, as PyTorch. */
  apply(fn: (module: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /** Turns gradient tracking on or off for every parameter. */
  requiresGrad_(flag = true): this {
    for (const param of this.parameters()) param.requiresGrad_(flag);
    return this;
  }

  /** Stops training every parameter (for transfer learning): requiresGrad_(false). */
  freeze(): this {
    return this.requiresGrad_(false);
  }

  /** Trains every parameter again: requiresGrad_(true). */
  unfreeze(): this {
    return this.requiresGrad_(true);
  }

  /**
   * Throws where `what` needs every shape but a lazy layer has not run yet, naming the layer
   * (torch raises on the first use of an uninitialized parameter instead).
   */
  #requireInitialized(what: string): void {
    for (const [prefix, module] of this.namedModules()) {
      const own = module.#ownItems();
      const pending = [...own.params, ...own.nestedParams].filter(([, p]) => isUninitialized(p)).map(([n]) => n);
      for (const [name, slot] of module.#buffers) if (slot.tensor !== null && isUninitialized(slot.tensor)) pending.push(name);
      if (pending.length === 0) continue;
      const where = prefix === '' ? module.constructor.name : `'${prefix}' (${module.constructor.name})`;
      throw new Error(
        `${this.constructor.name}.${what}: ${where} has uninitialized parameters (${pending.join(', ')}): their shapes are ` +
          'inferred from its first input; run a forward pass (or nn.summary(model, inputShape)) first',
      );
    }
  }

  /** The number of scalar weights, shared parameters counted once. */
  numParameters(options: NumParametersOptions = {}, ...extra: []): number {
    parseOptions(`${this.constructor.name}.numParameters`, options, { trainableOnly: bool }, extra);
    this.#requireInitialized('numParameters');
    let count = 0;
    for (const param of this.parameters()) {
      if (options.trainableOnly === true && !param.requiresGrad) continue;
      count += param.numel();
    }
    return count;
  }

  /** Clears every parameter's gradient (sets it to null, or to zeros with setToNone: false). */
  zeroGrad(...args: Args<[setToNone: boolean], ZeroGradOptions>): void {
    const { setToNone = true } = parseArgs(`${this.constructor.name}.zeroGrad`, args, { setToNone: bool });
    for (const param of this.parameters()) {
      if (param.grad === null) continue;
      if (!setToNone) param.grad = zeros(param.grad.shape, { dtype: param.grad.dtype });
      else param.grad = null;
    }
  }

  /**
   * Converts every floating-point parameter and buffer to `dtype` (e.g. float64 for gradCheck).
   * Parameters are replaced by new Parameter objects (tied ones stay tied), so build optimizers
   * after converting. Layers must read buffers through getBuffer, not cached fields.
   */
  to(dtype: FloatDType): this {
    if (!isFloat(dtype)) throw new Error(`${this.constructor.name}.to: expected a floating-point dtype, got ${String(dtype)}`);
    const converted = new Map<Parameter, Parameter>();
    const convert = (p: Parameter): Parameter => {
      if (p.dtype === dtype || !isFloat(p.dtype)) return p;
      if (p instanceof UninitializedParameter) {
        p.retype(dtype); // still the same object: materialized later with this dtype
        return p;
      }
      let q = converted.get(p);
      if (q === undefined) {
        q = new Parameter(p.detach().to(dtype), p.requiresGrad);
        converted.set(p, q);
      }
      return q;
    };
    for (const module of this.modules()) module.#convertParameters(convert, dtype);
    return this;
  }

  /** float64 parameters and buffers: to('float64'). */
  double(): this {
    return this.to('float64');
  }

  /** float32 parameters and buffers: to('float32'). */
  float(): this {
    return this.to('float32');
  }

  #convertParameters(convert: (p: Parameter) => Parameter, dtype: FloatDType): void {
    const seen = new Set<unknown>();
    const visit = (holder: Record<string, unknown>, key: string): void => {
      const value = holder[key];
      if (value instanceof Parameter) holder[key] = convert(value);
      else if ((Array.isArray(value) || isPlainObject(value)) && !seen.has(value)) {
        seen.add(value);
        for (const k of Object.keys(value)) visit(value as Record<string, unknown>, k);
      }
    };
    for (const field of Object.keys(this)) visit(this as Record<string, unknown>, field);
    for (const [name, value] of this.#registered) {
      if (value instanceof Parameter) this.#registered.set(name, convert(value));
    }
    for (const slot of this.#buffers.values()) {
      if (slot.tensor instanceof UninitializedBuffer) slot.tensor.retype(dtype);
      else if (slot.tensor !== null && isFloat(slot.tensor.dtype) && slot.tensor.dtype !== dtype) slot.tensor = slot.tensor.to(dtype);
    }
  }

  // ---- state dict -----------------------------------------------------------------------

  /**
   * Parameters and persistent buffers by dotted name, detached but sharing storage with the
   * module (PyTorch's state_dict). Tied weights appear under each of their names.
   */
  stateDict(): StateDict {
    this.#requireInitialized('stateDict');
    const dict: StateDict = {};
    const active = new Set<Module>();
    const walk = (module: Module, prefix: string): void => {
      if (active.has(module)) {
        throw new Error(`stateDict: module '${prefix}' (${module.constructor.name}) contains itself; modules must form a tree`);
      }
      active.add(module);
      const own = module.#ownItems();
      // setOwn: a user's name `__proto__` must be a key, not the dict's prototype.
      for (const [name, param] of own.params) setOwn(dict, joinName(prefix, name), param.detach());
      for (const [name, slot] of module.#buffers) {
        if (slot.persistent && slot.tensor !== null) setOwn(dict, joinName(prefix, name), slot.tensor.detach());
      }
      for (const item of own.order) {
        if (item.kind === 'param') setOwn(dict, joinName(prefix, item.name), item.value.detach());
        else walk(item.value, joinName(prefix, item.name));
      }
      active.delete(module);
    };
    walk(this, '');
    return dict;
  }

  /** Where each state-dict key lives, for loading: the target tensor and whether it is a buffer. */
  #stateTargets(): Map<string, Tensor> {
    const targets = new Map<string, Tensor>();
    for (const [prefix, module] of this.#allNamedModules()) {
      const own = module.#ownItems();
      for (const [name, param] of [...own.params, ...own.nestedParams]) targets.set(joinName(prefix, name), param);
      for (const [name, slot] of module.#buffers) {
        if (slot.persistent && slot.tensor !== null) targets.set(joinName(prefix, name), slot.tensor);
      }
    }
    return targets;
  }

  /**
   * Lazy modules take their shapes from the dict (as torch's lazy load hook): each one with
   * uninitialized tensors that the dict has is materialized to fit them; the values are copied after.
   */
  #materializeFromState(given: ReadonlyMap<string, Tensor>): void {
    for (const [prefix, module] of this.#allNamedModules()) {
      const shapes = new Map<string, readonly number[]>();
      const own = module.#ownItems();
      const local: [string, Tensor][] = [...own.params, ...own.nestedParams];
      for (const [name, slot] of module.#buffers) if (slot.tensor !== null) local.push([name, slot.tensor]);
      for (const [name, t] of local) {
        const source = given.get(joinName(prefix, name));
        if (isUninitialized(t) && source !== undefined) shapes.set(name, source.shape);
      }
      if (shapes.size === 0) continue;
      const lazy = module as Partial<MaterializesFromState>;
      if (typeof lazy[MATERIALIZE_FROM_STATE] !== 'function') {
        throw new Error(`loadStateDict: '${prefix}' (${module.constructor.name}) has uninitialized tensors and no way to shape them from a state dict`);
      }
      lazy[MATERIALIZE_FROM_STATE](shapes);
    }
  }

  /** Every module under every name it has (shared submodules more than once), as stateDict walks. */
  *#allNamedModules(): Generator<[string, Module]> {
    function* walk(module: Module, prefix: string, depth: number): Generator<[string, Module]> {
      if (depth > 1000) throw new Error('loadStateDict: modules nest more than 1000 deep; is a module its own descendant?');
      yield [prefix, module];
      for (const [name, child] of module.#ownItems().children) yield* walk(child, joinName(prefix, name), depth + 1);
    }
    yield* walk(this, '', 0);
  }

  /**
   * Copies values from a state dict into this module's parameters and buffers (in place, cast to
   * their dtype). With strict (default), missing and unexpected keys are errors; a shape mismatch
   * is always an error. Returns the missing and unexpected keys.
   */
  loadStateDict(dict: StateDict | Map<string, Tensor>, ...args: Args<[strict: boolean], LoadStateDictOptions>): LoadStateDictResult {
    // torch's load_state_dict(sd, False) once read as options and stayed strict.
    const { strict = true } = parseArgs(`${this.constructor.name}.loadStateDict`, args, { strict: bool });
    const entries = dict instanceof Map ? [...dict.entries()] : Object.entries(dict);
    const given = new Map<string, Tensor>();
    const problems: string[] = [];
    for (const [key, value] of entries) {
      if (!(value instanceof Tensor)) problems.push(`value for key '${key}' is not a Tensor but ${describeValue(value)}`);
      else given.set(key, value);
    }
    this.#materializeFromState(given);
    const targets = this.#stateTargets();
    const keys = new Set(entries.map(([k]) => k));
    const missingKeys = [...targets.keys()].filter((k) => !keys.has(k));
    const unexpectedKeys = entries.map(([k]) => k).filter((k) => !targets.has(k));
    for (const [key, target] of targets) {
      const source = given.get(key);
      if (source === undefined) continue;
      if (!sameShape(source.shape, target.shape)) {
        problems.push(`size mismatch for '${key}': the state dict has shape ${shapeStr(source.shape)}, the module expects ${shapeStr(target.shape)}`);
      } else if (source.dtype === 'bool' && target.dtype !== 'bool') {
        problems.push(`dtype mismatch for '${key}': the state dict has dtype bool, the module expects ${target.dtype}`);
      }
    }
    if (strict) {
      for (const key of missingKeys) {
        const target = targets.get(key)!;
        problems.push(`missing key '${key}' (${isUninitialized(target) ? 'uninitialized' : `shape ${shapeStr(target.shape)}`})`);
      }
      for (const key of unexpectedKeys) problems.push(`unexpected key '${key}'`);
    }
    if (problems.length > 0) {
      const hint =
        strict && (missingKeys.length > 0 || unexpectedKeys.length > 0)
          ? '\n  (is the state dict from another architecture? pass { strict: false } to load only the matching keys)'
          : '';
      throw new Error(`Error(s) in loading state dict for ${this.constructor.name}:\n  ${problems.join('\n  ')}${hint}`);
    }
    noGrad(() => {
      for (const [key, target] of targets) {
        const source = given.get(key);
        if (source !== undefined) target.copy_(source);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---- display --------------------------------------------------------------------------

  /** The part inside the parentheses of this module's one-line description (override in layers). */
  extraRepr(): string {
    return '';
  }

  /** PyTorch-style tree description: `Sequential(\n  (0): Linear(inFeatures=2, ...)\n)`. */
  toString(): string {
    const childLines = [...this.namedChildren()].map(([name, child]) => {
      const text = child.toString().split('\n').join('\n  ');
      return `  (${name}): ${text}`;
    });
    const extra = this.extraRepr();
    const lines = [...(extra === '' ? [] : extra.split('\n').map((l) => `  ${l}`)), ...childLines];
    if (childLines.length === 0) return `${this.constructor.name}(${extra})`;
    return `${this.constructor.name}(\n${lines.join('\n')}\n)`;
  }

  /**
   * A Keras-like table of every submodule in the order it first runs, its output shape and its
   * parameter count, from a forward pass on zeros (in eval mode, without gradients).
   * `inputShape` includes the batch dimension; give an array of shapes for several inputs.
   */
  summary(inputShape: readonly number[] | readonly (readonly number[])[], options: SummaryOptions = {}, ...extra: []): string {
    parseOptions(`${this.constructor.name}.summary`, options, { dtype: dtypeArg }, extra);
    if (!Array.isArray(inputShape)) {
      throw new Error(`${this.constructor.name}.summary: inputShape must be a shape (with the batch dim) or a list of shapes, got ${describeValue(inputShape)}`);
    }
    const shapes: (readonly number[])[] =
      inputShape.length > 0 && Array.isArray(inputShape[0]) ? [...(inputShape as readonly (readonly number[])[])] : [inputShape as readonly number[]];
    for (const shape of shapes) {
      if (!shape.every((d) => isSize(d))) {
        throw new Error(`${this.constructor.name}.summary: input shapes must be lists of non-negative integers, got ${JSON.stringify(inputShape)}`);
      }
    }
    const inputs = shapes.map((shape) => zeros(shape, { dtype: options.dtype ?? 'float32' }));

    interface Row { name: string; depth: number; module: Module; output: string }
    const rows: Row[] = [];
    // Each submodule once, with its name within its parent and its nesting depth.
    const named: [string, Module, number][] = [];
    const seen = new Set<Module>([this]);
    const walk = (module: Module, depth: number): void => {
      for (const [name, child] of module.namedChildren()) {
        if (seen.has(child)) continue;
        seen.add(child);
        named.push([name, child, depth]);
        walk(child, depth + 1);
      }
    };
    walk(this, 0);
    const traced = new Map<Module, Row>();
    const restore: (() => void)[] = [];
    for (const [name, module, depth] of named) {
      const row: Row = {
        name,
        depth,
        module,
        output: '',
      };
      const original = module.forward as ForwardFn;
      const hadOwn = Object.prototype.hasOwnProperty.call(module, 'forward');
      // An instance-level wrapper records the output however the parent invokes the child.
      Object.defineProperty(module, 'forward', {
        configurable: true,
        enumerable: false,
        writable: true,
        value: (...args: unknown[]): unknown => {
          const first = !traced.has(module);
          if (first) {
            traced.set(module, row);
            rows.push(row); // at the start of the call, so parents precede their children
          }
          const out = original.apply(module, args);
          if (first) row.output = describeOutput(out);
          return out;
        },
      });
      restore.push(() => {
        if (hadOwn) Object.defineProperty(module, 'forward', { configurable: true, enumerable: false, writable: true, value: original });
        else delete (module as { forward?: unknown }).forward;
      });
    }
    const modes = [...this.modules()].map((m) => [m, m.training] as const);
    let output: unknown;
    try {
      this.eval();
      output = noGrad(() => (this.forward as ForwardFn).apply(this, inputs));
    } finally {
      for (const undo of restore) undo();
      for (const [m, mode] of modes) m.training = mode;
    }
    const table: string[][] = [
      [`${this.constructor.name} (input ${shapes.map(shapeStr).join(', ')})`, describeOutput(output), formatCount(this.numParameters())],
      // Types and counts after the forward: lazy layers have taken their shapes (and their eager class).
      ...rows.map((r) => [`${'  '.repeat(r.depth + 1)}${r.name} (${r.module.constructor.name})`, r.output, formatCount(r.module.numParameters())]),
    ];
    const headers = ['Layer (type)', 'Output Shape', 'Param #'];
    const widths = headers.map((h, c) => Math.max(h.length, ...table.map((row) => row[c]!.length)) + 2);
    const line = (cells: readonly string[]): string => cells.map((cell, c) => (c === 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('').trimEnd();
    const total = this.numParameters();
    const trainable = this.numParameters({ trainableOnly: true });
    const rule = '='.repeat(widths.reduce((a, b) => a + b, 0));
    return [
      line(headers),
      rule,
      ...table.map(line),
      rule,
      `Total params: ${formatCount(total)}`,
      `Trainable params: ${formatCount(trainable)}`,
      `Non-trainable params: ${formatCount(total - trainable)}`,
    ].join('\n');
  }
}

/**
 * torchinfo's summary(model, input_size), Keras's model.summary(): the table of every layer's
 * output shape and parameter count from one forward pass on zeros of `inputShape` (batch dim
 * included; a list of shapes for several inputs). Lazy layers take their shapes from that pass.
 */
export function summary(model: Module, inputShape: readonly number[] | readonly (readonly number[])[], options: SummaryOptions = {}, ...extra: []): string {
  if (!(model instanceof Module)) throw new Error(`summary: expected a Module, got ${describeValue(model)}`);
  return model.summary(inputShape, options, ...extra);
}
