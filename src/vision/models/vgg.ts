/**
 * AlexNet and VGG-11/13/16/19 (with and without BatchNorm) with torchvision's module trees:
 * `features` (a Sequential of convs, [BatchNorm,] ReLUs and max pools), `avgpool`
 * (AdaptiveAvgPool2d to 6x6 or 7x7, so inputs smaller than 224x224 work) and `classifier`.
 */
import { nn, type Tensor } from '../../index.js';
import { checkOptions, initWeights, type ModelOptions } from './common.js';

export interface ClassifierOptions extends ModelOptions {
  /** Dropout probability before the fully connected layers (default 0.5). */
  dropout?: number;
}

const classifierOptionKinds = { numClasses: 'positiveInt', inChannels: 'positiveInt', dropout: 'probability' } as const;

/** AlexNet's convolutional part (its `features`), with PyTorch's default initialization. */
export function alexnetFeatures(inChannels = 3): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(inChannels, 64, 11, { stride: 4, padding: 2 }),
    new nn.ReLU(),
    new nn.MaxPool2d(3, { stride: 2 }),
    new nn.Conv2d(64, 192, 5, { padding: 2 }),
    new nn.ReLU(),
    new nn.MaxPool2d(3, { stride: 2 }),
    new nn.Conv2d(192, 384, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.Conv2d(384, 256, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.Conv2d(256, 256, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(3, { stride: 2 }),
  );
}

/** Krizhevsky et al. 2012 as torchvision has it (the one-GPU variant with 64-192-384-256-256 filters). */
export class AlexNet extends nn.Module {
  features: nn.Sequential;
  avgpool = new nn.AdaptiveAvgPool2d([6, 6]);
  classifier: nn.Sequential;

  constructor(options: ClassifierOptions = {}) {
    super();
    checkOptions('alexnet', options, classifierOptionKinds);
    const dropout = options.dropout ?? 0.5;
    this.features = alexnetFeatures(options.inChannels ?? 3);
    this.classifier = new nn.Sequential(
      new nn.Dropout(dropout),
      new nn.Linear(256 * 6 * 6, 4096),
      new nn.ReLU(),
      new nn.Dropout(dropout),
      new nn.Linear(4096, 4096),
      new nn.ReLU(),
      new nn.Linear(4096, options.numClasses ?? 1000),
    );
    // torchvision keeps PyTorch's default initialization for AlexNet.
  }

  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.avgpool.forward(this.features.forward(x)).flatten(1));
  }
}

export function alexnet(options: ClassifierOptions = {}): AlexNet {
  return new AlexNet(options);
}

/** Each stage's conv widths; 'M' is a 2x2 max pool (torchvision's cfgs A, B, D, E). */
const configs = {
  vgg11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  vgg13: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  vgg16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  vgg19: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
} as const satisfies Record<string, readonly (number | 'M')[]>;

export type VGGConfig = keyof typeof configs;

/**
 * A VGG's convolutional part (torchvision's make_layers): 3x3 convs with padding 1, [BatchNorm,]
 * ReLU, and 2x2 max pools, as one Sequential. Initialized by the VGG constructor, not here.
 */
export function vggFeatures(config: VGGConfig, batchNorm: boolean, inChannels = 3): nn.Sequential {
  const cfg: readonly (number | 'M')[] | undefined = (configs as Record<string, readonly (number | 'M')[]>)[config];
  if (cfg === undefined) throw new Error(`vggFeatures: unknown config '${String(config)}' (configs: ${Object.keys(configs).join(', ')})`);
  const features = new nn.Sequential();
  let channels = inChannels;
  for (const v of cfg) {
    if (v === 'M') {
      features.append(new nn.MaxPool2d(2, { stride: 2 }));
      continue;
    }
    features.append(new nn.Conv2d(channels, v, 3, { padding: 1 }));
    if (batchNorm) features.append(new nn.BatchNorm2d(v));
    features.append(new nn.ReLU());
    channels = v;
  }
  return features;
}

/** Simonyan and Zisserman 2014: stacks of 3x3 convs (padding 1) and 2x2 max pools, then three Linear layers. */
export class VGG extends nn.Module {
  features: nn.Sequential;
  avgpool = new nn.AdaptiveAvgPool2d([7, 7]);
  classifier: nn.Sequential;

  constructor(config: VGGConfig, batchNorm: boolean, options: ClassifierOptions = {}) {
    super();
    checkOptions(`${config}${batchNorm ? 'Bn' : ''}`, options, classifierOptionKinds);
    const dropout = options.dropout ?? 0.5;
    this.features = vggFeatures(config, batchNorm, options.inChannels ?? 3);
    this.classifier = new nn.Sequential(
      new nn.Linear(512 * 7 * 7, 4096),
      new nn.ReLU(),
      new nn.Dropout(dropout),
      new nn.Linear(4096, 4096),
      new nn.ReLU(),
      new nn.Dropout(dropout),
      new nn.Linear(4096, options.numClasses ?? 1000),
    );
    initWeights(this, 0.01);
  }

  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.avgpool.forward(this.features.forward(x)).flatten(1));
  }
}

export const vgg11 = (options: ClassifierOptions = {}): VGG => new VGG('vgg11', false, options);
export const vgg13 = (options: ClassifierOptions = {}): VGG => new VGG('vgg13', false, options);
export const vgg16 = (options: ClassifierOptions = {}): VGG => new VGG('vgg16', false, options);
export const vgg19 = (options: ClassifierOptions = {}): VGG => new VGG('vgg19', false, options);
export const vgg11Bn = (options: ClassifierOptions = {}): VGG => new VGG('vgg11', true, options);
export const vgg13Bn = (options: ClassifierOptions = {}): VGG => new VGG('vgg13', true, options);
export const vgg16Bn = (options: ClassifierOptions = {}): VGG => new VGG('vgg16', true, options);
export const vgg19Bn = (options: ClassifierOptions = {}): VGG => new VGG('vgg19', true, options);
