/**
 * The audio toolkit (nb.audio, browser-safe): WAV from and to bytes, and torchaudio 0.13's
 * features as differentiable tensor functions. Files: readWav / writeWav in 'nabla/node' (audio).
 */
export {
  hannWindow, hammingWindow, stft, istft, spectrogram, melscaleFbanks, melSpectrogram, amplitudeToDB, createDct, mfcc, computeDeltas,
  maskAlongAxis, resample, gain, mix,
} from './functional.js';
export type {
  WindowOptions, StftOptions, ComplexTensor, IstftOptions, SpectrogramOptions, MelScale, MelscaleFbanksOptions, MelSpectrogramOptions,
  AmplitudeToDBOptions, MfccOptions, MaskAlongAxisOptions, ResampleOptions, MixOptions,
} from './functional.js';
export { decodeWav, encodeWav } from './wav.js';
export type { WavAudio, WavEncoding, EncodeWavOptions } from './wav.js';
export { ctcGreedyDecode, ctcBeamSearch } from './ctc.js';
export type { CtcHypothesis, CtcDecodeOptions, CtcBeamSearchOptions } from './ctc.js';
