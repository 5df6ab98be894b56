/**
 * toTorchSource(model): the PyTorch definition of a Nabla Sequential of standard layers, so a
 * model trained here continues in PyTorch with `model.load_state_dict(torch.load('model.pth'))`:
 * the printed `nn.Sequential` has the same children in the same order, hence the same state-dict
 * keys ('0.weight', '3.running_mean', ...). Layers are read from their public fields, and any
 * layer it cannot express exactly is an error naming it (never a silently different model).
 */
import { Module } from '../nn/module.js';
import { Sequential } from '../nn/containers.js';
import * as L from '../nn/index.js';
import { checkOptionKeys } from '../ops/args.js';

export interface TorchSourceOptions {
  /** The Python variable the model is assigned to (default 'model'). */
  name?: string;
}

const pyBool = (value: boolean): string => (value ? 'True' : 'False');
/** An int or a tuple of ints, as PyTorch takes them. */
const pyInts = (value: number | readonly number[]): string =>
  typeof value === 'number' ? String(value) : value.length === 1 ? `(${value[0]},)` : `(${value.join(', ')})`;

function convSource(layer: L.Conv1d | L.Conv2d | L.Conv3d): string | undefined {
  const p = layer.padding;
  if (typeof p === 'object' && p.some((side) => typeof side !== 'number')) return undefined; // per-side padding: torch's Conv has none
  const padding = typeof p === 'string' ? `'${p}'` : pyInts(p as number | readonly number[]);
  return `nn.${layer.layerName}(${layer.inChannels}, ${layer.outChannels}, kernel_size=${pyInts(layer.kernelSize)}, stride=${pyInts(layer.stride)}, ` +
    `padding=${padding}, dilation=${pyInts(layer.dilation)}, groups=${layer.groups}, bias=${pyBool(layer.bias !== null)}, padding_mode='${layer.paddingMode}')`;
}

/** One layer as a PyTorch constructor call; undefined for layers this helper does not cover. */
function layerSource(layer: Module): string | undefined {
  if (layer instanceof L.Linear) return `nn.Linear(${layer.inFeatures}, ${layer.outFeatures}, bias=${pyBool(layer.bias !== null)})`;
  if (layer instanceof L.Conv1d || layer instanceof L.Conv2d || layer instanceof L.Conv3d) return convSource(layer);
  if (layer instanceof L.MaxPool1d || layer instanceof L.MaxPool2d || layer instanceof L.MaxPool3d) {
    if (layer.returnIndices) return undefined;
    return `nn.${layer.layerName}(kernel_size=${pyInts(layer.kernelSize)}, stride=${pyInts(layer.stride)}, padding=${pyInts(layer.padding)}, ` +
      `dilation=${pyInts(layer.dilation)}, ceil_mode=${pyBool(layer.ceilMode)})`;
  }
  if (layer instanceof L.AvgPool1d || layer instanceof L.AvgPool2d || layer instanceof L.AvgPool3d) {
    return `nn.${layer.layerName}(kernel_size=${pyInts(layer.kernelSize)}, stride=${pyInts(layer.stride)}, padding=${pyInts(layer.padding)}, ` +
      `ceil_mode=${pyBool(layer.ceilMode)}, count_include_pad=${pyBool(layer.countIncludePad)}` +
      (layer.divisorOverride === null ? ')' : `, divisor_override=${layer.divisorOverride})`);
  }
  if (layer instanceof L.AdaptiveAvgPool1d || layer instanceof L.AdaptiveAvgPool2d || layer instanceof L.AdaptiveAvgPool3d) {
    const size = layer.outputSize;
    return `nn.${layer.layerName}(${typeof size === 'number' ? size : `(${size.map((s) => (s === null ? 'None' : String(s))).join(', ')}${size.length === 1 ? ',' : ''})`})`;
  }
  if (layer instanceof L.BatchNorm1d || layer instanceof L.BatchNorm2d || layer instanceof L.BatchNorm3d) {
    return `nn.${layer.layerName}(${layer.numFeatures}, eps=${String(layer.eps)}, momentum=${layer.momentum === null ? 'None' : String(layer.momentum)}, ` +
      `affine=${pyBool(layer.affine)}, track_running_stats=${pyBool(layer.trackRunningStats)})`;
  }
  if (layer instanceof L.LayerNorm) {
    return `nn.LayerNorm(${pyInts(layer.normalizedShape)}, eps=${String(layer.eps)}, elementwise_affine=${pyBool(layer.elementwiseAffine)})`;
  }
  if (layer instanceof L.Flatten) return `nn.Flatten(start_dim=${layer.startDim}, end_dim=${layer.endDim})`;
  if (layer instanceof L.Dropout) return `nn.Dropout(p=${String(layer.p)})`;
  if (layer instanceof L.LeakyReLU) return `nn.LeakyReLU(negative_slope=${String(layer.negativeSlope)})`;
  if (layer instanceof L.ELU) return `nn.ELU(alpha=${String(layer.alpha)})`;
  if (layer instanceof L.GELU) return `nn.GELU(approximate='${layer.approximate}')`;
  if (layer instanceof L.Softmax) return `nn.Softmax(dim=${layer.dim})`;
  if (layer instanceof L.LogSoftmax) return `nn.LogSoftmax(dim=${layer.dim})`;
  // Layers without arguments; exact classes, so a subclass with its own forward is not taken for its parent.
  const plain: [new () => Module, string][] = [
    [L.ReLU, 'ReLU'], [L.Sigmoid, 'Sigmoid'], [L.Tanh, 'Tanh'], [L.SELU, 'SELU'], [L.Identity, 'Identity'],
  ];
  for (const [cls, name] of plain) if (layer.constructor === cls) return `nn.${name}()`;
  return undefined;
}

/**
 * Python source defining `name = nn.Sequential(...)` with PyTorch's layers for a Nabla Sequential
 * (nested Sequentials nest). Covers Linear, Conv1d/2d/3d, max/average/adaptive-average pooling,
 * BatchNorm1d/2d/3d, LayerNorm, Flatten, Dropout and the common activations.
 */
export function toTorchSource(model: Module, options: TorchSourceOptions = {}, ...extra: []): string {
  if (!(model instanceof Sequential)) {
    throw new Error(`toTorchSource: expected an nn.Sequential, got ${model instanceof Module ? model.constructor.name : model === null ? 'null' : typeof model}`);
  }
  checkOptionKeys('toTorchSource', options, ['name'], extra);
  const name = options.name ?? 'model';
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`toTorchSource: name must be a Python identifier, got ${JSON.stringify(name)}`);

  const render = (seq: Sequential, indent: string, path: string): string => {
    const lines = [...seq].map((layer, i) => {
      const where = path === '' ? String(i) : `${path}.${i}`;
      const source = layer instanceof Sequential ? render(layer, `${indent}    `, where) : layerSource(layer);
      if (source === undefined) {
        throw new Error(`toTorchSource: layer ${where} (${layer.constructor.name}) has no PyTorch equivalent here; supported: Linear, Conv1d/2d/3d, ` +
          'MaxPool/AvgPool/AdaptiveAvgPool 1d/2d/3d, BatchNorm1d/2d/3d, LayerNorm, Flatten, Dropout, ReLU, LeakyReLU, ELU, SELU, GELU, Sigmoid, Tanh, Softmax, LogSoftmax, Identity, Sequential');
      }
      return `${indent}    ${source},`;
    });
    return `nn.Sequential(\n${lines.join('\n')}\n${indent})`;
  };
  return `import torch\nfrom torch import nn\n\n${name} = ${render(model, '', '')}\n`;
}
