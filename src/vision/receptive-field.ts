/**
 * Conv arithmetic: for a model and an input size, each conv / pooling layer's output size,
 * receptive field, jump and start, traced from one forward pass on zeros.
 *
 * Per spatial dim, with k' = dilation * (kernel - 1) + 1 and left padding p (Dang-Ha's guide):
 *   j_out = j_in * stride,  R_out = R_in + (k' - 1) * j_in,  start_out = start_in + ((k' - 1) / 2 - p) * j_in,
 * starting from j = 1, R = 1, start = 0.5 (the centre of the first input pixel). start is the
 * centre of the first output unit's receptive field in input pixel coordinates.
 */
import { nn, noGrad, zeros, Tensor } from '../index.js';
import { checkOptionKeys } from '../ops/args.js';

/** Jump, receptive field and start of a feature map, per spatial dim. */
interface Geometry {
  jump: number[];
  receptiveField: number[];
  start: number[];
}

export interface ReceptiveFieldRow {
  /** The module's dotted name in the model. */
  name: string;
  type: string;
  /** [C, H, W] of the output (batch dim dropped). */
  outputShape: number[];
  /** Kernel, stride and left padding per dim as applied (adaptive pools: the equivalent ones). */
  kernel: number[];
  stride: number[];
  padding: number[];
  jump: number[];
  receptiveField: number[];
  start: number[];
}

export interface ReceptiveFieldOptions {
  /** Input channels (default: the first Conv2d's inChannels, else 3). */
  inChannels?: number;
  /** List every leaf module with a 4-D output (BatchNorm, ReLU, ...), not only convs and pools (default false). */
  allLayers?: boolean;
}

/** The table: rows in the order the layers ran; toString() prints it. */
export class ReceptiveFieldTable {
  constructor(readonly inputSize: readonly number[], readonly rows: readonly ReceptiveFieldRow[]) {}

  /** The last row's receptive field (the whole network's, up to its last conv or pool). */
  get receptiveField(): number[] {
    return this.rows[this.rows.length - 1]?.receptiveField ?? [1, 1];
  }

  toString(): string {
    const pair = (v: readonly number[]): string => (v.every((x) => x === v[0]) ? String(v[0]) : v.join('x'));
    const header = ['Layer (type)', 'Output', 'k/s/p', 'Jump', 'RF', 'Start'];
    const body = this.rows.map((r) => [
      `${r.name} (${r.type})`,
      r.outputShape.join('x'),
      `${pair(r.kernel)}/${pair(r.stride)}/${pair(r.padding)}`,
      pair(r.jump),
      pair(r.receptiveField),
      pair(r.start),
    ]);
    const cells = [header, ['input', `${this.inputSize.join('x')}`, '', '1', '1', '0.5'], ...body];
    const widths = header.map((_, c) => Math.max(...cells.map((row) => row[c]!.length)) + 2);
    const line = (row: string[]): string => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('').trimEnd();
    return [line(header), '-'.repeat(widths.reduce((a, b) => a + b, 0)), ...cells.slice(1).map(line)].join('\n');
  }
}

function perDim(value: number | readonly number[], what: string): [number, number] {
  if (typeof value === 'number') return [value, value];
  if (value.length === 2) return [value[0]!, value[1]!];
  throw new Error(`receptiveField: expected one ${what} per spatial dim of a 2-D layer, got [${value.join(', ')}]`);
}

/** Kernel, stride, left padding and dilation of a conv or pooling layer, or null for a layer that keeps the geometry. */
function layerGeometry(module: nn.Module, inSize: readonly number[], outSize: readonly number[]): { k: number[]; s: number[]; p: number[]; d: number[] } | null {
  if (module instanceof nn.Conv2d) {
    const [kh, kw] = perDim(module.kernelSize, 'kernel');
    const d = [...perDim(module.dilation, 'dilation')];
    const k = [kh, kw];
    const padding = module.padding;
    const p =
      padding === 'valid' ? [0, 0]
        : padding === 'same' ? k.map((kk, i) => Math.floor((d[i]! * (kk - 1)) / 2))
          : padding === 'full' ? k.map((kk, i) => d[i]! * (kk - 1))
            : Array.isArray(padding) && Array.isArray(padding[0]) ? (padding as readonly (readonly [number, number])[]).map((pair) => pair[0])
              : [...perDim(padding as number | readonly number[], 'padding')];
    return { k, s: [...perDim(module.stride, 'stride')], p, d };
  }
  if (module instanceof nn.MaxPool2d || module instanceof nn.AvgPool2d) {
    const dilation = module instanceof nn.MaxPool2d ? module.dilation : 1;
    return {
      k: [...perDim(module.kernelSize, 'kernel')],
      s: [...perDim(module.stride, 'stride')],
      p: [...perDim(module.padding, 'padding')],
      d: [...perDim(dilation, 'dilation')],
    };
  }
  if (module instanceof nn.AdaptiveAvgPool2d || module instanceof nn.AdaptiveMaxPool2d) {
    // The equivalent fixed pooling (exact when the input size is a multiple of the output size).
    const s = inSize.map((n, i) => Math.max(1, Math.floor(n / outSize[i]!)));
    return { k: inSize.map((n, i) => n - (outSize[i]! - 1) * s[i]!), s, p: [0, 0], d: [1, 1] };
  }
  if (module instanceof nn.ConvTranspose2d || module instanceof nn.Conv1d || module instanceof nn.Conv3d) {
    throw new Error(`receptiveField: ${module.constructor.name} is not supported (2-D convolutions and pooling only)`);
  }
  return null;
}

/**
 * Runs `model` once on zeros [1, C, H, W] (eval mode, no gradients) and tabulates each conv and
 * pooling layer's output size, receptive field, jump and start. Where branches join outside
 * modules (a residual add, Inception's concatenation), the joined map takes the largest receptive
 * field among the maps of its size, as the union of the branches' fields.
 */
export function receptiveField(model: nn.Module, inputSize: number | readonly [number, number], options: ReceptiveFieldOptions = {}): ReceptiveFieldTable {
  if (!(model instanceof nn.Module)) throw new Error(`receptiveField: expected a Module, got ${model === null ? 'null' : typeof model}`);
  const size = typeof inputSize === 'number' ? [inputSize, inputSize] : [...(inputSize as readonly number[])];
  if (size.length !== 2 || !size.every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error(`receptiveField: inputSize must be a positive integer or [height, width], got ${JSON.stringify(inputSize)}`);
  }
  checkOptionKeys('receptiveField', options, ['inChannels', 'allLayers']);
  const firstConv = [...model.modules()].find((m): m is nn.Conv2d => m instanceof nn.Conv2d);
  const channels = options.inChannels ?? firstConv?.inChannels ?? 3;
  const input = zeros([1, channels, size[0]!, size[1]!]);

  const geometries = new Map<Tensor, Geometry>([[input, { jump: [1, 1], receptiveField: [1, 1], start: [0.5, 0.5] }]]);
  /** A map made outside modules (add, cat, relu()): the largest field among recorded maps of its size. */
  const geometryOf = (t: Tensor): Geometry => {
    const known = geometries.get(t);
    if (known !== undefined) return known;
    let best: Geometry | undefined;
    for (const [tensor, g] of geometries) {
      if (tensor.shape[2] === t.shape[2] && tensor.shape[3] === t.shape[3] && (best === undefined || g.receptiveField[0]! >= best.receptiveField[0]!)) best = g;
    }
    if (best === undefined) throw new Error(`receptiveField: cannot tell where a map of shape [${t.shape.join(', ')}] came from`);
    return best;
  };

  const rows: ReceptiveFieldRow[] = [];
  const leaves = [...model.namedModules()].filter(([, m]) => m.children().next().done === true);
  const handles = leaves.map(([name, module]) =>
    module.registerForwardHook((_m, inputs, output) => {
      const x = inputs[0];
      if (!(x instanceof Tensor) || !(output instanceof Tensor) || x.ndim !== 4 || output.ndim !== 4) return;
      const before = geometryOf(x);
      const inSize = x.shape.slice(2);
      const outSize = output.shape.slice(2);
      const layer = layerGeometry(module, inSize, outSize);
      const after: Geometry =
        layer === null
          ? before
          : {
            jump: before.jump.map((j, i) => j * layer.s[i]!),
            receptiveField: before.receptiveField.map((r, i) => r + layer.d[i]! * (layer.k[i]! - 1) * before.jump[i]!),
            start: before.start.map((st, i) => st + ((layer.d[i]! * (layer.k[i]! - 1)) / 2 - layer.p[i]!) * before.jump[i]!),
          };
      geometries.set(output, after);
      if (layer === null && options.allLayers !== true) return;
      rows.push({
        name: name === '' ? '(model)' : name,
        type: module.constructor.name,
        outputShape: output.shape.slice(1),
        kernel: layer?.k ?? [1, 1],
        stride: layer?.s ?? [1, 1],
        padding: layer?.p ?? [0, 0],
        ...after,
      });
    }),
  );
  const modes = [...model.modules()].map((m) => [m, m.training] as const);
  try {
    model.eval();
    noGrad(() => (model.forward as (x: Tensor) => unknown)(input));
  } finally {
    for (const handle of handles) handle.remove();
    for (const [m, mode] of modes) m.training = mode;
  }
  return new ReceptiveFieldTable(size, rows);
}
