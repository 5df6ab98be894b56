/**
 * GoogLeNet (Inception v1) with torchvision's module tree: BasicConv2d (conv without bias +
 * BatchNorm eps 0.001 + ReLU), Inception blocks with branch1-4, optional auxiliary heads.
 */
import { nn, F, cat, type Tensor } from '../../index.js';
import { checkOptions, type ModelOptions } from './common.js';

/** conv (no bias) -> BatchNorm2d(eps 0.001) -> ReLU, keys `conv.weight`, `bn.running_mean`. */
export class BasicConv2d extends nn.Module {
  conv: nn.Conv2d;
  bn: nn.BatchNorm2d;

  constructor(inChannels: number, outChannels: number, kernelSize: number, options: { stride?: number; padding?: number } = {}) {
    super();
    this.conv = new nn.Conv2d(inChannels, outChannels, kernelSize, { stride: options.stride ?? 1, padding: options.padding ?? 0, bias: false });
    this.bn = new nn.BatchNorm2d(outChannels, { eps: 0.001 });
  }

  forward(x: Tensor): Tensor {
    return this.bn.forward(this.conv.forward(x)).relu();
  }
}

/**
 * An Inception block (Szegedy et al. 2014): four parallel branches concatenated along channels,
 * a 1x1 conv, a 1x1 reduction then 3x3, a 1x1 reduction then a second 3x3 (the paper's 5x5;
 * torchvision's implementation, whose weights are published, uses 3x3 here and so does this), and
 * a 3x3 max pool then a 1x1 projection. Output channels: ch1x1 + ch3x3 + ch5x5 + poolProj.
 */
export class InceptionModule extends nn.Module {
  branch1: BasicConv2d;
  branch2: nn.Sequential;
  branch3: nn.Sequential;
  branch4: nn.Sequential;
  readonly outChannels: number;

  constructor(inChannels: number, ch1x1: number, ch3x3red: number, ch3x3: number, ch5x5red: number, ch5x5: number, poolProj: number) {
    super();
    this.branch1 = new BasicConv2d(inChannels, ch1x1, 1);
    this.branch2 = new nn.Sequential(new BasicConv2d(inChannels, ch3x3red, 1), new BasicConv2d(ch3x3red, ch3x3, 3, { padding: 1 }));
    this.branch3 = new nn.Sequential(new BasicConv2d(inChannels, ch5x5red, 1), new BasicConv2d(ch5x5red, ch5x5, 3, { padding: 1 }));
    this.branch4 = new nn.Sequential(
      new nn.MaxPool2d(3, { stride: 1, padding: 1, ceilMode: true }),
      new BasicConv2d(inChannels, poolProj, 1),
    );
    this.outChannels = ch1x1 + ch3x3 + ch5x5 + poolProj;
  }

  forward(x: Tensor): Tensor {
    return cat([this.branch1.forward(x), this.branch2.forward(x), this.branch3.forward(x), this.branch4.forward(x)], 1);
  }
}

/** The auxiliary classifier on inception4a / 4d (training only). */
export class InceptionAux extends nn.Module {
  conv: BasicConv2d;
  fc1 = new nn.Linear(2048, 1024);
  fc2: nn.Linear;
  dropout: nn.Dropout;

  constructor(inChannels: number, numClasses: number, dropout = 0.7) {
    super();
    this.conv = new BasicConv2d(inChannels, 128, 1);
    this.fc2 = new nn.Linear(1024, numClasses);
    this.dropout = new nn.Dropout(dropout);
  }

  forward(x: Tensor): Tensor {
    const h = this.conv.forward(F.adaptiveAvgPool2d(x, [4, 4])).flatten(1);
    return this.fc2.forward(this.dropout.forward(this.fc1.forward(h).relu()));
  }
}

export interface GoogLeNetOptions extends ModelOptions {
  /** Dropout before the last Linear (default 0.2). */
  dropout?: number;
  /** Build the two auxiliary heads (default false, torchvision's pretrained configuration). */
  auxLogits?: boolean;
  /** Dropout in the auxiliary heads (default 0.7). */
  dropoutAux?: number;
  /**
   * Re-normalize an ImageNet-normalized input to the [-1, 1] scaling Google's original weights
   * expect (default false).
   */
  transformInput?: boolean;
}

/** forwardWithAux's result: the auxiliary logits are null in eval mode or without auxLogits. */
export interface GoogLeNetOutputs {
  logits: Tensor;
  aux2: Tensor | null;
  aux1: Tensor | null;
}

export class GoogLeNet extends nn.Module {
  readonly auxLogits: boolean;
  readonly transformInput: boolean;
  conv1: BasicConv2d;
  maxpool1 = new nn.MaxPool2d(3, { stride: 2, ceilMode: true });
  conv2 = new BasicConv2d(64, 64, 1);
  conv3 = new BasicConv2d(64, 192, 3, { padding: 1 });
  maxpool2 = new nn.MaxPool2d(3, { stride: 2, ceilMode: true });
  inception3a = new InceptionModule(192, 64, 96, 128, 16, 32, 32);
  inception3b = new InceptionModule(256, 128, 128, 192, 32, 96, 64);
  maxpool3 = new nn.MaxPool2d(3, { stride: 2, ceilMode: true });
  inception4a = new InceptionModule(480, 192, 96, 208, 16, 48, 64);
  inception4b = new InceptionModule(512, 160, 112, 224, 24, 64, 64);
  inception4c = new InceptionModule(512, 128, 128, 256, 24, 64, 64);
  inception4d = new InceptionModule(512, 112, 144, 288, 32, 64, 64);
  inception4e = new InceptionModule(528, 256, 160, 320, 32, 128, 128);
  maxpool4 = new nn.MaxPool2d(2, { stride: 2, ceilMode: true });
  inception5a = new InceptionModule(832, 256, 160, 320, 32, 128, 128);
  inception5b = new InceptionModule(832, 384, 192, 384, 48, 128, 128);
  aux1: InceptionAux | null;
  aux2: InceptionAux | null;
  avgpool = new nn.AdaptiveAvgPool2d([1, 1]);
  dropout: nn.Dropout;
  fc: nn.Linear;

  constructor(options: GoogLeNetOptions = {}) {
    super();
    checkOptions('googlenet', options, {
      numClasses: 'positiveInt', inChannels: 'positiveInt', dropout: 'probability', auxLogits: 'boolean', dropoutAux: 'probability',
      transformInput: 'boolean',
    });
    const numClasses = options.numClasses ?? 1000;
    this.auxLogits = options.auxLogits ?? false;
    this.transformInput = options.transformInput ?? false;
    if (this.transformInput && (options.inChannels ?? 3) !== 3) throw new Error('googlenet: transformInput needs 3 input channels (RGB)');
    this.conv1 = new BasicConv2d(options.inChannels ?? 3, 64, 7, { stride: 2, padding: 3 });
    this.aux1 = this.auxLogits ? new InceptionAux(512, numClasses, options.dropoutAux ?? 0.7) : null;
    this.aux2 = this.auxLogits ? new InceptionAux(528, numClasses, options.dropoutAux ?? 0.7) : null;
    this.dropout = new nn.Dropout(options.dropout ?? 0.2);
    this.fc = new nn.Linear(1024, numClasses);
    // torchvision: trunc_normal_(std 0.01, a=-2, b=2) for convs and Linears. The bounds are
    // absolute (200 standard deviations out), so truncation never triggers: it is N(0, 0.01^2).
    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d || m instanceof nn.Linear) nn.init.normal_(m.weight, 0, 0.01);
    }
  }

  #transform(x: Tensor): Tensor {
    if (!this.transformInput) return x;
    const scales = [[0.229, 0.485], [0.224, 0.456], [0.225, 0.406]] as const;
    return cat(scales.map(([std, mean], c) => x.narrow(1, c, 1).mul(std / 0.5).add((mean - 0.5) / 0.5)), 1);
  }

  /** The main logits (torchvision returns a tuple with the auxiliary ones in training mode: see forwardWithAux). */
  forward(input: Tensor): Tensor {
    return this.forwardWithAux(input).logits;
  }

  /** The main logits and, in training mode with auxLogits, the auxiliary heads' (for the weighted training loss). */
  forwardWithAux(input: Tensor): GoogLeNetOutputs {
    let x = this.#transform(input);
    x = this.maxpool1.forward(this.conv1.forward(x));
    x = this.maxpool2.forward(this.conv3.forward(this.conv2.forward(x)));
    x = this.maxpool3.forward(this.inception3b.forward(this.inception3a.forward(x)));
    x = this.inception4a.forward(x);
    const aux1 = this.aux1 !== null && this.training ? this.aux1.forward(x) : null;
    x = this.inception4d.forward(this.inception4c.forward(this.inception4b.forward(x)));
    const aux2 = this.aux2 !== null && this.training ? this.aux2.forward(x) : null;
    x = this.maxpool4.forward(this.inception4e.forward(x));
    x = this.inception5b.forward(this.inception5a.forward(x));
    const logits = this.fc.forward(this.dropout.forward(this.avgpool.forward(x).flatten(1)));
    return { logits, aux2, aux1 };
  }
}

export function googlenet(options: GoogLeNetOptions = {}): GoogLeNet {
  return new GoogLeNet(options);
}
