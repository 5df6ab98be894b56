/**
 * What the zoo's models share: option checking, torchvision's Conv2dNormActivation and
 * _make_divisible, and the initializers its model constructors apply.
 */
import { nn } from '../../index.js';
import { bool, check, inRange, oneOf, parseOptions, type Check } from '../../ops/args.js';

/** Options every zoo constructor takes. */
export interface ModelOptions {
  /** Output classes of the last layer (default 1000, ImageNet's). */
  numClasses?: number;
  /** Channels of the input image (default 3; 1 for grayscale). torchvision fixes 3. */
  inChannels?: number;
}

type OptionKind = 'positiveInt' | 'probability' | 'positive' | 'boolean' | readonly string[];

const KIND_CHECKS: Record<Exclude<OptionKind, readonly string[]>, Check<unknown>> = {
  positiveInt: check('a positive integer', (v) => Number.isSafeInteger(v) && (v as number) > 0),
  probability: inRange(0, 1),
  positive: check('a positive number', (v) => typeof v === 'number' && Number.isFinite(v) && v > 0),
  boolean: bool,
};

/**
 * Checks a constructor's options object with the library's one checker (ops/args.ts): unknown
 * keys (a typo would silently do nothing) and values of the wrong kind are errors naming the model.
 */
export function checkOptions(model: string, options: unknown, kinds: Record<string, OptionKind>): void {
  parseOptions(model, options, Object.fromEntries(Object.entries(kinds).map(([key, kind]) => [key, typeof kind === 'string' ? KIND_CHECKS[kind] : oneOf(...kind)])));
}

/** torchvision's _make_divisible: v rounded to a multiple of divisor, never below 90% of v. */
export function makeDivisible(v: number, divisor: number, minValue = divisor): number {
  let rounded = Math.max(minValue, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * v) rounded += divisor;
  return rounded;
}

export interface ConvNormActivationOptions {
  kernelSize?: number;
  stride?: number;
  /** Default (kernelSize - 1) / 2 * dilation. */
  padding?: number;
  groups?: number;
  dilation?: number;
  /** The activation module's factory, or null for none (default ReLU). */
  activation?: (() => nn.Module) | null;
  /** BatchNorm2d's eps and momentum (torchvision's MobileNetV3 uses 0.001 and 0.01). */
  bnEps?: number;
  bnMomentum?: number;
}

/**
 * Conv2d (no bias) -> BatchNorm2d -> activation as a Sequential, so keys are `0.weight`,
 * `1.running_mean`, ... (torchvision.ops.Conv2dNormActivation).
 */
export class Conv2dNormActivation extends nn.Sequential {
  readonly outChannels: number;

  constructor(inChannels: number, outChannels: number, options: ConvNormActivationOptions = {}) {
    const kernelSize = options.kernelSize ?? 3;
    const dilation = options.dilation ?? 1;
    const activation = options.activation === undefined ? () => new nn.ReLU() : options.activation;
    super(
      new nn.Conv2d(inChannels, outChannels, kernelSize, {
        stride: options.stride ?? 1,
        padding: options.padding ?? Math.floor((kernelSize - 1) / 2) * dilation,
        dilation,
        groups: options.groups ?? 1,
        bias: false,
      }),
      new nn.BatchNorm2d(outChannels, { eps: options.bnEps ?? 1e-5, momentum: options.bnMomentum ?? 0.1 }),
    );
    if (activation !== null) this.append(activation());
    this.outChannels = outChannels;
  }
}

/**
 * torchvision's init for ResNet, VGG and the MobileNets: convs kaiming_normal_(fan_out) with zero
 * bias, BatchNorm weight 1 and bias 0, and Linear layers N(0, linearStd) with zero bias (or left
 * at PyTorch's default when linearStd is null, as ResNet does).
 */
export function initWeights(model: nn.Module, linearStd: number | null): void {
  for (const m of model.modules()) {
    if (m instanceof nn.Conv2d) {
      nn.init.kaimingNormal_(m.weight, { mode: 'fanOut', nonlinearity: 'relu' });
      if (m.bias !== null) nn.init.zeros_(m.bias);
    } else if (m instanceof nn.BatchNorm2d) {
      if (m.weight !== null) nn.init.ones_(m.weight);
      if (m.bias !== null) nn.init.zeros_(m.bias);
    } else if (m instanceof nn.Linear && linearStd !== null) {
      nn.init.normal_(m.weight, 0, linearStd);
      if (m.bias !== null) nn.init.zeros_(m.bias);
    }
  }
}
