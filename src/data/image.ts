/**
 * PNG and JPEG images to NCHW float tensors in [0, 1] and back to PNG, with pure-JS codecs
 * (fast-png, jpeg-js), so it runs in browsers too.
 */
import { encode as encodePngBytes } from 'fast-png';
import jpeg from 'jpeg-js';
import { Tensor } from '../tensor/tensor.js';
import { shapeStr } from '../tensor/shape.js';
import { preview } from '../util/untrusted.js';
import { checkOptionKeys } from '../ops/args.js';
import { decodePngPixels, hasPngSignature } from './png.js';

/** Default limit on an image's pixels (width x height) for decodePng / decodeJpeg / readImage. */
export const MAX_PIXELS = 50_000_000;

export interface DecodeImageOptions {
  /** Convert to this many channels: 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA). Default: the image's own (gray, gray+alpha, RGB or RGBA). */
  channels?: 1 | 2 | 3 | 4;
  /**
   * Refuse images with more pixels than this (default MAX_PIXELS = 50 megapixels), checked on the
   * file's header before the decoder allocates anything.
   */
  maxPixels?: number;
}

function checkOptions(op: string, options: DecodeImageOptions): { channels: 1 | 2 | 3 | 4 | undefined; maxPixels: number } {
  checkOptionKeys(op, options, ['channels', 'maxPixels']);
  const { channels, maxPixels = MAX_PIXELS } = options;
  if (channels !== undefined && channels !== 1 && channels !== 2 && channels !== 3 && channels !== 4) {
    throw new Error(`${op}: channels must be 1, 2, 3 or 4, got ${preview(channels)}`);
  }
  if (typeof maxPixels !== 'number' || !(maxPixels > 0)) throw new Error(`${op}: maxPixels must be a positive number, got ${preview(maxPixels)}`);
  return { channels, maxPixels };
}

function checkBytes(op: string, bytes: unknown): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new Error(`${op}: expected the file's bytes as a Uint8Array, got ${preview(bytes)}`);
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

/** Decodes PNG bytes (every colour type and bit depth, interlaced or not) into [1, C, H, W] float32 in [0, 1]. */
export function decodePng(bytes: Uint8Array, options: DecodeImageOptions = {}): Tensor {
  checkBytes('decodePng', bytes);
  const { channels, maxPixels } = checkOptions('decodePng', options);
  const png = decodePngPixels(bytes, { maxPixels });
  return toTensor(png.samples, png.width, png.height, png.channels, png.maxValue, channels ?? png.channels);
}

/** What a JPEG's frame header (SOF) declares, read without decoding. */
export interface JpegFrame {
  width: number;
  height: number;
  components: number;
  /** 8x8 blocks over all components, with the MCU padding the decoder allocates. */
  blocks: number;
  /** Number of scans (SOS markers). */
  scans: number;
}

/** Most 8x8-block visits (blocks x scans) a JPEG may ask of the decoder: ~30 s of decoding bounded to about 1 s. */
export const MAX_JPEG_BLOCK_SCANS = 2 ** 27;

/**
 * Walks the JPEG's markers up to the end: the frame header's size and components, and the number
 * of scans, without decoding (entropy-coded data is skipped byte by byte to the next marker).
 */
export function readJpegFrame(bytes: Uint8Array): JpegFrame {
  const fail = (why: string): never => {
    throw new Error(`decodeJpeg: ${why}`);
  };
  if (!isJpeg(bytes)) fail('the data does not start with the JPEG marker FF D8 FF; it is not a JPEG file');
  let frame: Omit<JpegFrame, 'scans'> | null = null;
  let scans = 0;
  let at = 2;
  while (at < bytes.length) {
    if (bytes[at] !== 0xff) {
      if (scans === 0) fail(`expected a marker at byte ${at}, found 0x${bytes[at]!.toString(16)}; the file is corrupt`);
      at++; // inside entropy-coded data
      continue;
    }
    const marker = bytes[at + 1];
    if (marker === undefined) break;
    if (marker === 0xff || marker === 0x00 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += marker === 0xff ? 1 : 2; // fill byte, stuffed zero, restart marker
      continue;
    }
    if (marker === 0xd9) break; // EOI
    if (marker === 0xd8) fail(`a second start-of-image marker at byte ${at}`);
    if (at + 4 > bytes.length) fail(`the file ends inside the marker at byte ${at}; it is truncated`);
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    if (length < 2 || at + 2 + length > bytes.length) fail(`the segment at byte ${at} declares ${length} bytes, past the end of the file; it is truncated`);
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (frame !== null) fail('a second frame header (SOF)');
      if (length < 8) fail(`the frame header at byte ${at} is too short`);
      const height = (bytes[at + 5]! << 8) | bytes[at + 6]!;
      const width = (bytes[at + 7]! << 8) | bytes[at + 8]!;
      const components = bytes[at + 9]!;
      if (width === 0 || height === 0) fail(`the frame header declares ${width}x${height} pixels; a zero side (height set later by DNL) is not supported`);
      if (components === 0 || length < 8 + 3 * components) fail(`the frame header declares ${components} components in ${length} bytes`);
      let maxH = 1;
      let maxV = 1;
      const sampling: [number, number][] = [];
      for (let c = 0; c < components; c++) {
        const factors = bytes[at + 11 + 3 * c]!;
        const h = factors >> 4;
        const v = factors & 15;
        if (h < 1 || h > 4 || v < 1 || v > 4) fail(`component ${c} has sampling factors ${h}x${v}; JPEG allows 1 to 4`);
        sampling.push([h, v]);
        maxH = Math.max(maxH, h);
        maxV = Math.max(maxV, v);
      }
      const mcus = Math.ceil(width / (8 * maxH)) * Math.ceil(height / (8 * maxV));
      frame = { width, height, components, blocks: sampling.reduce((sum, [h, v]) => sum + mcus * h * v, 0) };
    } else if (marker === 0xda) {
      if (frame === null) fail('a scan (SOS) before the frame header (SOF)');
      scans++;
    }
    at += 2 + length;
  }
  if (frame === null) return fail('there is no frame header (SOF); the file is truncated or not an image');
  return { ...frame, scans };
}

/** Decodes baseline or progressive JPEG bytes into [1, C, H, W] float32 in [0, 1] (3 channels unless asked otherwise). */
export function decodeJpeg(bytes: Uint8Array, options: DecodeImageOptions = {}): Tensor {
  checkBytes('decodeJpeg', bytes);
  const { channels, maxPixels } = checkOptions('decodeJpeg', options);
  const frame = readJpegFrame(bytes);
  const { width, height, blocks, scans } = frame;
  if (width * height > maxPixels) {
    throw new Error(`decodeJpeg: the frame header declares ${width}x${height} = ${width * height} pixels, more than maxPixels = ${maxPixels}; raise maxPixels to allow it`);
  }
  // Every scan codes each of its blocks' DC (or an EOB) in at least one bit: a file can hold at
  // most 8 blocks of the largest component per byte.
  const lumaBlocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  if (lumaBlocks > 8 * bytes.length) {
    throw new Error(
      `decodeJpeg: the frame header declares ${width}x${height} pixels (${lumaBlocks} 8x8 blocks) but the file has only ${bytes.length} bytes, ` +
        'less than the bit per block every JPEG scan needs; it is truncated or forged',
    );
  }
  if (scans === 0) throw new Error('decodeJpeg: there is no scan (SOS); the file is truncated');
  if (blocks * scans > MAX_JPEG_BLOCK_SCANS) {
    throw new Error(`decodeJpeg: ${scans} scans over ${blocks} blocks is more decoding work than the limit of ${MAX_JPEG_BLOCK_SCANS} block visits; the file is forged or unusual`);
  }
  // jpeg-js keeps an Int32Array(64) per block (256 bytes) and 8-bit planes: a cap proportional to
  // the declared size, so no forged segment can make it allocate more.
  const maxMemoryUsageInMB = Math.ceil((blocks * 384 + width * height * 4 * frame.components) / 2 ** 20) + 16;
  let image;
  try {
    image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: maxPixels / 1e6, maxMemoryUsageInMB });
  } catch (e) {
    throw new Error(`decodeJpeg: the JPEG data is corrupt or unsupported (${preview(String((e as Error).message ?? e), 200)})`);
  }
  if (image.width !== width || image.height !== height || image.data.length !== width * height * 3) {
    throw new Error(`decodeJpeg: the decoder returned ${image.width}x${image.height} pixels for a frame header of ${width}x${height}; the file is corrupt`);
  }
  return toTensor(image.data, image.width, image.height, 3, 255, channels ?? 3);
}

/** Decodes a PNG or JPEG (told apart by their signatures) into [1, C, H, W] float32 in [0, 1]. */
export function decodeImage(bytes: Uint8Array, options: DecodeImageOptions = {}): Tensor {
  checkBytes('decodeImage', bytes);
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
