/**
 * Audio features as tensor functions, matching torchaudio 0.13's functional API (same defaults,
 * formulas and shapes, camelCase names): windows, stft / istft, spectrogram, mel filter banks, mel
 * spectrogram, amplitude to dB, DCT matrix, MFCC, deltas, masking along an axis, resampling.
 *
 * There is no FFT primitive: the DFT is a product with cosine and sine matrices (computed in
 * double), so every transform here is made of differentiable tensor ops. Complex results are
 * returned as { real, imag } pairs of real tensors.
 */
import { checkArg, checkOptionKeys, describe, floatDtype, noExtraArgs } from '../ops/args.js';
import { Tensor } from '../tensor/tensor.js';
import { tensor, zeros } from '../tensor/creation.js';
import { isFloat, type FloatDType } from '../tensor/dtype.js';
import { shapeStr } from '../tensor/shape.js';
import { Generator, defaultGenerator } from '../tensor/random.js';
import { clamp, log, maximum, sqrt } from '../ops/elementwise.js';
import { matmul } from '../ops/linalg.js';
import { amax } from '../ops/reduce.js';
import { indexSelect, maskedFill, scatterAdd } from '../ops/indexing.js';
import { pad, type PadMode } from '../ops/join.js';
import { conv1d } from '../nn/functional/conv.js';

function checkWaveform(op: string, x: unknown, minDims = 1): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (!isFloat(x.dtype)) throw new Error(`${op}: expected a floating-point tensor, got ${x.dtype} (convert with .float())`);
  if (x.ndim < minDims) throw new Error(`${op}: expected at least ${minDims} dims, got ${shapeStr(x.shape)}`);
}

function positiveInt(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new Error(`${op}: ${name} must be a positive integer, got ${String(v)}`);
  return v;
}


export interface WindowOptions {
  /** Periodic window (default true, torch's default: the N-point window of an (N+1)-point symmetric one). */
  periodic?: boolean;
  dtype?: FloatDType;
}

function cosineWindow(op: string, length: number, a0: number, options: WindowOptions): Tensor {
  if (!Number.isInteger(length) || length < 0) throw new Error(`${op}: length must be a non-negative integer, got ${length}`);
  checkOptionKeys(op, options, ['periodic', 'dtype']);
  const periodic = options.periodic ?? true;
  if (length === 1) return tensor([1], { dtype: options.dtype ?? 'float32' });
  const n = periodic ? length : length - 1;
  return tensor(Array.from({ length }, (_, i) => a0 - (1 - a0) * Math.cos((2 * Math.PI * i) / n)), { dtype: options.dtype ?? 'float32' });
}

/** torch.hann_window: 0.5 - 0.5 cos(2 pi n / N). */
export function hannWindow(length: number, options: WindowOptions = {}): Tensor {
  return cosineWindow('hannWindow', length, 0.5, options);
}

/** torch.hamming_window: 0.54 - 0.46 cos(2 pi n / N). */
export function hammingWindow(length: number, options: WindowOptions = {}): Tensor {
  return cosineWindow('hammingWindow', length, 0.54, options);
}

export interface StftOptions {
  /** Samples between frames (default nFft / 4, torch's default). */
  hopLength?: number;
  /** Window size (default nFft); the window is zero-padded to nFft, centred. */
  winLength?: number;
  /** Window of winLength samples (default all ones, as torch.stft). */
  window?: Tensor | null;
  /** Pad nFft / 2 on both sides so frame t is centred at t * hopLength (default true). */
  center?: boolean;
  /** Padding of the centring (default 'reflect'). */
  padMode?: PadMode;
  /** Multiply by nFft^-0.5 (torch.stft's normalized; default false). */
  normalized?: boolean;
  /** Only the nFft / 2 + 1 non-negative frequencies (default true). */
  onesided?: boolean;
}

/** A complex tensor as its real and imaginary parts. */
export interface ComplexTensor {
  real: Tensor;
  imag: Tensor;
}

const STFT_KEYS = ['hopLength', 'winLength', 'window', 'center', 'padMode', 'normalized', 'onesided'];

interface FrameSetup {
  hop: number;
  window: Float64Array; // nFft values: the window zero-padded, centred
  center: boolean;
  padMode: PadMode;
  normalized: boolean;
  onesided: boolean;
}

function frameSetup(op: string, nFft: number, options: StftOptions): FrameSetup {
  positiveInt(op, 'nFft', nFft);
  checkOptionKeys(op, options, STFT_KEYS);
  const hop = positiveInt(op, 'hopLength', options.hopLength ?? Math.floor(nFft / 4));
  const winLength = positiveInt(op, 'winLength', options.winLength ?? nFft);
  if (winLength > nFft) throw new Error(`${op}: winLength ${winLength} must be <= nFft ${nFft}`);
  const w = options.window ?? null;
  let values: ArrayLike<number>;
  if (w === null) values = new Float64Array(winLength).fill(1);
  else {
    if (!(w instanceof Tensor) || w.ndim !== 1 || w.shape[0] !== winLength) {
      throw new Error(`${op}: window must be a 1-D tensor of winLength = ${winLength} samples, got ${w instanceof Tensor ? shapeStr(w.shape) : typeof w}`);
    }
    values = w.toTypedArray() as ArrayLike<number>;
  }
  const window = new Float64Array(nFft);
  const left = Math.floor((nFft - winLength) / 2);
  for (let i = 0; i < winLength; i++) window[left + i] = values[i]!;
  const padMode = options.padMode ?? 'reflect';
  if (!['constant', 'reflect', 'replicate', 'circular'].includes(padMode)) throw new Error(`${op}: padMode must be 'constant', 'reflect', 'replicate' or 'circular', got ${String(padMode)}`);
  for (const k of ['center', 'normalized', 'onesided'] as const) {
    if (options[k] !== undefined && typeof options[k] !== 'boolean') throw new Error(`${op}: ${k} must be a boolean`);
  }
  return { hop, window, center: options.center ?? true, padMode, normalized: options.normalized ?? false, onesided: options.onesided ?? true };
}

/** The gradient-carrying window tensor when one was given (so stft is differentiable in it too), or null. */
function windowTensor(nFft: number, options: StftOptions, dtype: FloatDType): Tensor | null {
  const w = options.window ?? null;
  if (w === null) return null;
  const winLength = w.shape[0]!;
  const left = Math.floor((nFft - winLength) / 2);
  const cast = w.dtype === dtype ? w : w.to(dtype);
  return left === 0 && winLength === nFft ? cast : pad(cast, [left, nFft - winLength - left]);
}

/**
 * The short-time Fourier transform (torch.stft with return_complex): input [..., T] -> { real, imag }
 * [..., nFft / 2 + 1 (or nFft), frames], frames = 1 + floor((T (+ nFft with center) - nFft) / hop).
 */
export function stft(input: Tensor, nFft: number, options: StftOptions = {}): ComplexTensor {
  const op = 'stft';
  checkWaveform(op, input);
  const s = frameSetup(op, nFft, options);
  const lead = input.shape.slice(0, -1);
  let x = input.reshape([-1, input.shape[input.ndim - 1]!]);
  if (s.center) {
    const half = Math.floor(nFft / 2);
    if (s.padMode === 'reflect' && x.shape[1]! <= half) {
      throw new Error(`${op}: reflect padding of ${half} needs more than ${half} samples, got ${x.shape[1]} (use padMode 'constant' or a longer signal)`);
    }
    x = pad(x.unsqueeze(1), [half, half], s.padMode).squeeze(1);
  }
  const length = x.shape[1]!;
  if (length < nFft) throw new Error(`${op}: ${length} samples${s.center ? ' after padding' : ''} are fewer than nFft ${nFft}`);
  const frames = 1 + Math.floor((length - nFft) / s.hop);
  const index = new Int32Array(frames * nFft);
  for (let f = 0; f < frames; f++) for (let n = 0; n < nFft; n++) index[f * nFft + n] = f * s.hop + n;
  const dtype = input.dtype as FloatDType;
  const framed = indexSelect(x, 1, tensor(Array.from(index), { dtype: 'int32' })).reshape([x.shape[0]!, frames, nFft]);
  const bins = s.onesided ? Math.floor(nFft / 2) + 1 : nFft;
  const scale = s.normalized ? 1 / Math.sqrt(nFft) : 1;
  const given = windowTensor(nFft, options, dtype);
  // With a given window the product keeps its gradient; otherwise the (constant) window is folded into the bases.
  const fold = given === null ? s.window : new Float64Array(nFft).fill(1);
  const cos = new Float64Array(nFft * bins);
  const sin = new Float64Array(nFft * bins);
  for (let n = 0; n < nFft; n++) {
    for (let k = 0; k < bins; k++) {
      const angle = (2 * Math.PI * ((k * n) % nFft)) / nFft;
      cos[n * bins + k] = fold[n]! * Math.cos(angle) * scale;
      sin[n * bins + k] = -fold[n]! * Math.sin(angle) * scale;
    }
  }
  const windowed = given === null ? framed : framed.mul(given);
  const real = matmul(windowed, tensor(Array.from(cos), { dtype }).reshape([nFft, bins])).transpose(1, 2);
  const imag = matmul(windowed, tensor(Array.from(sin), { dtype }).reshape([nFft, bins])).transpose(1, 2);
  return { real: real.reshape([...lead, bins, frames]), imag: imag.reshape([...lead, bins, frames]) };
}

export interface IstftOptions extends Omit<StftOptions, 'padMode'> {
  /** Samples of the output (default: all the frames cover, less the centring). */
  length?: number;
}

/**
 * The inverse STFT (torch.istft): { real, imag } [..., bins, frames] -> [..., T]. Each frame is
 * inverted, windowed, overlap-added and divided by the summed squared window (which must not
 * vanish where the output is kept: the NOLA condition).
 */
export function istft(spec: ComplexTensor, nFft: number, options: IstftOptions = {}): Tensor {
  const op = 'istft';
  if (typeof spec !== 'object' || spec === null || !(spec.real instanceof Tensor) || !(spec.imag instanceof Tensor)) {
    throw new Error(`${op}: expected { real, imag } tensors [..., bins, frames]`);
  }
  checkWaveform(op, spec.real, 2);
  if (shapeStr(spec.real.shape) !== shapeStr(spec.imag.shape) || spec.real.dtype !== spec.imag.dtype) {
    throw new Error(`${op}: real ${shapeStr(spec.real.shape)} and imag ${shapeStr(spec.imag.shape)} must have the same shape and dtype`);
  }
  const { length, ...stftOptions } = options;
  const s = frameSetup(op, nFft, stftOptions);
  const bins = spec.real.shape[spec.real.ndim - 2]!;
  const frames = spec.real.shape[spec.real.ndim - 1]!;
  const wantBins = s.onesided ? Math.floor(nFft / 2) + 1 : nFft;
  if (bins !== wantBins) throw new Error(`${op}: ${bins} frequency bins, but nFft ${nFft} ${s.onesided ? 'onesided ' : ''}gives ${wantBins}`);
  const dtype = spec.real.dtype as FloatDType;
  const lead = spec.real.shape.slice(0, -2);
  const re = spec.real.reshape([-1, bins, frames]).transpose(1, 2); // [B, F, K]
  const im = spec.imag.reshape([-1, bins, frames]).transpose(1, 2);
  // x[n] = (1/N) sum_k c_k (re_k cos - im_k sin), c_k = 2 for the bins whose mirror is not stored.
  const scale = s.normalized ? Math.sqrt(nFft) : 1;
  const cos = new Float64Array(bins * nFft);
  const sin = new Float64Array(bins * nFft);
  for (let k = 0; k < bins; k++) {
    const c = s.onesided && k !== 0 && !(nFft % 2 === 0 && k === nFft / 2) ? 2 : 1;
    for (let n = 0; n < nFft; n++) {
      const angle = (2 * Math.PI * ((k * n) % nFft)) / nFft;
      cos[k * nFft + n] = (c * Math.cos(angle) * scale) / nFft;
      sin[k * nFft + n] = (-c * Math.sin(angle) * scale) / nFft;
    }
  }
  let framesOut = matmul(re, tensor(Array.from(cos), { dtype }).reshape([bins, nFft])).add(matmul(im, tensor(Array.from(sin), { dtype }).reshape([bins, nFft])));
  const given = windowTensor(nFft, stftOptions, dtype);
  framesOut = framesOut.mul(given ?? tensor(Array.from(s.window), { dtype }));
  const total = nFft + s.hop * (frames - 1);
  const batch = re.shape[0]!;
  const index = new Int32Array(frames * nFft);
  const envelope = new Float64Array(total);
  for (let f = 0; f < frames; f++) {
    for (let n = 0; n < nFft; n++) {
      index[f * nFft + n] = f * s.hop + n;
      envelope[f * s.hop + n]! += s.window[n]! ** 2;
    }
  }
  const idx = tensor(Array.from(index), { dtype: 'int32' }).reshape([1, frames * nFft]).expand([batch, frames * nFft]);
  let y = scatterAdd(zeros([batch, total], { dtype }), 1, idx, framesOut.reshape([batch, frames * nFft]));
  const start = s.center ? Math.floor(nFft / 2) : 0;
  let end = s.center ? total - Math.floor(nFft / 2) : total;
  if (length !== undefined) {
    if (!Number.isInteger(length) || length < 0) throw new Error(`${op}: length must be a non-negative integer, got ${length}`);
    end = start + length;
  }
  const kept = Math.max(0, Math.min(end, total) - start);
  for (let i = start; i < start + kept; i++) {
    if (!(envelope[i]! > 1e-11)) throw new Error(`${op}: the window overlap-add is zero at sample ${i - start} (NOLA fails): use a smaller hop or another window`);
  }
  y = y.narrow(1, start, kept).div(tensor(Array.from(envelope.subarray(start, start + kept)), { dtype }));
  if (end > total) y = pad(y, [0, end - total]);
  return y.reshape([...lead, y.shape[1]!]);
}

export interface SpectrogramOptions extends Omit<StftOptions, 'normalized'> {
  /** Zero samples added on both sides first (default 0). */
  pad?: number;
  /** Exponent of the magnitude (default 2: power; 1: magnitude). */
  power?: number;
  /** true or 'window': divide by the window's L2 norm; 'frame_length': by sqrt(nFft) (default false). */
  normalized?: boolean | 'window' | 'frame_length';
}

/** Default options of torchaudio.transforms.Spectrogram for nFft (a Hann window of nFft samples, hop nFft / 2). */
function transformDefaults(nFft: number, options: { winLength?: number; hopLength?: number; window?: Tensor | null }, dtype: FloatDType): { winLength: number; hopLength: number; window: Tensor } {
  const winLength = options.winLength ?? nFft;
  return { winLength, hopLength: options.hopLength ?? Math.floor(winLength / 2), window: options.window ?? hannWindow(winLength, { dtype }) };
}

/**
 * torchaudio.functional.spectrogram: |stft|^power, [..., T] -> [..., nFft / 2 + 1, frames]. As
 * torchaudio.transforms.Spectrogram the defaults are a periodic Hann window of winLength = nFft
 * samples and hopLength = winLength / 2. For the complex spectrum use stft.
 */
export function spectrogram(waveform: Tensor, nFft = 400, options: SpectrogramOptions = {}): Tensor {
  const op = 'spectrogram';
  checkWaveform(op, waveform);
  checkOptionKeys(op, options, [...STFT_KEYS, 'pad', 'power']);
  const { pad: padding = 0, power = 2, normalized = false, ...rest } = options;
  if (!Number.isInteger(padding) || padding < 0) throw new Error(`${op}: pad must be a non-negative integer, got ${padding}`);
  if (typeof power !== 'number' || !(power > 0)) throw new Error(`${op}: power must be a positive number, got ${String(power)} (use stft for the complex spectrum)`);
  if (normalized !== true && normalized !== false && normalized !== 'window' && normalized !== 'frame_length') {
    throw new Error(`${op}: normalized must be a boolean, 'window' or 'frame_length', got ${String(normalized)}`);
  }
  const d = transformDefaults(nFft, rest, waveform.dtype as FloatDType);
  const x = padding > 0 ? pad(waveform, [padding, padding]) : waveform;
  let { real, imag } = stft(x, nFft, { ...rest, ...d, normalized: normalized === 'frame_length' });
  if (normalized === true || normalized === 'window') {
    const norm = d.window.to(waveform.dtype).square().sum().sqrt();
    real = real.div(norm);
    imag = imag.div(norm);
  }
  const powerSpec = real.square().add(imag.square());
  // |z|^p = (|z|^2)^(p/2); power 2 skips the square root (and its infinite slope at 0).
  return power === 2 ? powerSpec : power === 1 ? sqrt(powerSpec) : powerSpec.pow(power / 2);
}

export type MelScale = 'htk' | 'slaney';

function hzToMel(freq: number, scale: MelScale): number {
  if (scale === 'htk') return 2595 * Math.log10(1 + freq / 700);
  const fSp = 200 / 3;
  const minLogMel = 1000 / fSp;
  const logStep = Math.log(6.4) / 27;
  return freq >= 1000 ? minLogMel + Math.log(freq / 1000) / logStep : freq / fSp;
}

function melToHz(mel: number, scale: MelScale): number {
  if (scale === 'htk') return 700 * (Math.pow(10, mel / 2595) - 1);
  const fSp = 200 / 3;
  const minLogMel = 1000 / fSp;
  const logStep = Math.log(6.4) / 27;
  return mel >= minLogMel ? 1000 * Math.exp(logStep * (mel - minLogMel)) : fSp * mel;
}

export interface MelscaleFbanksOptions {
  /** 'slaney': divide each triangle by its mel band's width (area normalisation; default none). */
  norm?: 'slaney' | null;
  /** Mel scale (default 'htk'). */
  melScale?: MelScale;
  dtype?: FloatDType;
}

/**
 * torchaudio.functional.melscale_fbanks: triangular filters [nFreqs, nMels] from nMels + 2 points
 * evenly spaced in mel between fMin and fMax, over nFreqs frequencies from 0 to sampleRate / 2.
 * Computed in float32 as torchaudio does (the grid points come from torch.linspace in float32).
 */
export function melscaleFbanks(nFreqs: number, fMin: number, fMax: number, nMels: number, sampleRate: number, options: MelscaleFbanksOptions = {}): Tensor {
  const op = 'melscaleFbanks';
  positiveInt(op, 'nFreqs', nFreqs);
  positiveInt(op, 'nMels', nMels);
  positiveInt(op, 'sampleRate', sampleRate);
  checkOptionKeys(op, options, ['norm', 'melScale', 'dtype']);
  if (!(Number.isFinite(fMin) && Number.isFinite(fMax) && fMin >= 0 && fMax > fMin)) throw new Error(`${op}: need 0 <= fMin < fMax, got fMin ${fMin}, fMax ${fMax}`);
  const scale = options.melScale ?? 'htk';
  if (scale !== 'htk' && scale !== 'slaney') throw new Error(`${op}: melScale must be 'htk' or 'slaney', got ${String(scale)}`);
  const norm = options.norm ?? null;
  if (norm !== null && norm !== 'slaney') throw new Error(`${op}: norm must be 'slaney' or null, got ${String(norm)}`);
  const f32 = Math.fround;
  // torch.linspace in float32: start + i * step for the first half, end - (steps - 1 - i) * step for the rest.
  const linspace32 = (start: number, end: number, steps: number): number[] => {
    const step = steps > 1 ? f32((f32(end) - f32(start)) / (steps - 1)) : 0;
    const half = Math.floor(steps / 2);
    return Array.from({ length: steps }, (_, i) => (i < half ? f32(f32(start) + f32(step * i)) : f32(f32(end) - f32(step * (steps - 1 - i)))));
  };
  const allFreqs = linspace32(0, Math.floor(sampleRate / 2), nFreqs);
  const mPts = linspace32(hzToMel(fMin, scale), hzToMel(fMax, scale), nMels + 2);
  const fPts = mPts.map((m) => f32(melToHz(m, scale)));
  const fb = new Float64Array(nFreqs * nMels);
  for (let i = 0; i < nFreqs; i++) {
    for (let m = 0; m < nMels; m++) {
      const down = f32(f32(-(f32(fPts[m]! - allFreqs[i]!))) / f32(fPts[m + 1]! - fPts[m]!));
      const up = f32(f32(fPts[m + 2]! - allFreqs[i]!) / f32(fPts[m + 2]! - fPts[m + 1]!));
      let v = Math.max(0, Math.min(down, up));
      if (norm === 'slaney') v = f32(v * f32(2 / f32(fPts[m + 2]! - fPts[m]!)));
      fb[i * nMels + m] = v;
    }
  }
  return tensor(Array.from(fb), { dtype: options.dtype ?? 'float32' }).reshape([nFreqs, nMels]);
}

export interface MelSpectrogramOptions extends SpectrogramOptions {
  /** Sample rate in Hz (default 16000). */
  sampleRate?: number;
  /** Lowest frequency (default 0). */
  fMin?: number;
  /** Highest frequency (default sampleRate / 2). */
  fMax?: number | null;
  /** Mel bands (default 128). */
  nMels?: number;
  /** Filter normalisation (default none). */
  norm?: 'slaney' | null;
  melScale?: MelScale;
}

const MEL_KEYS = ['sampleRate', 'fMin', 'fMax', 'nMels', 'norm', 'melScale'];

/** torchaudio.transforms.MelSpectrogram: the spectrogram projected on mel filters, [..., T] -> [..., nMels, frames]. */
export function melSpectrogram(waveform: Tensor, nFft = 400, options: MelSpectrogramOptions = {}): Tensor {
  const op = 'melSpectrogram';
  checkWaveform(op, waveform);
  checkOptionKeys(op, options, [...STFT_KEYS, 'pad', 'power', ...MEL_KEYS]);
  const { sampleRate = 16000, fMin = 0, fMax = null, nMels = 128, norm = null, melScale = 'htk', ...spec } = options;
  const power = spectrogram(waveform, nFft, spec);
  const fb = melscaleFbanks(Math.floor(nFft / 2) + 1, fMin, fMax ?? Math.floor(sampleRate / 2), nMels, sampleRate, { norm, melScale, dtype: waveform.dtype as FloatDType });
  return matmul(power.transpose(-1, -2), fb).transpose(-1, -2);
}

export interface AmplitudeToDBOptions {
  /** 'power' (10 log10, default) or 'magnitude' (20 log10). */
  stype?: 'power' | 'magnitude';
  /** Floor before the logarithm (default 1e-10). */
  amin?: number;
  /** Reference value: 0 dB (default 1). */
  refValue?: number;
  /** Clip to this many dB below the maximum of each example (default none). */
  topDb?: number | null;
}

/**
 * torchaudio.transforms.AmplitudeToDB: multiplier * log10(max(x, amin)) - multiplier * log10(max(amin, ref)),
 * clipped at topDb below the maximum over the last three dims (each example of a [B, C, F, T] batch).
 */
export function amplitudeToDB(x: Tensor, options: AmplitudeToDBOptions = {}): Tensor {
  const op = 'amplitudeToDB';
  checkWaveform(op, x);
  checkOptionKeys(op, options, ['stype', 'amin', 'refValue', 'topDb']);
  const stype = options.stype ?? 'power';
  if (stype !== 'power' && stype !== 'magnitude') throw new Error(`${op}: stype must be 'power' or 'magnitude', got ${String(stype)}`);
  const amin = options.amin ?? 1e-10;
  const ref = options.refValue ?? 1;
  if (!(amin > 0) || !(ref > 0)) throw new Error(`${op}: amin and refValue must be positive, got ${amin} and ${ref}`);
  const topDb = options.topDb ?? null;
  if (topDb !== null && !(topDb >= 0)) throw new Error(`${op}: topDb must be a non-negative number, got ${topDb}`);
  const multiplier = stype === 'power' ? 10 : 20;
  let db = log(clamp(x, amin)).mul(multiplier / Math.LN10).sub(multiplier * Math.log10(Math.max(amin, ref)));
  if (topDb !== null) {
    const shape = db.shape;
    const packed = db.ndim > 2 ? shape[shape.length - 3]! : 1;
    const grouped = db.reshape([-1, packed, shape[shape.length - 2] ?? 1, shape[shape.length - 1]!]);
    const floor = amax(grouped, [1, 2, 3], true).sub(topDb);
    db = maximum(grouped, floor).reshape(shape);
  }
  return db;
}

/** torchaudio.functional.create_dct: the DCT-II matrix [nMels, nMfcc] ('ortho' norm or none: scaled by 2). */
export function createDct(nMfcc: number, nMels: number, norm: 'ortho' | null = 'ortho', dtype: FloatDType = 'float32', ...extra: []): Tensor {
  const op = 'createDct';
  noExtraArgs(op, extra, 'nMfcc, nMels, norm and dtype');
  checkArg(op, 'dtype', dtype, floatDtype);
  positiveInt(op, 'nMfcc', nMfcc);
  positiveInt(op, 'nMels', nMels);
  if (norm !== null && norm !== 'ortho') throw new Error(`${op}: norm must be 'ortho' or null, got ${String(norm)}`);
  // In float32 step by step, as torchaudio computes it (its matrix is float32 whatever the input's dtype).
  const f32 = Math.fround;
  const m = new Float64Array(nMels * nMfcc);
  for (let n = 0; n < nMels; n++) {
    for (let k = 0; k < nMfcc; k++) {
      let v = f32(Math.cos(f32(f32(f32(Math.PI / nMels) * f32(n + 0.5)) * k)));
      if (norm === null) v = f32(v * 2);
      else {
        if (k === 0) v = f32(v * f32(1 / Math.SQRT2));
        v = f32(v * f32(Math.sqrt(2 / nMels)));
      }
      m[n * nMfcc + k] = v;
    }
  }
  return tensor(Array.from(m), { dtype }).reshape([nMels, nMfcc]);
}

export interface MfccOptions {
  /** Sample rate in Hz (default 16000). */
  sampleRate?: number;
  /** Coefficients kept (default 40). */
  nMfcc?: number;
  /** DCT normalisation (default 'ortho'). */
  norm?: 'ortho' | null;
  /** log(mel + 1e-6) instead of dB (default false). */
  logMels?: boolean;
  /** Options of the mel spectrogram (nFft defaults to 400, nMels to 128, as torchaudio). */
  melkwargs?: MelSpectrogramOptions & { nFft?: number };
}

/** torchaudio.transforms.MFCC: DCT of the mel spectrogram in dB (top 80 dB), [..., T] -> [..., nMfcc, frames]. */
export function mfcc(waveform: Tensor, options: MfccOptions = {}): Tensor {
  const op = 'mfcc';
  checkWaveform(op, waveform);
  checkOptionKeys(op, options, ['sampleRate', 'nMfcc', 'norm', 'logMels', 'melkwargs']);
  const { nFft = 400, ...mel } = options.melkwargs ?? {};
  const nMels = mel.nMels ?? 128;
  const nMfcc = positiveInt(op, 'nMfcc', options.nMfcc ?? 40);
  if (nMfcc > nMels) throw new Error(`${op}: cannot select ${nMfcc} MFCC coefficients from ${nMels} mel bands`);
  const spec = melSpectrogram(waveform, nFft, { ...mel, sampleRate: options.sampleRate ?? 16000 });
  const logMel = options.logMels === true ? log(spec.add(1e-6)) : amplitudeToDB(spec, { stype: 'power', topDb: 80 });
  const dct = createDct(nMfcc, nMels, options.norm === undefined ? 'ortho' : options.norm, waveform.dtype as FloatDType);
  return matmul(logMel.transpose(-1, -2), dct).transpose(-1, -2);
}

/**
 * torchaudio.functional.compute_deltas: d_t = sum_{n=1..N} n (c_{t+n} - c_{t-n}) / (2 sum n^2),
 * N = (winLength - 1) / 2, the ends padded by `mode` (default 'replicate'); [..., freq, time].
 */
export function computeDeltas(specgram: Tensor, winLength = 5, mode: PadMode = 'replicate', ...extra: []): Tensor {
  const op = 'computeDeltas';
  noExtraArgs(op, extra, 'a spectrogram, winLength and mode');
  if (typeof mode !== 'string') throw new TypeError(`${op}: mode must be a padding mode string, got ${describe(mode)}`);
  checkWaveform(op, specgram);
  if (!Number.isInteger(winLength) || winLength < 3) throw new Error(`${op}: winLength must be an integer >= 3, got ${winLength}`);
  const n = Math.floor((winLength - 1) / 2);
  const denom = (n * (n + 1) * (2 * n + 1)) / 3;
  const shape = specgram.shape;
  const x = pad(specgram.reshape([1, -1, shape[shape.length - 1]!]), [n, n], mode);
  const channels = x.shape[1]!;
  const kernel = tensor(Array.from({ length: 2 * n + 1 }, (_, i) => i - n), { dtype: specgram.dtype }).reshape([1, 1, 2 * n + 1]).expand([channels, 1, 2 * n + 1]);
  return conv1d(x, kernel, null, { groups: channels }).div(denom).reshape(shape);
}

export interface MaskAlongAxisOptions {
  /** Value written into the mask (default 0). */
  maskValue?: number;
  /** Largest share of the axis that may be masked (default 1). */
  p?: number;
  generator?: Generator;
}

/**
 * SpecAugment's masking (torchaudio.functional.mask_along_axis): one band [v0, v0 + v) of `axis`
 * (1: frequency, 2: time of a [channel, freq, time] spectrogram; or -2 / -1 of [..., freq, time]),
 * v ~ U(0, maxV), v0 ~ U(0, size - v), maxV = maskParam (p = 1) or min(maskParam, floor(size p)),
 * is set to maskValue; every example shares the band. Differentiable (zero gradient in the band).
 */
export function maskAlongAxis(specgram: Tensor, maskParam: number, axis: number, options: MaskAlongAxisOptions = {}): Tensor {
  const op = 'maskAlongAxis';
  checkWaveform(op, specgram, 2);
  checkOptionKeys(op, options, ['maskValue', 'p', 'generator']);
  if (!Number.isInteger(maskParam) || maskParam < 0) throw new Error(`${op}: maskParam must be a non-negative integer, got ${maskParam}`);
  const dim = axis === 1 || axis === -2 ? specgram.ndim - 2 : axis === 2 || axis === -1 ? specgram.ndim - 1 : null;
  if (dim === null) throw new Error(`${op}: axis must be 1 / -2 (frequency) or 2 / -1 (time), got ${axis}`);
  const p = options.p ?? 1;
  if (!(p >= 0 && p <= 1)) throw new Error(`${op}: p must be in [0, 1], got ${p}`);
  const size = specgram.shape[dim]!;
  const maxV = p === 1 ? maskParam : Math.min(maskParam, Math.floor(size * p));
  if (maxV < 1) return specgram;
  const gen = options.generator ?? defaultGenerator;
  const value = gen.nextDouble() * maxV;
  const start = Math.floor(gen.nextDouble() * (size - value));
  const end = start + Math.floor(value);
  const band = Array.from({ length: size }, (_, i) => i >= start && i < end);
  const mask = tensor(band, { dtype: 'bool' }).reshape(dim === specgram.ndim - 2 ? [size, 1] : [size]);
  return maskedFill(specgram, mask, options.maskValue ?? 0);
}

export interface ResampleOptions {
  /** Zero crossings of the sinc on each side (default 6). */
  lowpassFilterWidth?: number;
  /** Cut-off as a fraction of the lower Nyquist frequency (default 0.99). */
  rolloff?: number;
  /** The window of the sinc: 'sinc_interp_hann' (torchaudio 0.13's 'sinc_interpolation', the default) or 'sinc_interp_kaiser' ('kaiser_window'). */
  resamplingMethod?: 'sinc_interp_hann' | 'sinc_interpolation' | 'sinc_interp_kaiser' | 'kaiser_window';
  /** Kaiser window shape (default 14.769656459379492). */
  beta?: number;
}

/** Modified Bessel function of the first kind, order 0 (its power series; converges fast for the betas used). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 200; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/**
 * torchaudio.functional.resample: band-limited sinc interpolation between integer rates, [..., T]
 * -> [..., ceil(T newFreq / origFreq)], as one strided convolution with a windowed-sinc kernel.
 */
export function resample(waveform: Tensor, origFreq: number, newFreq: number, options: ResampleOptions = {}): Tensor {
  const op = 'resample';
  checkWaveform(op, waveform);
  checkOptionKeys(op, options, ['lowpassFilterWidth', 'rolloff', 'resamplingMethod', 'beta']);
  positiveInt(op, 'origFreq', origFreq);
  positiveInt(op, 'newFreq', newFreq);
  if (origFreq === newFreq) return waveform;
  const width0 = positiveInt(op, 'lowpassFilterWidth', options.lowpassFilterWidth ?? 6);
  const rolloff = options.rolloff ?? 0.99;
  if (!(rolloff > 0 && rolloff <= 1)) throw new Error(`${op}: rolloff must be in (0, 1], got ${rolloff}`);
  const method = options.resamplingMethod ?? 'sinc_interp_hann';
  const kaiser = method === 'sinc_interp_kaiser' || method === 'kaiser_window';
  if (!kaiser && method !== 'sinc_interp_hann' && method !== 'sinc_interpolation') {
    throw new Error(`${op}: resamplingMethod must be 'sinc_interp_hann' or 'sinc_interp_kaiser', got ${String(method)}`);
  }
  const beta = options.beta ?? 14.769656459379492;
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const g = gcd(origFreq, newFreq);
  const orig = origFreq / g;
  const next = newFreq / g;
  const baseFreq = Math.min(orig, next) * rolloff;
  const width = Math.ceil((width0 * orig) / baseFreq);
  const taps = 2 * width + orig;
  const kernel = new Float64Array(next * taps);
  for (let j = 0; j < next; j++) {
    for (let i = 0; i < taps; i++) {
      let t = (-j / next + (i - width) / orig) * baseFreq;
      t = Math.max(-width0, Math.min(width0, t));
      const window = kaiser ? besselI0(beta * Math.sqrt(1 - (t / width0) ** 2)) / besselI0(beta) : Math.cos((t * Math.PI) / width0 / 2) ** 2;
      const x = t * Math.PI;
      kernel[j * taps + i] = (x === 0 ? 1 : Math.sin(x) / x) * window * (baseFreq / orig);
    }
  }
  const shape = waveform.shape;
  const length = shape[shape.length - 1]!;
  const x = pad(waveform.reshape([-1, 1, length]), [width, width + orig]);
  const k = tensor(Array.from(kernel), { dtype: waveform.dtype }).reshape([next, 1, taps]);
  const out = conv1d(x, k, null, { stride: orig }); // [N, next, L']
  const flat = out.transpose(1, 2).reshape([out.shape[0]!, -1]);
  const target = Math.ceil((next * length) / orig);
  return flat.narrow(1, 0, Math.min(target, flat.shape[1]!)).reshape([...shape.slice(0, -1), -1]);
}

/** torchaudio.functional.gain: the waveform times 10^(gainDb / 20) (6.02 dB doubles the amplitude). */
export function gain(waveform: Tensor, gainDb: number, ...extra: []): Tensor {
  noExtraArgs('gain', extra, 'a waveform and gainDb');
  checkWaveform('gain', waveform);
  if (typeof gainDb !== 'number' || !Number.isFinite(gainDb)) throw new Error(`gain: gainDb must be a finite number of decibels, got ${String(gainDb)}`);
  return waveform.mul(10 ** (gainDb / 20));
}

export interface MixOptions {
  /** Gain of each signal in dB (default 0 for all). */
  gainsDb?: readonly number[];
  /** Sample at which each signal starts in the mix (default 0 for all; negative: its start is cut off). */
  offsets?: readonly number[];
  /** Samples in the mix (default: up to the end of the signal that ends last); signals past it are cut off. */
  length?: number;
  /**
   * Clipping guard: 'none' (default) keeps the sum; 'peak' divides the mix by its peak |value| when
   * that exceeds 1, so nothing clips; 'clip' clamps every sample to [-1, 1].
   */
  normalize?: 'none' | 'peak' | 'clip';
}

/**
 * Overlays signals [..., T_i] (same leading shape and dtype) into one [..., length]: signal i,
 * scaled by its gain, starts at sample offsets[i]; overlapping samples add. For synthesis, e.g.
 * words placed onto a background clip. Differentiable in the signals.
 */
export function mix(signals: readonly Tensor[], options: MixOptions = {}): Tensor {
  const op = 'mix';
  if (!Array.isArray(signals) || signals.length === 0) throw new Error(`${op}: signals must be a non-empty array of waveforms [..., T]`);
  checkOptionKeys(op, options, ['gainsDb', 'offsets', 'length', 'normalize']);
  const first = signals[0];
  checkWaveform(op, first);
  const lead = first.shape.slice(0, -1);
  signals.forEach((s, i) => {
    checkWaveform(`${op}: signals[${i}]`, s);
    if (s.dtype !== first.dtype || shapeStr(s.shape.slice(0, -1)) !== shapeStr(lead)) {
      throw new Error(`${op}: signals[${i}] is ${s.dtype} ${shapeStr(s.shape)}; every signal must be ${first.dtype} [${[...lead, 'T'].join(', ')}] like signals[0] ${shapeStr(first.shape)}`);
    }
  });
  const perSignal = (name: string, values: readonly number[] | undefined, integer: boolean): number[] => {
    if (values === undefined) return signals.map(() => 0);
    if (!Array.isArray(values) || values.length !== signals.length || values.some((v) => typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)))) {
      throw new Error(`${op}: ${name} must hold ${signals.length} finite ${integer ? 'integers' : 'numbers'} (one per signal), got ${JSON.stringify(values)}`);
    }
    return [...values];
  };
  const gains = perSignal('gainsDb', options.gainsDb, false);
  const offsets = perSignal('offsets', options.offsets, true);
  const length = options.length ?? Math.max(0, ...signals.map((s, i) => offsets[i]! + s.shape[s.ndim - 1]!));
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 0) throw new Error(`${op}: length must be a non-negative integer, got ${String(length)}`);
  const normalize = options.normalize ?? 'none';
  if (normalize !== 'none' && normalize !== 'peak' && normalize !== 'clip') throw new Error(`${op}: normalize must be 'none', 'peak' or 'clip', got ${String(normalize)}`);
  let out = zeros([...lead, length], { dtype: first.dtype });
  signals.forEach((s, i) => {
    const start = Math.max(0, offsets[i]!);
    const skip = Math.max(0, -offsets[i]!);
    const n = Math.min(s.shape[s.ndim - 1]! - skip, length - start);
    if (n <= 0) return;
    out = out.add(pad(gain(s.narrow(-1, skip, n), gains[i]!), [start, length - start - n]));
  });
  if (normalize === 'clip') return clamp(out, -1, 1);
  if (normalize === 'peak' && out.numel() > 0) {
    const peak = out.detach().abs().max().item();
    if (peak > 1) return out.div(peak);
  }
  return out;
}
