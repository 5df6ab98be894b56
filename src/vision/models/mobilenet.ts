/**
 * MobileNet building blocks and MobileNetV2 / V3 with torchvision's module trees
 * (`features.N.conv.M.K.weight`, `features.N.block.M.K.weight`, `classifier.N.weight`).
 */
import { nn, F, type Tensor } from '../../index.js';
import { checkOptions, Conv2dNormActivation, initWeights, makeDivisible, type ModelOptions } from './common.js';

function checkStride(block: string, stride: number): void {
  if (stride !== 1 && stride !== 2) throw new Error(`${block}: stride must be 1 or 2, got ${stride}`);
}

/**
 * MobileNet v1's block (Howard et al. 2017): a 3x3 depthwise convolution (one filter per channel,
 * groups = inChannels) and a 1x1 pointwise one that mixes channels, each followed by BatchNorm and
 * ReLU: `depthwise.0.weight` [in, 1, 3, 3], `pointwise.0.weight` [out, in, 1, 1].
 */
export class DepthwiseSeparableConv extends nn.Module {
  depthwise: Conv2dNormActivation;
  pointwise: Conv2dNormActivation;

  constructor(inChannels: number, outChannels: number, stride = 1) {
    super();
    checkStride('DepthwiseSeparableConv', stride);
    this.depthwise = new Conv2dNormActivation(inChannels, inChannels, { stride, groups: inChannels });
    this.pointwise = new Conv2dNormActivation(inChannels, outChannels, { kernelSize: 1 });
  }

  forward(x: Tensor): Tensor {
    return this.pointwise.forward(this.depthwise.forward(x));
  }
}

/**
 * MobileNetV2's inverted residual (Sandler et al. 2018): 1x1 expansion to inChannels *
 * expandRatio (skipped when the ratio is 1), 3x3 depthwise, 1x1 linear projection (no
 * activation), with a residual connection when stride is 1 and the channels match.
 */
export class InvertedResidual extends nn.Module {
  readonly stride: number;
  readonly useResConnect: boolean;
  conv: nn.Sequential;
  readonly outChannels: number;

  constructor(inChannels: number, outChannels: number, stride: number, expandRatio: number) {
    super();
    checkStride('InvertedResidual', stride);
    if (!(expandRatio > 0)) throw new Error(`InvertedResidual: expandRatio must be positive, got ${expandRatio}`);
    this.stride = stride;
    const hidden = Math.round(inChannels * expandRatio);
    this.useResConnect = stride === 1 && inChannels === outChannels;
    this.conv = new nn.Sequential();
    const relu6 = (): nn.Module => new nn.ReLU6();
    if (expandRatio !== 1) this.conv.append(new Conv2dNormActivation(inChannels, hidden, { kernelSize: 1, activation: relu6 }));
    this.conv.append(new Conv2dNormActivation(hidden, hidden, { stride, groups: hidden, activation: relu6 }));
    this.conv.append(new nn.Conv2d(hidden, outChannels, 1, { bias: false }));
    this.conv.append(new nn.BatchNorm2d(outChannels));
    this.outChannels = outChannels;
  }

  forward(x: Tensor): Tensor {
    const y = this.conv.forward(x);
    return this.useResConnect ? x.add(y) : y;
  }
}

export interface MobileNetV2Options extends ModelOptions {
  /** Scales every layer's channels (rounded to multiples of 8; default 1). */
  widthMult?: number;
  /** Dropout before the last Linear (default 0.2). */
  dropout?: number;
}

export class MobileNetV2 extends nn.Module {
  readonly lastChannel: number;
  features: nn.Sequential;
  classifier: nn.Sequential;

  constructor(options: MobileNetV2Options = {}) {
    super();
    checkOptions('mobilenetV2', options, { numClasses: 'positiveInt', inChannels: 'positiveInt', widthMult: 'positive', dropout: 'probability' });
    const widthMult = options.widthMult ?? 1;
    // expansion t, output channels c, repeats n, first stride s
    const settings = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]] as const;
    let inputChannel = makeDivisible(32 * widthMult, 8);
    this.lastChannel = makeDivisible(1280 * Math.max(1, widthMult), 8);
    const relu6 = (): nn.Module => new nn.ReLU6();
    this.features = new nn.Sequential(new Conv2dNormActivation(options.inChannels ?? 3, inputChannel, { stride: 2, activation: relu6 }));
    for (const [t, c, n, s] of settings) {
      const outputChannel = makeDivisible(c * widthMult, 8);
      for (let i = 0; i < n; i++) {
        this.features.append(new InvertedResidual(inputChannel, outputChannel, i === 0 ? s : 1, t));
        inputChannel = outputChannel;
      }
    }
    this.features.append(new Conv2dNormActivation(inputChannel, this.lastChannel, { kernelSize: 1, activation: relu6 }));
    this.classifier = new nn.Sequential(new nn.Dropout(options.dropout ?? 0.2), new nn.Linear(this.lastChannel, options.numClasses ?? 1000));
    initWeights(this, 0.01);
  }

  forward(x: Tensor): Tensor {
    return this.classifier.forward(F.adaptiveAvgPool2d(this.features.forward(x), [1, 1]).flatten(1));
  }
}

export function mobilenetV2(options: MobileNetV2Options = {}): MobileNetV2 {
  return new MobileNetV2(options);
}

/** Squeeze-and-excitation (torchvision.ops.SqueezeExcitation with MobileNetV3's hard sigmoid): x * gate(pool(x)). */
export class SqueezeExcitation extends nn.Module {
  avgpool = new nn.AdaptiveAvgPool2d(1);
  fc1: nn.Conv2d;
  fc2: nn.Conv2d;
  activation = new nn.ReLU();
  scaleActivation = new nn.Hardsigmoid();

  constructor(inputChannels: number, squeezeChannels: number) {
    super();
    this.fc1 = new nn.Conv2d(inputChannels, squeezeChannels, 1);
    this.fc2 = new nn.Conv2d(squeezeChannels, inputChannels, 1);
  }

  forward(x: Tensor): Tensor {
    const scale = this.fc2.forward(this.activation.forward(this.fc1.forward(this.avgpool.forward(x))));
    return this.scaleActivation.forward(scale).mul(x);
  }
}

/** One row of MobileNetV3's table: input, kernel, expanded and output channels, SE, hard swish, stride. */
interface V3BlockConfig {
  input: number;
  kernel: number;
  expanded: number;
  out: number;
  useSe: boolean;
  useHs: boolean;
  stride: number;
}

/** MobileNetV3's block (torchvision's mobilenetv3.InvertedResidual): expansion, depthwise, optional SE, projection. */
export class InvertedResidualV3 extends nn.Module {
  readonly useResConnect: boolean;
  block: nn.Sequential;
  readonly outChannels: number;

  constructor(cnf: V3BlockConfig) {
    super();
    checkStride('InvertedResidualV3', cnf.stride);
    this.useResConnect = cnf.stride === 1 && cnf.input === cnf.out;
    const bn = { bnEps: 0.001, bnMomentum: 0.01 };
    const activation = cnf.useHs ? (): nn.Module => new nn.Hardswish() : (): nn.Module => new nn.ReLU();
    this.block = new nn.Sequential();
    if (cnf.expanded !== cnf.input) {
      this.block.append(new Conv2dNormActivation(cnf.input, cnf.expanded, { kernelSize: 1, activation, ...bn }));
    }
    this.block.append(
      new Conv2dNormActivation(cnf.expanded, cnf.expanded, { kernelSize: cnf.kernel, stride: cnf.stride, groups: cnf.expanded, activation, ...bn }),
    );
    if (cnf.useSe) this.block.append(new SqueezeExcitation(cnf.expanded, makeDivisible(Math.floor(cnf.expanded / 4), 8)));
    this.block.append(new Conv2dNormActivation(cnf.expanded, cnf.out, { kernelSize: 1, activation: null, ...bn }));
    this.outChannels = cnf.out;
  }

  forward(x: Tensor): Tensor {
    const y = this.block.forward(x);
    return this.useResConnect ? y.add(x) : y;
  }
}

// [input, kernel, expanded, out, SE, HS, stride] (torchvision's _mobilenet_v3_conf, not reduced or dilated)
type V3Row = readonly [number, number, number, number, boolean, boolean, number];
const v3Large: readonly V3Row[] = [
  [16, 3, 16, 16, false, false, 1], [16, 3, 64, 24, false, false, 2], [24, 3, 72, 24, false, false, 1],
  [24, 5, 72, 40, true, false, 2], [40, 5, 120, 40, true, false, 1], [40, 5, 120, 40, true, false, 1],
  [40, 3, 240, 80, false, true, 2], [80, 3, 200, 80, false, true, 1], [80, 3, 184, 80, false, true, 1],
  [80, 3, 184, 80, false, true, 1], [80, 3, 480, 112, true, true, 1], [112, 3, 672, 112, true, true, 1],
  [112, 5, 672, 160, true, true, 2], [160, 5, 960, 160, true, true, 1], [160, 5, 960, 160, true, true, 1],
];
const v3Small: readonly V3Row[] = [
  [16, 3, 16, 16, true, false, 2], [16, 3, 72, 24, false, false, 2], [24, 3, 88, 24, false, false, 1],
  [24, 5, 96, 40, true, true, 2], [40, 5, 240, 40, true, true, 1], [40, 5, 240, 40, true, true, 1],
  [40, 5, 120, 48, true, true, 1], [48, 5, 144, 48, true, true, 1], [48, 5, 288, 96, true, true, 2],
  [96, 5, 576, 96, true, true, 1], [96, 5, 576, 96, true, true, 1],
];

export type MobileNetV3Options = MobileNetV2Options;

/** Howard et al. 2019: inverted residuals with squeeze-and-excitation and hard swish. */
export class MobileNetV3 extends nn.Module {
  features: nn.Sequential;
  avgpool = new nn.AdaptiveAvgPool2d(1);
  classifier: nn.Sequential;

  constructor(arch: 'large' | 'small', options: MobileNetV3Options = {}) {
    super();
    const name = arch === 'large' ? 'mobilenetV3Large' : 'mobilenetV3Small';
    if (arch !== 'large' && arch !== 'small') throw new Error(`MobileNetV3: arch must be 'large' or 'small', got '${String(arch)}'`);
    checkOptions(name, options, { numClasses: 'positiveInt', inChannels: 'positiveInt', widthMult: 'positive', dropout: 'probability' });
    const widthMult = options.widthMult ?? 1;
    const adjust = (channels: number): number => makeDivisible(channels * widthMult, 8);
    const rows = (arch === 'large' ? v3Large : v3Small).map(([input, kernel, expanded, out, useSe, useHs, stride]) => ({
      input: adjust(input), kernel, expanded: adjust(expanded), out: adjust(out), useSe, useHs, stride,
    }));
    const lastChannel = adjust(arch === 'large' ? 1280 : 1024);
    const bn = { bnEps: 0.001, bnMomentum: 0.01 };
    const hardswish = (): nn.Module => new nn.Hardswish();
    this.features = new nn.Sequential(
      new Conv2dNormActivation(options.inChannels ?? 3, rows[0]!.input, { stride: 2, activation: hardswish, ...bn }),
    );
    for (const cnf of rows) this.features.append(new InvertedResidualV3(cnf));
    const lastConvIn = rows[rows.length - 1]!.out;
    this.features.append(new Conv2dNormActivation(lastConvIn, 6 * lastConvIn, { kernelSize: 1, activation: hardswish, ...bn }));
    this.classifier = new nn.Sequential(
      new nn.Linear(6 * lastConvIn, lastChannel),
      new nn.Hardswish(),
      new nn.Dropout(options.dropout ?? 0.2),
      new nn.Linear(lastChannel, options.numClasses ?? 1000),
    );
    initWeights(this, 0.01);
  }

  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.avgpool.forward(this.features.forward(x)).flatten(1));
  }
}

export function mobilenetV3Large(options: MobileNetV3Options = {}): MobileNetV3 {
  return new MobileNetV3('large', options);
}

export function mobilenetV3Small(options: MobileNetV3Options = {}): MobileNetV3 {
  return new MobileNetV3('small', options);
}
