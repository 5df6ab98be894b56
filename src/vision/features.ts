/**
 * featureExtractor: a model's intermediate outputs by module name in one forward pass
 * (torchvision's create_feature_extractor role), built on forward hooks.
 */
import { nn, Tensor } from '../index.js';

/** Node names, or a map from node name to the key of its output in the result. */
export type ReturnNodes = readonly string[] | Readonly<Record<string, string>>;

/** Thrown by the last hook needed, to skip the layers after it. */
class StopForward {}

interface Target {
  module: nn.Module;
  /** Which call of the module: 0 for 'layer1.0.relu', 1 for 'layer1.0.relu_1' (its second call). */
  call: number;
  key: string;
  node: string;
}

/**
 * Runs the wrapped model and returns the requested submodules' outputs: `forward(x)` gives
 * `{ [key]: Tensor }`. The layers after the last requested one are not run. The model is its one
 * child, `model` (parameters shared, not copied; state-dict keys `model.conv1.weight`, ...).
 */
export class FeatureExtractor extends nn.Module {
  readonly model: nn.Module;
  readonly #targets: Target[];

  constructor(model: nn.Module, returnNodes: ReturnNodes) {
    super();
    if (!(model instanceof nn.Module)) throw new Error(`featureExtractor: expected a Module, got ${model === null ? 'null' : typeof model}`);
    const pairs = Array.isArray(returnNodes)
      ? (returnNodes as readonly string[]).map((n) => [n, n] as const)
      : returnNodes !== null && typeof returnNodes === 'object'
        ? Object.entries(returnNodes as Record<string, string>)
        : null;
    if (pairs === null || pairs.length === 0) {
      throw new Error('featureExtractor: returnNodes must be a non-empty array of node names or a { node: outputKey } object');
    }
    const modules = new Map([...model.namedModules()].filter(([name]) => name !== ''));
    const keys = new Set<string>();
    this.#targets = pairs.map(([node, key]) => {
      if (typeof node !== 'string' || typeof key !== 'string') throw new Error(`featureExtractor: node names and output keys must be strings, got ${String(node)}: ${String(key)}`);
      if (keys.has(key)) throw new Error(`featureExtractor: output key '${key}' is used twice`);
      keys.add(key);
      const direct = modules.get(node);
      if (direct !== undefined) return { module: direct, call: 0, key, node };
      const repeat = /^(.*)_([1-9][0-9]*)$/.exec(node);
      const base = repeat === null ? undefined : modules.get(repeat[1]!);
      if (base !== undefined) return { module: base, call: Number(repeat![2]), key, node };
      throw new Error(
        `featureExtractor: no node named '${node}' in ${model.constructor.name}. Valid names (a module's second call is 'name_1'): ` +
          `${[...modules.keys()].join(', ')}`,
      );
    });
    this.model = model;
  }

  /** The node names the extractor returns, with their output keys. */
  get returnNodes(): Record<string, string> {
    return Object.fromEntries(this.#targets.map((t) => [t.node, t.key]));
  }

  forward(...inputs: unknown[]): Record<string, Tensor> {
    const found = new Map<string, Tensor>();
    const calls = new Map<nn.Module, number>();
    const handles = [...new Set(this.#targets.map((t) => t.module))].map((module) =>
      module.registerForwardHook((m, _inputs, output) => {
        const call = calls.get(m) ?? 0;
        calls.set(m, call + 1);
        for (const target of this.#targets) {
          if (target.module !== m || target.call !== call) continue;
          if (!(output instanceof Tensor)) {
            throw new Error(`featureExtractor: node '${target.node}' (${m.constructor.name}) returned ${output === null ? 'null' : typeof output}, not a Tensor`);
          }
          found.set(target.key, output);
        }
        if (found.size === this.#targets.length) throw new StopForward();
      }),
    );
    try {
      (this.model.forward as (...args: unknown[]) => unknown)(...inputs);
    } catch (e) {
      if (!(e instanceof StopForward)) throw e;
    } finally {
      for (const handle of handles) handle.remove();
    }
    const missing = this.#targets.filter((t) => !found.has(t.key));
    if (missing.length > 0) {
      const ran = (t: Target): number => calls.get(t.module) ?? 0;
      throw new Error(
        `featureExtractor: ${missing.map((t) => `'${t.node}' (the module ran ${ran(t)} time${ran(t) === 1 ? '' : 's'})`).join(', ')} ` +
          'produced no output in this forward pass',
      );
    }
    return Object.fromEntries(this.#targets.map((t) => [t.key, found.get(t.key)!]));
  }
}

/**
 * The outputs of the named submodules in one forward pass: `featureExtractor(model, ['layer2',
 * 'layer4.1.relu']).forward(x)` returns `{ layer2: Tensor, 'layer4.1.relu': Tensor }`. Names are
 * dotted module paths (a module that runs twice in one forward, like a ResNet block's relu, gives
 * its second output as 'name_1', as torchvision's node names); pass `{ node: key }` to rename.
 */
export function featureExtractor(model: nn.Module, returnNodes: ReturnNodes): FeatureExtractor {
  return new FeatureExtractor(model, returnNodes);
}

/**
 * Runs fn with the module's parameters' requiresGrad off (restored after), so a graph built in fn
 * reaches the inputs only: gradients with respect to images leave the model's .grad untouched.
 */
export function withFrozenParameters<T>(module: nn.Module, fn: () => T): T {
  const trainable = [...module.parameters()].filter((p) => p.requiresGrad);
  trainable.forEach((p) => p.requiresGrad_(false));
  try {
    return fn();
  } finally {
    trainable.forEach((p) => p.requiresGrad_(true));
  }
}

/** Runs fn with the module in eval mode (dropout off, batch-norm running statistics), restoring every submodule's mode after. */
export function withEvalMode<T>(module: nn.Module, fn: () => T): T {
  const modes = [...module.modules()].map((m) => [m, m.training] as const);
  module.eval();
  try {
    return fn();
  } finally {
    for (const [m, mode] of modes) m.training = mode;
  }
}
