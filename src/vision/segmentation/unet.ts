/**
 * U-Net (Ronneberger et al. 2015), small and configurable: an encoder of double 3 x 3 conv blocks
 * (conv, BatchNorm, ReLU, twice) with 2 x 2 max-pooling between them, a decoder that upsamples
 * with 2 x 2 transposed convolutions (stride 2), concatenates the encoder's feature map of the
 * same size (the skip connection) and applies a double conv block, and a 1 x 1 conv to class
 * scores. 'same' padding keeps the output the input's size.
 */
import { Tensor } from '../../tensor/tensor.js';
import { shapeStr } from '../../tensor/shape.js';
import { cat } from '../../ops/join.js';
import { Module } from '../../nn/module.js';
import { Sequential } from '../../nn/containers.js';
import { Conv2d, ConvTranspose2d } from '../../nn/layers/conv.js';
import { BatchNorm2d } from '../../nn/layers/norm.js';
import { ReLU } from '../../nn/layers/activation.js';
import { MaxPool2d } from '../../nn/layers/pool.js';

export interface UNetOptions {
  /** Input channels (default 3). */
  inChannels?: number;
  /** Output channels: one score map per class (default 2). */
  numClasses?: number;
  /** Channels at each depth, top to bottom (default [16, 32, 64, 128]); the input side must divide by 2^(depth - 1). */
  widths?: readonly number[];
}

function doubleConv(cin: number, cout: number): Sequential {
  return new Sequential(
    new Conv2d(cin, cout, 3, { padding: 1, bias: false }), new BatchNorm2d(cout), new ReLU(),
    new Conv2d(cout, cout, 3, { padding: 1, bias: false }), new BatchNorm2d(cout), new ReLU(),
  );
}

export class UNet extends Module {
  readonly encoders: Sequential[];
  readonly pool: MaxPool2d;
  readonly ups: ConvTranspose2d[];
  readonly decoders: Sequential[];
  readonly head: Conv2d;
  readonly widths: readonly number[];

  constructor(options: UNetOptions = {}) {
    super();
    const inChannels = options.inChannels ?? 3;
    const numClasses = options.numClasses ?? 2;
    const widths = options.widths ?? [16, 32, 64, 128];
    if (!Number.isInteger(inChannels) || inChannels < 1) throw new Error(`UNet: inChannels must be a positive integer, got ${String(inChannels)}`);
    if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`UNet: numClasses must be a positive integer, got ${String(numClasses)}`);
    if (!Array.isArray(widths) || widths.length < 2 || !widths.every((w) => Number.isInteger(w) && w > 0)) {
      throw new Error(`UNet: widths must list at least 2 positive channel counts (top to bottom), got ${JSON.stringify(widths)}`);
    }
    this.widths = [...widths];
    this.encoders = widths.map((w, i) => doubleConv(i === 0 ? inChannels : widths[i - 1]!, w));
    this.pool = new MaxPool2d(2);
    this.ups = widths.slice(0, -1).map((w, i) => new ConvTranspose2d(widths[i + 1]!, w, 2, { stride: 2 }));
    this.decoders = widths.slice(0, -1).map((w) => doubleConv(2 * w, w));
    this.head = new Conv2d(widths[0]!, numClasses, 1);
  }

  /** [N, C, H, W] -> class scores [N, numClasses, H, W]. */
  forward(x: Tensor): Tensor {
    const factor = 2 ** (this.widths.length - 1);
    if (!(x instanceof Tensor) || x.ndim !== 4 || x.shape[2]! % factor !== 0 || x.shape[3]! % factor !== 0) {
      throw new Error(`UNet: expected images [N, C, H, W] with H and W divisible by ${factor} (${this.widths.length} levels), got ${x instanceof Tensor ? shapeStr(x.shape) : typeof x}`);
    }
    const skips: Tensor[] = [];
    let h = x;
    this.encoders.forEach((encoder, i) => {
      h = encoder.forward(i === 0 ? h : this.pool.forward(h));
      skips.push(h);
    });
    for (let i = this.ups.length - 1; i >= 0; i--) {
      h = this.decoders[i]!.forward(cat([skips[i]!, this.ups[i]!.forward(h)], 1));
    }
    return this.head.forward(h);
  }
}
