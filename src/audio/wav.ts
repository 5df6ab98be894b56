/**
 * WAV (RIFF/WAVE) from and to bytes, browser-safe: PCM 8 (unsigned), 16, 24, 32-bit and IEEE float
 * 32 (and 64 on reading), any number of channels, WAVE_FORMAT_EXTENSIBLE included. Samples come
 * out as torchaudio.load gives them: float32 [channels, frames] scaled to [-1, 1) (int / 2^(bits-1);
 * 8-bit: (x - 128) / 128); 32-bit PCM and float samples are rounded to 25 bits and float ones clipped
 * to [-1, 1], as torchaudio 0.13 reads them through sox. Files are untrusted input: every size is checked before it is read.
 */
import { checkOptionKeys } from '../ops/args.js';
import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/creation.js';

export type WavEncoding = 'pcm8' | 'pcm16' | 'pcm24' | 'pcm32' | 'float32' | 'float64';

export interface WavAudio {
  /** float32 [channels, frames] in [-1, 1]. */
  waveform: Tensor;
  sampleRate: number;
  /** How the samples were stored. */
  encoding: WavEncoding;
}

const PCM = 1;
const FLOAT = 3;
const EXTENSIBLE = 0xfffe;

function fourcc(view: DataView, at: number): string {
  return String.fromCharCode(view.getUint8(at), view.getUint8(at + 1), view.getUint8(at + 2), view.getUint8(at + 3));
}

/**
 * torchaudio 0.13 reads through sox, whose samples are 32-bit integers: float samples are rounded
 * (half away from zero) and clipped to them, and integers become floats rounded to 25 bits, the
 * top 64 values clipped to 1 (SOX_SAMPLE_TO_FLOAT_32BIT). We read as torchaudio does.
 */
function soxFromFloat(f: number): number {
  const x = f * 2147483648;
  if (Number.isNaN(x)) return 0;
  if (x < 0) return x <= -2147483648.5 ? -2147483648 : Math.trunc(x - 0.5);
  return x >= 2147483647.5 ? 2147483647 : Math.trunc(x + 0.5);
}

function soxToFloat(d: number): number {
  return d > 2147483647 - 64 ? 1 : ((d + 64) >> 7) / 16777216;
}

/** Reads a WAV file's bytes. */
export function decodeWav(bytes: Uint8Array | ArrayBuffer): WavAudio {
  const op = 'decodeWav';
  const data = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
  if (!(data instanceof Uint8Array)) throw new Error(`${op}: expected a Uint8Array or ArrayBuffer`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.byteLength < 12 || fourcc(view, 0) !== 'RIFF' || fourcc(view, 8) !== 'WAVE') throw new Error(`${op}: not a WAV file (no RIFF/WAVE header)`);
  let format: { tag: number; channels: number; rate: number; bits: number; blockAlign: number } | null = null;
  let samples: { at: number; size: number } | null = null;
  for (let at = 12; at + 8 <= data.byteLength;) {
    const id = fourcc(view, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (body + size > data.byteLength) {
      // A truncated data chunk (a recorder that never patched the size) keeps what is there.
      if (id === 'data') samples = { at: body, size: data.byteLength - body };
      else throw new Error(`${op}: chunk '${id}' of ${size} bytes runs past the end of the file`);
      break;
    }
    if (id === 'fmt ') {
      if (size < 16) throw new Error(`${op}: fmt chunk of ${size} bytes is too short`);
      let tag = view.getUint16(body, true);
      if (tag === EXTENSIBLE) {
        if (size < 40) throw new Error(`${op}: WAVE_FORMAT_EXTENSIBLE fmt chunk of ${size} bytes is too short`);
        tag = view.getUint16(body + 24, true); // the sub-format GUID starts with the format tag
      }
      format = { tag, channels: view.getUint16(body + 2, true), rate: view.getUint32(body + 4, true), blockAlign: view.getUint16(body + 12, true), bits: view.getUint16(body + 14, true) };
    } else if (id === 'data') {
      samples = { at: body, size };
    }
    at = body + size + (size % 2);
  }
  if (format === null) throw new Error(`${op}: no fmt chunk`);
  if (samples === null) throw new Error(`${op}: no data chunk`);
  const { tag, channels, rate, bits } = format;
  if (channels < 1) throw new Error(`${op}: ${channels} channels`);
  if (rate < 1) throw new Error(`${op}: sample rate ${rate}`);
  let encoding: WavEncoding;
  if (tag === PCM && [8, 16, 24, 32].includes(bits)) encoding = `pcm${bits}` as WavEncoding;
  else if (tag === FLOAT && (bits === 32 || bits === 64)) encoding = `float${bits}` as WavEncoding;
  else throw new Error(`${op}: unsupported sample format (format tag ${tag}, ${bits} bits); PCM 8/16/24/32-bit and float 32/64 are read`);
  const width = bits / 8;
  if (format.blockAlign !== width * channels) throw new Error(`${op}: block align ${format.blockAlign} differs from ${channels} channels x ${width} bytes`);
  const frames = Math.floor(samples.size / (width * channels));
  const out = new Float32Array(channels * frames);
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channels; c++) {
      const at = samples.at + (f * channels + c) * width;
      let v: number;
      switch (encoding) {
        case 'pcm8': v = (view.getUint8(at) - 128) / 128; break;
        case 'pcm16': v = view.getInt16(at, true) / 32768; break;
        case 'pcm24': v = ((view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getInt8(at + 2) << 16))) / 8388608; break;
        case 'pcm32': v = soxToFloat(view.getInt32(at, true)); break;
        case 'float32': v = soxToFloat(soxFromFloat(view.getFloat32(at, true))); break;
        default: v = soxToFloat(soxFromFloat(view.getFloat64(at, true)));
      }
      out[c * frames + f] = v;
    }
  }
  return { waveform: tensor(out).reshape([channels, frames]), sampleRate: rate, encoding };
}

export interface EncodeWavOptions {
  /** Sample format (default 'pcm16'). PCM values are clipped to [-1, 1) and rounded. */
  encoding?: WavEncoding;
}

/** Writes waveform [channels, frames] (or [frames]: mono) of floats in [-1, 1] as WAV bytes. */
export function encodeWav(waveform: Tensor, sampleRate: number, options: EncodeWavOptions = {}): Uint8Array {
  const op = 'encodeWav';
  if (!(waveform instanceof Tensor) || (waveform.ndim !== 1 && waveform.ndim !== 2)) {
    throw new Error(`${op}: waveform must be a tensor [channels, frames] or [frames], got ${waveform instanceof Tensor ? `${waveform.ndim} dims` : typeof waveform}`);
  }
  if (!Number.isInteger(sampleRate) || sampleRate < 1 || sampleRate > 0xffffffff) throw new Error(`${op}: sampleRate must be a positive integer, got ${sampleRate}`);
  checkOptionKeys(op, options, ['encoding']);
  const encoding = options.encoding ?? 'pcm16';
  const bitsOf: Record<WavEncoding, number> = { pcm8: 8, pcm16: 16, pcm24: 24, pcm32: 32, float32: 32, float64: 64 };
  const bits = bitsOf[encoding];
  if (bits === undefined) throw new Error(`${op}: encoding must be one of ${Object.keys(bitsOf).join(', ')}, got ${String(encoding)}`);
  const w = waveform.ndim === 1 ? waveform.unsqueeze(0) : waveform;
  const [channels, frames] = w.shape as [number, number];
  if (channels < 1 || channels > 65535) throw new Error(`${op}: ${channels} channels`);
  const values = w.to('float64').contiguous().toTypedArray() as Float64Array;
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) throw new Error(`${op}: sample ${i} is ${values[i]}; a WAV file holds finite samples`);
  const width = bits / 8;
  const dataSize = frames * channels * width;
  if (dataSize + 36 > 0xffffffff) throw new Error(`${op}: ${dataSize} bytes of samples exceed the 4 GiB a WAV file can hold`);
  const bytes = new Uint8Array(44 + dataSize + (dataSize % 2));
  const view = new DataView(bytes.buffer);
  const ascii = (at: number, s: string): void => { for (let i = 0; i < 4; i++) view.setUint8(at + i, s.charCodeAt(i)); };
  ascii(0, 'RIFF');
  view.setUint32(4, bytes.length - 8, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, encoding.startsWith('float') ? FLOAT : PCM, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * width, true);
  view.setUint16(32, channels * width, true);
  view.setUint16(34, bits, true);
  ascii(36, 'data');
  view.setUint32(40, dataSize, true);
  const intOf = (v: number, scale: number): number => Math.max(-scale, Math.min(scale - 1, Math.round(v * scale)));
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channels; c++) {
      const v = values[c * frames + f]!;
      const at = 44 + (f * channels + c) * width;
      switch (encoding) {
        case 'pcm8': view.setUint8(at, intOf(v, 128) + 128); break;
        case 'pcm16': view.setInt16(at, intOf(v, 32768), true); break;
        case 'pcm24': {
          const x = intOf(v, 8388608);
          view.setUint8(at, x & 0xff);
          view.setUint8(at + 1, (x >> 8) & 0xff);
          view.setInt8(at + 2, x >> 16);
          break;
        }
        case 'pcm32': view.setInt32(at, intOf(v, 2147483648), true); break;
        case 'float32': view.setFloat32(at, v, true); break;
        default: view.setFloat64(at, v, true);
      }
    }
  }
  return bytes;
}
