/**
 * PNG and JPEG images to NCHW float tensors in [0, 1] and back to PNG, with pure-JS codecs
 * (fast-png, jpeg-js), so it runs in browsers too.
 */
import { decode as decodePngBytes, encode as encodePngBytes, hasPngSignature } from 'fast-png';
import jpeg from 'jpeg-js';
import { Tensor } from '../tensor/tensor.js';
import { shapeStr } from '../tensor/shape.js';

export interface DecodeImageOptions {
  /** Convert to this many channels: 1 (gray), 3 (RGB) or 4 (RGBA). Default: the image's own (gray, gray+alpha, RGB or RGBA). */
  channels?: 1 | 2 | 3 | 4;
  /** Refuse images with more pixels than this (default 100 megapixels), to bound memory on untrusted input. */
  maxPixels?: number;
}

export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** Interleaved 8/16-bit pixels -> [1, C, H, W] float32 in [0, 1], converting the channel count. */
function toTensor(
  pixels: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
  maxValue: number,
  want: number,
): Tensor {
  const plane = width * height;
  const out = new Float32Array(want * plane);
  const inv = 1 / maxValue;
  const hasAlpha = channels === 2 || channels === 4;
  const colour = channels >= 3;
  for (let p = 0; p < plane; p++) {
    const base = p * channels;
    const r = pixels[base]! * inv;
    const g = colour ? pixels[base + 1]! * inv : r;
    const b = colour ? pixels[base + 2]! * inv : r;
    const a = hasAlpha ? pixels[base + channels - 1]! * inv : 1;
    if (want === 1 || want === 2) {
      // ITU-R 601 luma, as PIL's convert('L').
      out[p] = colour ? 0.299 * r + 0.587 * g + 0.114 * b : r;
      if (want === 2) out[plane + p] = a;
    } else {
      out[p] = r;
      out[plane + p] = g;
      out[2 * plane + p] = b;
      if (want === 4) out[3 * plane + p] = a;
    }
  }
  return Tensor.fromData(out, [1, want, height, width], 'float32');
}

function checkSize(op: string, width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) {
    throw new Error(`${op}: the image is ${width}x${height}, more than maxPixels = ${maxPixels}; raise maxPixels to allow it`);
  }
}

/** Decodes PNG bytes (any bit depth, palette, gray, alpha) into [1, C, H, W] float32 in [0, 1]. */
export function decodePng(bytes: Uint8Array, options: DecodeImageOptions = {}): Tensor {
  if (!hasPngSignature(bytes)) throw new Error('decodePng: the data does not start with the PNG signature; it is not a PNG file');
  let png;
  try {
    png = decodePngBytes(bytes);
  } catch (e) {
    throw new Error(`decodePng: the PNG data is corrupt or unsupported (${(e as Error).message})`);
  }
  checkSize('decodePng', png.width, png.height, options.maxPixels ?? 1e8);
  let { data, channels } = png;
  let maxValue = png.depth === 16 ? 65535 : 255;
  if (png.palette !== undefined) {
    // Expand palette indices (packed at depths below 8) to RGB(A) bytes.
    const hasAlpha = png.transparency !== undefined || png.palette.some((c) => c.length === 4);
    channels = hasAlpha ? 4 : 3;
    const bitsPerPixel = png.depth;
    const rowBytes = Math.ceil((png.width * bitsPerPixel) / 8);
    const rgba = new Uint8Array(png.width * png.height * channels);
    for (let y = 0; y < png.height; y++) {
      for (let x = 0; x < png.width; x++) {
        const bit = x * bitsPerPixel;
        const byte = data[y * rowBytes + (bit >> 3)]!;
        const index = bitsPerPixel === 8 ? byte : (byte >> (8 - bitsPerPixel - (bit & 7))) & ((1 << bitsPerPixel) - 1);
        const colour = png.palette[index] ?? [0, 0, 0];
        const at = (y * png.width + x) * channels;
        rgba[at] = colour[0] ?? 0;
        rgba[at + 1] = colour[1] ?? 0;
        rgba[at + 2] = colour[2] ?? 0;
        if (hasAlpha) rgba[at + 3] = colour[3] ?? png.transparency?.[index] ?? 255;
      }
    }
    data = rgba;
    maxValue = 255;
  } else if (png.depth < 8) {
    // Gray at 1, 2 or 4 bits per pixel: unpack and scale to 0..255.
    const depth = png.depth;
    const rowBytes = Math.ceil((png.width * depth) / 8);
    const levels = (1 << depth) - 1;
    const gray = new Uint8Array(png.width * png.height);
    for (let y = 0; y < png.height; y++) {
      for (let x = 0; x < png.width; x++) {
        const bit = x * depth;
        const byte = data[y * rowBytes + (bit >> 3)]!;
        gray[y * png.width + x] = Math.round((((byte >> (8 - depth - (bit & 7))) & levels) * 255) / levels);
      }
    }
    data = gray;
    maxValue = 255;
  }
  return toTensor(data, png.width, png.height, channels, maxValue, options.channels ?? channels);
}

/** Decodes baseline or progressive JPEG bytes into [1, C, H, W] float32 in [0, 1] (3 channels unless asked otherwise). */
export function decodeJpeg(bytes: Uint8Array, options: DecodeImageOptions = {}): Tensor {
  if (!isJpeg(bytes)) throw new Error('decodeJpeg: the data does not start with the JPEG marker FF D8 FF; it is not a JPEG file');
  const maxPixels = options.maxPixels ?? 1e8;
  let image;
  try {
    image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: maxPixels / 1e6, maxMemoryUsageInMB: 2048 });
  } catch (e) {
    throw new Error(`decodeJpeg: the JPEG data is corrupt or unsupported (${(e as Error).message})`);
  }
  checkSize('decodeJpeg', image.width, image.height, maxPixels);
  return toTensor(image.data, image.width, image.height, 3, 255, options.channels ?? 3);
}

/** Decodes a PNG or JPEG (told apart by their signatures) into [1, C, H, W] float32 in [0, 1]. */
export function decodeImage(bytes: Uint8Array, options: DecodeImageOptions = {}): Tensor {
  if (hasPngSignature(bytes)) return decodePng(bytes, options);
  if (isJpeg(bytes)) return decodeJpeg(bytes, options);
  throw new Error('decodeImage: the data is neither a PNG nor a JPEG (unknown signature)');
}

/**
 * Encodes an image tensor ([C, H, W] or [1, C, H, W] with C = 1, 2, 3 or 4, values in [0, 1],
 * clamped) as 8-bit PNG bytes.
 */
export function encodePng(image: Tensor): Uint8Array {
  const shape = image.ndim === 4 && image.shape[0] === 1 ? image.shape.slice(1) : image.shape;
  const [c, h, w] = shape;
  if (shape.length !== 3 || c === undefined || h === undefined || w === undefined || c < 1 || c > 4) {
    throw new Error(
      `encodePng: expected an image of shape [C, H, W] or [1, C, H, W] with C in 1..4, got ${shapeStr(image.shape)}; ` +
        'encode a batch one image at a time',
    );
  }
  const values = image.toTypedArray();
  const plane = h * w;
  const pixels = new Uint8Array(plane * c);
  for (let p = 0; p < plane; p++) {
    for (let k = 0; k < c; k++) {
      const v = values[k * plane + p]!;
      pixels[p * c + k] = Number.isNaN(v) ? 0 : Math.round(Math.min(1, Math.max(0, v)) * 255);
    }
  }
  return encodePngBytes({ width: w, height: h, data: pixels, depth: 8, channels: c });
}
