/** Containers: Sequential, ModuleList, ModuleDict, and the pass-through Identity. */
import { Tensor } from '../tensor/tensor.js';
import { shapeStr } from '../tensor/shape.js';
import { Module } from './module.js';
import { convChainNd, type ConvChainLayer } from '../ops/conv.js';
import { activeTracer } from '../autograd/trace.js';
import type { DType } from '../tensor/dtype.js';

type ForwardFn = (...args: unknown[]) => unknown;

function checkModule(where: string, value: unknown): asserts value is Module {
  if (!(value instanceof Module)) {
    const got = value instanceof Tensor ? `a tensor of shape ${shapeStr(value.shape)}` : value === null ? 'null' : typeof value;
    throw new Error(`${where}: expected a Module, got ${got}`);
  }
}

function checkIndex(where: string, index: number, length: number): number {
  if (!Number.isInteger(index) || index < -length || index >= length) {
    throw new Error(`${where}: index ${index} is out of range for ${length} modules`);
  }
  return index < 0 ? index + length : index;
}

/**
 * Modules applied one after another, each to the previous one's output. Children are named
 * '0', '1', ... so state-dict keys are '0.weight', '2.bias', as in PyTorch.
 */
export class Sequential extends Module {
  #items: Module[] = [];

  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => this.append(m, `Sequential: argument ${i}`));
  }

  /** Adds a module at the end. */
  append(module: Module, where = 'Sequential.append'): this {
    checkModule(where, module);
    this.registerModule(String(this.#items.length), module);
    this.#items.push(module);
    return this;
  }

  get length(): number {
    return this.#items.length;
  }

  /** The module at an index (negative counts from the end). */
  at(index: number): Module {
    return this.#items[checkIndex('Sequential.at', index, this.#items.length)]!;
  }

  /** Replaces the module at an index (negative counts from the end), as PyTorch's `seq[i] = module`. */
  set(index: number, module: Module): this {
    const i = checkIndex('Sequential.set', index, this.#items.length);
    checkModule(`Sequential.set(${index})`, module);
    this.registerModule(String(i), module);
    this.#items[i] = module;
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.#items[Symbol.iterator]();
  }

  forward(input: Tensor): Tensor {
    let value: unknown = input;
    const items = this.#items;
    for (let i = 0; i < items.length; ) {
      // A tracer (ONNX export, fuseForInference) sees the convolutions one by one.
      const run = value instanceof Tensor && activeTracer() === null ? convRun(items, i, value) : null;
      if (run !== null) {
        value = convChainNd(value as Tensor, run.layers);
        i = run.end;
        continue;
      }
      const module = items[i++]!;
      value = (module.forward as ForwardFn).call(module, value);
    }
    if (!(value instanceof Tensor)) {
      throw new Error(`Sequential: the last module returned ${value === null ? 'null' : typeof value}, not a Tensor`);
    }
    return value;
  }
}

/** A convolution layer that can be a step of a chain (layers/conv.ts ConvNd.chainStep). */
interface ChainableConv {
  readonly outChannels: number;
  chainStep(ndim: number, channels: number, dtype: DType): ConvChainLayer | null;
}

const isChainable = (m: Module): m is Module & ChainableConv => typeof (m as Partial<ChainableConv>).chainStep === 'function';

/**
 * The convolutions that the modules from items[start] on compute one after another on x, as one
 * chain for ops/conv.ts convChainNd (convolutions, Identity, and Sequentials wholly of them, none
 * hooked or overridden), and the index where the run ends; null for fewer than two convolutions.
 * The chain keeps the intermediate results in the backend's memory (inference through
 * MobileNetV2's expansion, depthwise and projection convolutions: no copies between them).
 */
function convRun(items: readonly Module[], start: number, x: Tensor): { layers: ConvChainLayer[]; end: number } | null {
  const layers: ConvChainLayer[] = [];
  let channels = x.shape[1] ?? 0;
  /** Appends the steps of m when all of it chains, else leaves layers as they were. */
  const take = (m: Module): boolean => {
    if (m.forward === Identity.prototype.forward) return true;
    if (isChainable(m)) {
      const step = m.chainStep(x.ndim, channels, x.dtype);
      if (step === null) return false;
      layers.push(step);
      channels = m.outChannels;
      return true;
    }
    if (m.forward !== Sequential.prototype.forward) return false;
    const [before, channelsBefore] = [layers.length, channels];
    for (const child of m as Sequential) {
      if (!take(child)) {
        layers.length = before;
        channels = channelsBefore;
        return false;
      }
    }
    return true;
  };
  let end = start;
  while (end < items.length && take(items[end]!)) end++;
  return layers.length >= 2 ? { layers, end } : null;
}

/** A list of modules whose parameters are registered ('0.weight', ...); it has no forward of its own. */
export class ModuleList extends Module {
  #items: Module[] = [];

  constructor(modules: Iterable<Module> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  append(module: Module): this {
    checkModule('ModuleList.append', module);
    this.registerModule(String(this.#items.length), module);
    this.#items.push(module);
    return this;
  }

  extend(modules: Iterable<Module>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  get length(): number {
    return this.#items.length;
  }

  at(index: number): Module {
    return this.#items[checkIndex('ModuleList.at', index, this.#items.length)]!;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.#items[Symbol.iterator]();
  }

  forward(): never {
    throw new Error('ModuleList has no forward: iterate over it and call each module');
  }
}

/** Modules by name, in insertion order; keys become the state-dict prefixes. */
export class ModuleDict extends Module {
  #items = new Map<string, Module>();

  constructor(modules: Record<string, Module> | Iterable<[string, Module]> = {}) {
    super();
    const entries = Symbol.iterator in modules ? [...(modules as Iterable<[string, Module]>)] : Object.entries(modules);
    for (const [key, m] of entries) this.set(key, m);
  }

  set(key: string, module: Module): this {
    checkModule(`ModuleDict.set('${key}')`, module);
    this.registerModule(key, module);
    this.#items.set(key, module);
    return this;
  }

  get(key: string): Module {
    const m = this.#items.get(key);
    if (m === undefined) throw new Error(`ModuleDict.get: no module named '${key}' (keys: ${[...this.#items.keys()].join(', ') || 'none'})`);
    return m;
  }

  has(key: string): boolean {
    return this.#items.has(key);
  }

  keys(): string[] {
    return [...this.#items.keys()];
  }

  values(): Module[] {
    return [...this.#items.values()];
  }

  entries(): [string, Module][] {
    return [...this.#items.entries()];
  }

  get size(): number {
    return this.#items.size;
  }

  forward(): never {
    throw new Error('ModuleDict has no forward: look modules up by key and call them');
  }
}

/** Returns its input unchanged (a placeholder, e.g. to remove a layer from a model). */
export class Identity extends Module {
  forward(input: Tensor): Tensor {
    return input;
  }
}
