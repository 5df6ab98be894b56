/// <reference types="node" />
/** Node-only: WAV files read and written (atomically) through the browser-safe decodeWav / encodeWav. */
import { readFileSync } from 'node:fs';
import type { Tensor } from '../tensor/tensor.js';
import { writeFileAtomic } from '../io/node.js';
import { decodeWav, encodeWav, type EncodeWavOptions, type WavAudio } from './wav.js';

/** Reads a WAV file: float32 waveform [channels, frames] in [-1, 1], its sample rate and encoding. */
export function readWav(path: string): WavAudio {
  if (typeof path !== 'string') throw new Error('readWav: path must be a string');
  try {
    return decodeWav(readFileSync(path));
  } catch (e) {
    throw new Error(`readWav(${path}): ${(e as Error).message}`);
  }
}

/** Writes waveform [channels, frames] (or [frames]) as a WAV file (default 16-bit PCM). */
export function writeWav(path: string, waveform: Tensor, sampleRate: number, options: EncodeWavOptions = {}): void {
  if (typeof path !== 'string') throw new Error('writeWav: path must be a string');
  writeFileAtomic(path, encodeWav(waveform, sampleRate, options));
}
