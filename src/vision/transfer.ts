/**
 * The transfer-learning recipe's two tools: features of a frozen backbone computed once (so only
 * the head trains, on the cached features), and parameter groups that fine-tune the last blocks
 * with their own learning rate while the rest stays frozen.
 */
import { cat, nn, noGrad, Tensor, type optim } from '../index.js';
import { withEvalMode } from './features.js';
import { checkOptionKeys, requireOptions } from '../ops/args.js';

export interface PrecomputeOptions {
  /** Images per forward pass (default 256). */
  batchSize?: number;
}

/**
 * The backbone's outputs for every image, computed once in eval mode without gradients, batch by
 * batch: train a head on them instead of running the frozen backbone every epoch. Save them with
 * `save({ features, labels }, 'cache.safetensors')` (nabla/node) to reuse them across runs.
 */
export function precomputeFeatures(backbone: nn.Module, images: Tensor, options: PrecomputeOptions = {}): Tensor {
  const op = 'precomputeFeatures';
  if (!(backbone instanceof nn.Module)) throw new Error(`${op}: expected an nn.Module, got ${backbone === null ? 'null' : typeof backbone}`);
  if (!(images instanceof Tensor) || images.ndim < 1 || images.shape[0] === 0) {
    throw new Error(`${op}: images must be a non-empty batch [N, ...], got ${images instanceof Tensor ? `shape [${images.shape.join(', ')}]` : typeof images}`);
  }
  checkOptionKeys(op, options, ['batchSize']);
  const { batchSize = 256 } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`${op}: batchSize must be an integer >= 1, got ${String(batchSize)}`);
  return withEvalMode(backbone, () =>
    noGrad(() => {
      const n = images.shape[0]!;
      const parts: Tensor[] = [];
      for (let start = 0; start < n; start += batchSize) {
        const out = (backbone.forward as (x: Tensor) => unknown)(images.narrow(0, start, Math.min(batchSize, n - start)));
        if (!(out instanceof Tensor)) throw new Error(`${op}: the backbone must return a Tensor, got ${out === null ? 'null' : typeof out}`);
        parts.push(out);
      }
      return parts.length === 1 ? parts[0]! : cat(parts, 0);
    }),
  );
}

export interface FineTuneOptions {
  /** Names of the modules that train with `lr` (the new head), e.g. ['fc'] or ['classifier.6']. */
  head: readonly string[];
  lr: number;
  /** Names of the backbone's modules to fine-tune with `blocksLr` (the last k blocks), e.g. ['layer4']. */
  blocks?: readonly string[];
  /** Their learning rate (default lr / 10: pretrained weights move less than a new head). */
  blocksLr?: number;
}

/**
 * Freezes every parameter of the model, unfreezes the head's and the named blocks', and returns
 * the parameter groups for an optimizer: `new optim.Adam(vision.fineTuneGroups(model, { head:
 * ['fc'], lr: 1e-3, blocks: ['layer4'] }))`. Batch-norm statistics still update in train mode:
 * put frozen parts in eval mode if they should not.
 */
export function fineTuneGroups(model: nn.Module, options: FineTuneOptions): optim.ParamGroupInput<{ lr: number }>[] {
  const op = 'fineTuneGroups';
  if (!(model instanceof nn.Module)) throw new Error(`${op}: expected an nn.Module, got ${model === null ? 'null' : typeof model}`);
  requireOptions(op, options, ['head', 'lr', 'blocks?', 'blocksLr?']);
  checkOptionKeys(op, options, ['head', 'lr', 'blocks', 'blocksLr']);
  const { head, lr, blocks = [], blocksLr = lr / 10 } = options;
  for (const [name, v] of [['lr', lr], ['blocksLr', blocksLr]] as const) {
    if (typeof v !== 'number' || !(v >= 0)) throw new Error(`${op}: ${name} must be a number >= 0, got ${String(v)}`);
  }
  const modules = new Map([...model.namedModules()].filter(([name]) => name !== ''));
  const paramsOf = (names: unknown, what: string): Tensor[] => {
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) throw new Error(`${op}: ${what} must be an array of module names`);
    return names.flatMap((name: string) => {
      const module = modules.get(name);
      if (module === undefined) throw new Error(`${op}: no module named '${name}' in ${model.constructor.name}; modules: ${[...modules.keys()].join(', ')}`);
      return [...module.parameters()];
    });
  };
  const headParams = paramsOf(head, 'head');
  if (headParams.length === 0) throw new Error(`${op}: the head (${head.join(', ')}) has no parameters`);
  const blockParams = paramsOf(blocks, 'blocks');
  if (blockParams.some((p) => headParams.includes(p))) throw new Error(`${op}: a module is both in head and in blocks`);
  model.freeze();
  for (const p of [...headParams, ...blockParams]) p.requiresGrad_(true);
  return blockParams.length === 0 ? [{ params: headParams, lr }] : [{ params: headParams, lr }, { params: blockParams, lr: blocksLr }];
}
