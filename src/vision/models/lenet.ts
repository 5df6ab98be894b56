/**
 * LeNet-5 in two variants, with the same `features` / `classifier` layout as the zoo's other
 * models (torchvision has no LeNet).
 */
import { nn, type Tensor } from '../../index.js';
import { checkOptions, type ModelOptions } from './common.js';

export interface LeNet5Options extends ModelOptions {
  /**
   * 'classic' (default): LeCun et al. 1998 for 32x32 inputs, with tanh, 2x2 average pooling and
   * C5 a 5x5 convolution to 120 maps (61,706 parameters with 10 classes; every C3 map sees all S2
   * maps, the usual simplification of the paper's connection table, and the output is a Linear
   * layer instead of RBF units). 'modern': ReLU and max pooling, for 28x28 inputs (MNIST) padded
   * by 2, C5 a Linear layer (also 61,706 parameters).
   */
  variant?: 'classic' | 'modern';
}

export class LeNet5 extends nn.Module {
  readonly variant: 'classic' | 'modern';
  features: nn.Sequential;
  classifier: nn.Sequential;

  constructor(options: LeNet5Options = {}) {
    super();
    checkOptions('lenet5', options, { numClasses: 'positiveInt', inChannels: 'positiveInt', variant: ['classic', 'modern'] });
    const variant = options.variant ?? 'classic';
    this.variant = variant;
    const inChannels = options.inChannels ?? 1;
    const numClasses = options.numClasses ?? 10;
    if (variant === 'classic') {
      this.features = new nn.Sequential(
        new nn.Conv2d(inChannels, 6, 5), new nn.Tanh(), new nn.AvgPool2d(2),
        new nn.Conv2d(6, 16, 5), new nn.Tanh(), new nn.AvgPool2d(2),
        new nn.Conv2d(16, 120, 5), new nn.Tanh(),
      );
      this.classifier = new nn.Sequential(new nn.Linear(120, 84), new nn.Tanh(), new nn.Linear(84, numClasses));
    } else {
      this.features = new nn.Sequential(
        new nn.Conv2d(inChannels, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
        new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2),
      );
      this.classifier = new nn.Sequential(
        new nn.Linear(16 * 5 * 5, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(), new nn.Linear(84, numClasses),
      );
    }
  }

  forward(x: Tensor): Tensor {
    const size = this.variant === 'classic' ? 32 : 28;
    if (x.ndim !== 4 || x.shape[2] !== size || x.shape[3] !== size) {
      throw new Error(`LeNet5 (${this.variant}) expects input [N, C, ${size}, ${size}], got [${x.shape.join(', ')}]`);
    }
    return this.classifier.forward(this.features.forward(x).flatten(1));
  }
}

export function lenet5(options: LeNet5Options = {}): LeNet5 {
  return new LeNet5(options);
}
