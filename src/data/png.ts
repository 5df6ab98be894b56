/**
 * A PNG decoder for untrusted files (browser-safe): every colour type and bit depth the
 * specification allows, Adam7 interlacing, CRC-checked chunks, and memory bounded before any
 * large allocation: IHDR is checked against maxPixels first, and the image data is inflated in
 * steps into a buffer of exactly the size IHDR implies, never past it.
 */
import { Unzlib } from 'fflate';
import { crc32 } from '../util/crc32.js';
import { MAX_DEFLATE_RATIO, boundedStep } from './gzip.js';

export const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

export function hasPngSignature(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

/** Decoded samples, interleaved: `channels` per pixel, each in 0..maxValue. Palettes are expanded to RGB(A). */
export interface PngPixels {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  maxValue: number;
  samples: Uint8Array | Uint16Array;
}

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  interlaced: boolean;
}

const COLOUR_TYPES: Record<number, { name: string; channels: number; depths: number[] }> = {
  0: { name: 'gray', channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { name: 'RGB', channels: 3, depths: [8, 16] },
  3: { name: 'palette', channels: 1, depths: [1, 2, 4, 8] },
  4: { name: 'gray + alpha', channels: 2, depths: [8, 16] },
  6: { name: 'RGBA', channels: 4, depths: [8, 16] },
};

/** Adam7 passes: first column, first row, column step, row step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

const MAX_CHUNK = 2 ** 31 - 1;

function fail(why: string): never {
  throw new Error(`decodePng: ${why}`);
}

function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/** Reads and validates IHDR only (13 bytes after the signature), before anything is allocated. */
export function readPngHeader(bytes: Uint8Array): PngHeader {
  if (!hasPngSignature(bytes)) fail('the data does not start with the PNG signature; it is not a PNG file');
  if (bytes.length < 33) fail(`the file has ${bytes.length} bytes, too few for the PNG signature and IHDR chunk; it is truncated`);
  const type = String.fromCharCode(...bytes.subarray(12, 16));
  if (type !== 'IHDR' || u32(bytes, 8) !== 13) fail('the first chunk must be a 13-byte IHDR');
  const width = u32(bytes, 16);
  const height = u32(bytes, 20);
  const [bitDepth, colourType, compression, filter, interlace] = bytes.subarray(24, 29) as unknown as number[];
  if (width === 0 || height === 0 || width > MAX_CHUNK || height > MAX_CHUNK) fail(`IHDR declares ${width}x${height} pixels; each side must be 1 to 2^31-1`);
  const kind = Object.hasOwn(COLOUR_TYPES, colourType!) ? COLOUR_TYPES[colourType!] : undefined;
  if (kind === undefined) fail(`IHDR has colour type ${colourType}; PNG defines 0, 2, 3, 4 and 6`);
  if (!kind.depths.includes(bitDepth!)) {
    fail(`IHDR has colour type ${colourType} (${kind.name}) at bit depth ${bitDepth}; the PNG specification allows only ${kind.depths.join(', ')} for it`);
  }
  if (compression !== 0 || filter !== 0) fail(`IHDR has compression method ${compression} and filter method ${filter}; PNG defines only 0`);
  if (interlace !== 0 && interlace !== 1) fail(`IHDR has interlace method ${interlace}; PNG defines 0 (none) and 1 (Adam7)`);
  if (u32(bytes, 29) !== crc32(bytes.subarray(12, 29))) fail('the IHDR chunk fails its CRC; the file is corrupt');
  return { width, height, bitDepth: bitDepth!, colourType: colourType!, interlaced: interlace === 1 };
}

/** The passes (one, or Adam7's seven) as [x0, y0, dx, dy, width, height], empty ones left out. */
function passesOf(header: PngHeader): [number, number, number, number, number, number][] {
  const passes = header.interlaced ? ADAM7 : ([[0, 0, 1, 1]] as const);
  const out: [number, number, number, number, number, number][] = [];
  for (const [x0, y0, dx, dy] of passes) {
    const w = header.width > x0 ? Math.ceil((header.width - x0) / dx) : 0;
    const h = header.height > y0 ? Math.ceil((header.height - y0) / dy) : 0;
    if (w > 0 && h > 0) out.push([x0, y0, dx, dy, w, h]);
  }
  return out;
}

export interface DecodePngOptions {
  /** Refuse images with more pixels than this (checked on IHDR, before decoding). */
  maxPixels: number;
}

/** Decodes PNG bytes into interleaved samples; throws an Error starting with "decodePng:" for anything invalid. */
export function decodePngPixels(bytes: Uint8Array, options: DecodePngOptions): PngPixels {
  const header = readPngHeader(bytes);
  const { width, height, bitDepth, colourType } = header;
  if (width * height > options.maxPixels) {
    fail(`IHDR declares ${width}x${height} = ${width * height} pixels, more than maxPixels = ${options.maxPixels}; raise maxPixels to allow it`);
  }
  const fileChannels = COLOUR_TYPES[colourType]!.channels;
  const bitsPerPixel = bitDepth * fileChannels;
  const passes = passesOf(header);
  let filteredBytes = 0;
  for (const [, , , , w, h] of passes) filteredBytes += h * (1 + Math.ceil((w * bitsPerPixel) / 8));

  // Walk the chunks: collect PLTE, tRNS and the IDAT pieces (views, no copies).
  let palette: Uint8Array | null = null;
  let transparency: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  let idatBytes = 0;
  let idatDone = false;
  let ended = false;
  for (let at = 8; !ended; ) {
    if (at + 12 > bytes.length) fail(`the file ends at byte ${bytes.length} inside a chunk header, before IEND; it is truncated`);
    const length = u32(bytes, at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (!/^[A-Za-z]{4}$/.test(type)) fail(`bad chunk type bytes at offset ${at + 4}; the file is corrupt`);
    if (length > MAX_CHUNK) fail(`the ${type} chunk declares ${length} bytes, more than PNG's 2^31-1 limit`);
    if (at + 12 + length > bytes.length) fail(`the ${type} chunk declares ${length} bytes but the file ends ${bytes.length - at - 12} bytes later; it is truncated`);
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (u32(bytes, at + 8 + length) !== crc32(data, crc32(bytes.subarray(at + 4, at + 8)))) fail(`the ${type} chunk at byte ${at} fails its CRC; the file is corrupt`);
    if (type === 'IDAT') {
      if (idatDone) fail('the IDAT chunks are not consecutive');
      idat.push(data);
      idatBytes += length;
    } else if (idat.length > 0) idatDone = true;
    if (type === 'IHDR' && at !== 8) fail('a second IHDR chunk');
    else if (type === 'PLTE') {
      if (palette !== null) fail('a second PLTE chunk');
      if (idat.length > 0) fail('PLTE after the image data');
      if (length % 3 !== 0 || length === 0 || length > 768) fail(`PLTE has ${length} bytes; it must hold 1 to 256 RGB entries of 3 bytes`);
      palette = data; // for colour types 2 and 6 only a suggestion, ignored below
    } else if (type === 'tRNS') transparency = data;
    else if (type === 'IEND') ended = true;
    else if (type !== 'IDAT' && type !== 'IHDR' && type.charCodeAt(0) < 97) fail(`unknown critical chunk ${type}; this decoder cannot skip it`);
    at += 12 + length;
  }
  if (idat.length === 0) fail('there is no IDAT (image data) chunk');
  if (colourType === 3 && palette === null) fail('a palette image (colour type 3) without a PLTE chunk');
  if (filteredBytes > MAX_DEFLATE_RATIO * idatBytes + 1024) {
    fail(`IHDR declares ${width}x${height} pixels (${filteredBytes} bytes of image data) but the IDAT chunks hold only ${idatBytes} compressed bytes; the file is truncated or forged`);
  }
  const filtered = inflateImageData(idat, filteredBytes);
  return unpack(header, passes, filtered, palette, transparency);
}

/** Inflates the IDAT stream into exactly `expected` bytes, in bounded steps. */
function inflateImageData(parts: readonly Uint8Array[], expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let total = 0;
  const stream = new Unzlib((chunk) => {
    if (total + chunk.length > expected) fail(`the image data decompresses to more than the ${expected} bytes IHDR implies; the file is corrupt`);
    out.set(chunk, total);
    total += chunk.length;
  });
  try {
    parts.forEach((part, k) => {
      for (let at = 0; at < part.length || (at === 0 && k === parts.length - 1); ) {
        const step = boundedStep(expected - total);
        stream.push(part.subarray(at, at + step), k === parts.length - 1 && at + step >= part.length);
        at += step;
      }
    });
  } catch (e) {
    const message = (e as Error).message;
    if (message.startsWith('decodePng:')) throw e;
    fail(`the image data does not decompress (${message}); the file is truncated or corrupt`);
  }
  if (total !== expected) fail(`the image data decompresses to ${total} bytes but IHDR implies ${expected}; the file is truncated`);
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Undoes the per-row filters of one pass in place; `at` is where the pass starts in `data`. */
function unfilter(data: Uint8Array, at: number, rowBytes: number, rows: number, bytesPerPixel: number): void {
  const bpp = bytesPerPixel;
  for (let y = 0; y < rows; y++) {
    const row = at + y * (rowBytes + 1) + 1;
    const kind = data[row - 1]!;
    // The previous row's first byte; on a pass's first row "up" is 0, which Up/Average/Paeth then reduce to Sub-like forms.
    const prior = row - rowBytes - 1;
    const first = y === 0;
    switch (kind) {
      case 0:
        break;
      case 1:
        for (let i = bpp; i < rowBytes; i++) data[row + i] = (data[row + i]! + data[row + i - bpp]!) & 0xff;
        break;
      case 2:
        if (!first) for (let i = 0; i < rowBytes; i++) data[row + i] = (data[row + i]! + data[prior + i]!) & 0xff;
        break;
      case 3:
        for (let i = 0; i < rowBytes; i++) {
          const left = i >= bpp ? data[row + i - bpp]! : 0;
          const up = first ? 0 : data[prior + i]!;
          data[row + i] = (data[row + i]! + ((left + up) >> 1)) & 0xff;
        }
        break;
      case 4:
        for (let i = 0; i < rowBytes; i++) {
          const left = i >= bpp ? data[row + i - bpp]! : 0;
          const up = first ? 0 : data[prior + i]!;
          const upLeft = first || i < bpp ? 0 : data[prior + i - bpp]!;
          data[row + i] = (data[row + i]! + paeth(left, up, upLeft)) & 0xff;
        }
        break;
      default:
        fail(`row ${y} has filter type ${kind}; PNG defines 0 to 4`);
    }
  }
}

/** Unfilters each pass and places its pixels, expanding palettes and sub-byte samples. */
function unpack(
  header: PngHeader,
  passes: readonly [number, number, number, number, number, number][],
  data: Uint8Array,
  palette: Uint8Array | null,
  transparency: Uint8Array | null,
): PngPixels {
  const { width, height, bitDepth, colourType } = header;
  const fileChannels = COLOUR_TYPES[colourType]!.channels;
  const isPalette = colourType === 3;
  const paletteAlpha = isPalette && transparency !== null;
  const channels = (isPalette ? (paletteAlpha ? 4 : 3) : fileChannels) as 1 | 2 | 3 | 4;
  const samples = bitDepth === 16 ? new Uint16Array(width * height * channels) : new Uint8Array(width * height * channels);
  const maxValue = isPalette ? 255 : 2 ** bitDepth - 1;
  const bytesPerPixel = Math.max(1, (bitDepth * fileChannels) >> 3);
  const entries = palette === null ? 0 : palette.length / 3;
  let at = 0;
  for (const [x0, y0, dx, dy, w, h] of passes) {
    const rowBytes = Math.ceil((w * bitDepth * fileChannels) / 8);
    unfilter(data, at, rowBytes, h, bytesPerPixel);
    for (let py = 0; py < h; py++) {
      const row = at + py * (rowBytes + 1) + 1;
      const y = y0 + py * dy;
      if (bitDepth === 8 && !isPalette && dx === 1) {
        samples.set(data.subarray(row, row + rowBytes), y * width * channels); // whole rows, as stored
        continue;
      }
      for (let px = 0; px < w; px++) {
        const out = ((y * width + x0 + px * dx) * channels) | 0;
        if (bitDepth === 16) {
          for (let k = 0; k < fileChannels; k++) {
            const b = row + 2 * (px * fileChannels + k);
            samples[out + k] = (data[b]! << 8) | data[b + 1]!;
          }
        } else if (bitDepth === 8 && !isPalette) {
          for (let k = 0; k < fileChannels; k++) samples[out + k] = data[row + px * fileChannels + k]!;
        } else {
          const bit = px * bitDepth;
          const value = bitDepth === 8 ? data[row + px]! : (data[row + (bit >> 3)]! >> (8 - bitDepth - (bit & 7))) & ((1 << bitDepth) - 1);
          if (!isPalette) samples[out] = value;
          else {
            if (value >= entries) fail(`pixel (${x0 + px * dx}, ${y}) uses palette index ${value} but PLTE has ${entries} entries`);
            samples[out] = palette![3 * value]!;
            samples[out + 1] = palette![3 * value + 1]!;
            samples[out + 2] = palette![3 * value + 2]!;
            if (paletteAlpha) samples[out + 3] = value < transparency!.length ? transparency![value]! : 255;
          }
        }
      }
    }
    at += h * (rowBytes + 1);
  }
  return { width, height, channels, maxValue, samples };
}
