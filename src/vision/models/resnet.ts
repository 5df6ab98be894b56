/**
 * ResNet-18/34/50/101/152 with torchvision's module tree (conv1, bn1, relu, maxpool, layer1-4,
 * avgpool, fc; blocks with conv1/bn1/conv2/bn2[/conv3/bn3], relu, downsample), so state-dict keys
 * are torchvision's (`layer1.0.conv1.weight`, `layer2.0.downsample.1.running_var`).
 */
import { nn, type Tensor } from '../../index.js';
import { checkOptions, initWeights, type ModelOptions } from './common.js';

function conv3x3(inPlanes: number, outPlanes: number, stride = 1): nn.Conv2d {
  return new nn.Conv2d(inPlanes, outPlanes, 3, { stride, padding: 1, bias: false });
}

function conv1x1(inPlanes: number, outPlanes: number, stride = 1): nn.Conv2d {
  return new nn.Conv2d(inPlanes, outPlanes, 1, { stride, bias: false });
}

/** Two 3x3 convs with a shortcut (ResNet-18/34): out = relu(bn2(conv2(relu(bn1(conv1 x)))) + shortcut(x)). */
export class BasicBlock extends nn.Module {
  static readonly expansion = 1;
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  relu = new nn.ReLU();
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  /** The shortcut's projection (1x1 conv + BatchNorm) when shape changes, else null (identity). */
  downsample: nn.Sequential | null;

  constructor(inPlanes: number, planes: number, stride = 1, downsample: nn.Sequential | null = null) {
    super();
    this.conv1 = conv3x3(inPlanes, planes, stride);
    this.bn1 = new nn.BatchNorm2d(planes);
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = new nn.BatchNorm2d(planes);
    this.downsample = downsample;
  }

  forward(x: Tensor): Tensor {
    let out = this.relu.forward(this.bn1.forward(this.conv1.forward(x)));
    out = this.bn2.forward(this.conv2.forward(out));
    const identity = this.downsample === null ? x : this.downsample.forward(x);
    return this.relu.forward(out.add(identity));
  }
}

/** 1x1 reduce, 3x3, 1x1 expand (x4) with a shortcut (ResNet-50/101/152; stride on the 3x3, as torchvision's v1.5). */
export class Bottleneck extends nn.Module {
  static readonly expansion = 4;
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  conv3: nn.Conv2d;
  bn3: nn.BatchNorm2d;
  relu = new nn.ReLU();
  downsample: nn.Sequential | null;

  constructor(inPlanes: number, planes: number, stride = 1, downsample: nn.Sequential | null = null) {
    super();
    this.conv1 = conv1x1(inPlanes, planes);
    this.bn1 = new nn.BatchNorm2d(planes);
    this.conv2 = conv3x3(planes, planes, stride);
    this.bn2 = new nn.BatchNorm2d(planes);
    this.conv3 = conv1x1(planes, planes * Bottleneck.expansion);
    this.bn3 = new nn.BatchNorm2d(planes * Bottleneck.expansion);
    this.downsample = downsample;
  }

  forward(x: Tensor): Tensor {
    let out = this.relu.forward(this.bn1.forward(this.conv1.forward(x)));
    out = this.relu.forward(this.bn2.forward(this.conv2.forward(out)));
    out = this.bn3.forward(this.conv3.forward(out));
    const identity = this.downsample === null ? x : this.downsample.forward(x);
    return this.relu.forward(out.add(identity));
  }
}

export interface ResNetOptions extends ModelOptions {
  /** Start each block's last BatchNorm at weight 0, so blocks begin as identities (default false). */
  zeroInitResidual?: boolean;
}

type BlockClass = (typeof BasicBlock | typeof Bottleneck) & { readonly expansion: number };

/** torchvision's ResNet: a 7x7 stem, four stages of blocks, global average pooling, one Linear. */
export class ResNet extends nn.Module {
  conv1: nn.Conv2d;
  bn1 = new nn.BatchNorm2d(64);
  relu = new nn.ReLU();
  maxpool = new nn.MaxPool2d(3, { stride: 2, padding: 1 });
  layer1: nn.Sequential;
  layer2: nn.Sequential;
  layer3: nn.Sequential;
  layer4: nn.Sequential;
  avgpool = new nn.AdaptiveAvgPool2d([1, 1]);
  fc: nn.Linear;

  constructor(block: BlockClass, layers: readonly [number, number, number, number], options: ResNetOptions = {}, name = 'ResNet') {
    super();
    checkOptions(name, options, { numClasses: 'positiveInt', inChannels: 'positiveInt', zeroInitResidual: 'boolean' });
    this.conv1 = new nn.Conv2d(options.inChannels ?? 3, 64, 7, { stride: 2, padding: 3, bias: false });
    let inPlanes = 64;
    const makeLayer = (planes: number, blocks: number, stride: number): nn.Sequential => {
      const out = planes * block.expansion;
      const downsample = stride !== 1 || inPlanes !== out ? new nn.Sequential(conv1x1(inPlanes, out, stride), new nn.BatchNorm2d(out)) : null;
      const layer = new nn.Sequential(new block(inPlanes, planes, stride, downsample));
      inPlanes = out;
      for (let i = 1; i < blocks; i++) layer.append(new block(inPlanes, planes));
      return layer;
    };
    this.layer1 = makeLayer(64, layers[0], 1);
    this.layer2 = makeLayer(128, layers[1], 2);
    this.layer3 = makeLayer(256, layers[2], 2);
    this.layer4 = makeLayer(512, layers[3], 2);
    this.fc = new nn.Linear(512 * block.expansion, options.numClasses ?? 1000);
    initWeights(this, null);
    if (options.zeroInitResidual === true) {
      for (const m of this.modules()) {
        if (m instanceof Bottleneck) nn.init.zeros_(m.bn3.weight!);
        else if (m instanceof BasicBlock) nn.init.zeros_(m.bn2.weight!);
      }
    }
  }

  forward(x: Tensor): Tensor {
    x = this.maxpool.forward(this.relu.forward(this.bn1.forward(this.conv1.forward(x))));
    x = this.layer4.forward(this.layer3.forward(this.layer2.forward(this.layer1.forward(x))));
    return this.fc.forward(this.avgpool.forward(x).flatten(1));
  }
}

export function resnet18(options: ResNetOptions = {}): ResNet {
  return new ResNet(BasicBlock, [2, 2, 2, 2], options, 'resnet18');
}
export function resnet34(options: ResNetOptions = {}): ResNet {
  return new ResNet(BasicBlock, [3, 4, 6, 3], options, 'resnet34');
}
export function resnet50(options: ResNetOptions = {}): ResNet {
  return new ResNet(Bottleneck, [3, 4, 6, 3], options, 'resnet50');
}
export function resnet101(options: ResNetOptions = {}): ResNet {
  return new ResNet(Bottleneck, [3, 4, 23, 3], options, 'resnet101');
}
export function resnet152(options: ResNetOptions = {}): ResNet {
  return new ResNet(Bottleneck, [3, 8, 36, 3], options, 'resnet152');
}
