import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { audio } from '../../src/index.js';
import { readFixture, decodeNumber } from '../helpers/fixtures.js';
import { fromJson, type TensorJson } from '../nn/recurrent-golden.js';

interface AudioCase {
  name: string;
  fn: string;
  args: Record<string, unknown>;
  dtype: 'float32' | 'float64';
  inputs: Record<string, TensorJson>;
  outputs: Record<string, TensorJson>;
  cotangents: Record<string, (number | string)[]>;
  grads: Record<string, TensorJson>;
}
interface WavCase {
  name: string;
  encoding: audio.WavEncoding;
  bytes: string;
  sampleRate: number;
  waveform: TensorJson;
}
const fixture = readFixture<{ cases: AudioCase[]; wav: WavCase[] }>('audio.json');

/**
 * Within float tolerance of torchaudio, relative to the largest magnitude of the expected tensor
 * (spectra span many orders of magnitude; FFT and DFT-by-products round differently).
 */
function assertClose(actual: nb.Tensor, expected: TensorJson, dtype: 'float32' | 'float64', what: string, fn: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const got = actual.toTypedArray();
  const want = expected.values.map(decodeNumber);
  const scale = Math.max(1e-30, ...want.map(Math.abs));
  // float64 cases still differ by float32 roundings where torchaudio builds its constants in float32 (mel filters;
  // the DCT of mfcc, whose float32 cosines round differently from ours: float32 tolerance there).
  const tol = dtype === 'float64' && fn !== 'mfcc' ? 1e-6 : 2e-5;
  for (let i = 0; i < want.length; i++) {
    const e = want[i]!;
    const a = got[i]!;
    assert.ok(Math.abs(a - e) <= tol * scale + tol * Math.abs(e), `${what}[${i}]: got ${a}, torchaudio gives ${e} (scale ${scale})`);
  }
}

function run(c: AudioCase, inputs: Record<string, nb.Tensor>): Record<string, nb.Tensor> {
  const a = { ...c.args } as Record<string, unknown>;
  const window = (n: number): nb.Tensor => audio.hannWindow(n, { dtype: c.dtype });
  const x = inputs.x!;
  switch (c.fn) {
    case 'stft': {
      const { nFft, window: w, ...rest } = a as { nFft: number; window?: string; winLength?: number };
      const z = audio.stft(x, nFft, { ...rest, ...(w === 'hann' ? { window: window((rest.winLength as number | undefined) ?? nFft) } : {}) } as audio.StftOptions);
      return { real: z.real, imag: z.imag };
    }
    case 'istft': {
      const { nFft, window: _w, ...rest } = a as { nFft: number; window?: string };
      return { output: audio.istft({ real: inputs.real!, imag: inputs.imag! }, nFft, { ...rest, window: window(nFft) } as audio.IstftOptions) };
    }
    case 'spectrogram': {
      const { nFft, ...rest } = a as { nFft: number };
      return { output: audio.spectrogram(x, nFft, rest as audio.SpectrogramOptions) };
    }
    case 'melSpectrogram': {
      const { nFft, ...rest } = a as { nFft: number };
      return { output: audio.melSpectrogram(x, nFft, rest as audio.MelSpectrogramOptions) };
    }
    case 'amplitudeToDB':
      return { output: audio.amplitudeToDB(x, a as audio.AmplitudeToDBOptions) };
    case 'mfcc':
      return { output: audio.mfcc(x, a as audio.MfccOptions) };
    case 'computeDeltas':
      return { output: audio.computeDeltas(x, a.winLength as number) };
    case 'resample': {
      const { origFreq, newFreq, ...rest } = a as { origFreq: number; newFreq: number };
      return { output: audio.resample(x, origFreq, newFreq, rest as audio.ResampleOptions) };
    }
    case 'melscaleFbanks': {
      const { nFreqs, fMin, fMax, nMels, sampleRate, ...rest } = a as { nFreqs: number; fMin: number; fMax: number; nMels: number; sampleRate: number };
      return { output: audio.melscaleFbanks(nFreqs, fMin, fMax, nMels, sampleRate, rest as audio.MelscaleFbanksOptions) };
    }
    case 'createDct':
      return { output: audio.createDct(a.nMfcc as number, a.nMels as number, a.norm as 'ortho' | null) };
    default:
      throw new Error(`unknown fn ${c.fn}`);
  }
}

describe('audio features match torchaudio 0.13', () => {
  for (const c of fixture.cases) {
    test(c.name, () => {
      const inputs: Record<string, nb.Tensor> = {};
      for (const [k, v] of Object.entries(c.inputs)) inputs[k] = fromJson(v, c.dtype).requiresGrad_();
      const outputs = run(c, inputs);
      for (const [k, expected] of Object.entries(c.outputs)) assertClose(outputs[k]!, expected, c.dtype, `${c.name}: ${k}`, c.fn);
      if (Object.keys(c.grads).length === 0) return;
      let loss: nb.Tensor | null = null;
      for (const [k, w] of Object.entries(c.cotangents)) {
        const term = outputs[k]!.mul(nb.tensor(w.map(decodeNumber), { dtype: c.dtype }).reshape(outputs[k]!.shape)).sum();
        loss = loss === null ? term : loss.add(term);
      }
      loss!.backward();
      for (const [k, expected] of Object.entries(c.grads)) assertClose(inputs[k]!.grad!, expected, c.dtype, `${c.name}: grad of ${k}`, c.fn);
    });
  }
});

describe('WAV files', () => {
  for (const c of fixture.wav) {
    test(`${c.name}: read as torchaudio.load, written back byte for byte`, () => {
      const bytes = Uint8Array.from(Buffer.from(c.bytes, 'base64'));
      const wav = audio.decodeWav(bytes);
      assert.equal(wav.sampleRate, c.sampleRate);
      assert.equal(wav.encoding, c.encoding);
      assert.deepEqual(Array.from(wav.waveform.toTypedArray()), c.waveform.values.map(decodeNumber).map(Math.fround));
      assert.deepEqual(wav.waveform.shape, c.waveform.shape);
      const again = audio.encodeWav(wav.waveform, wav.sampleRate, { encoding: wav.encoding });
      // 32-bit and float samples are read rounded to 25 bits (as torchaudio through sox): only narrower PCM comes back byte for byte.
      if (['pcm8', 'pcm16', 'pcm24'].includes(c.encoding)) assert.deepEqual(Array.from(again.subarray(44)), Array.from(bytes.subarray(44)));
      const reread = audio.decodeWav(again);
      assert.deepEqual([reread.sampleRate, reread.encoding, Array.from(reread.waveform.toTypedArray())], [wav.sampleRate, wav.encoding, Array.from(wav.waveform.toTypedArray())]);
    });
  }

  test('mono [frames] is written as one channel; PCM clips out-of-range samples', () => {
    const wav = audio.decodeWav(audio.encodeWav(nb.tensor([0, 0.5, -1, 2, -3]), 8000));
    assert.deepEqual(wav.waveform.shape, [1, 5]);
    assert.deepEqual(Array.from(wav.waveform.toTypedArray()), [0, 0.5, -1, 32767 / 32768, -1]);
  });

  test('junk bytes are errors, not garbage', () => {
    assert.throws(() => audio.decodeWav(new Uint8Array([1, 2, 3])), /not a WAV file/);
    const good = audio.encodeWav(nb.zeros([2, 4]), 8000, { encoding: 'pcm24' });
    const badFormat = good.slice();
    badFormat[20] = 2; // ADPCM
    assert.throws(() => audio.decodeWav(badFormat), /unsupported sample format \(format tag 2, 24 bits\)/);
    const badAlign = good.slice();
    badAlign[32] = 5;
    assert.throws(() => audio.decodeWav(badAlign), /block align 5 differs from 2 channels x 3 bytes/);
    const noFmt = good.slice();
    noFmt.set([120, 120, 120, 120], 12);
    assert.throws(() => audio.decodeWav(noFmt), /no fmt chunk/);
    assert.throws(() => audio.encodeWav(nb.tensor([NaN], { allowNonFinite: true }), 8000), /sample 0 is NaN/);
    assert.throws(() => audio.encodeWav(nb.zeros([1, 2]), 8000, { encoding: 'pcm12' as never }), /encoding must be one of/);
    assert.throws(() => audio.encodeWav(nb.zeros([1, 2]), 0), /sampleRate must be a positive integer/);
  });
});

describe('audio behaviour', () => {
  test('istft inverts stft (hann, 75% overlap)', () => {
    nb.manualSeed(0);
    const x = nb.randn([3, 256]);
    const w = audio.hannWindow(64);
    const back = audio.istft(audio.stft(x, 64, { hopLength: 16, window: w }), 64, { hopLength: 16, window: w, length: 256 });
    assert.ok(back.sub(x).abs().max().item() < 1e-5);
  });

  test('maskAlongAxis masks one band of the chosen axis, shared by every example, within maskParam', () => {
    const spec = nb.ones([2, 3, 16, 40]);
    for (let seed = 0; seed < 20; seed++) {
      const time = audio.maskAlongAxis(spec, 10, 2, { generator: new nb.Generator(seed), maskValue: -1 });
      const columns = (time.select(0, 1).select(0, 2).select(0, 5).toArray() as number[]).map((v) => v === -1);
      const masked = columns.filter(Boolean).length;
      assert.ok(masked < 10);
      const first = columns.indexOf(true);
      if (masked > 0) assert.deepEqual(columns.slice(first, first + masked), new Array<boolean>(masked).fill(true), 'one contiguous band');
      assert.equal(time.eq(-1).sum().item(), masked * 2 * 3 * 16, 'every example and row shares the band');
      const freq = audio.maskAlongAxis(spec, 4, -2, { generator: new nb.Generator(seed), p: 0.1 });
      const rows = (freq.select(0, 0).select(0, 0).select(1, 0).toArray() as number[]).filter((v) => v === 0).length;
      assert.ok(rows <= 1, 'p = 0.1 of 16 rows allows at most 1');
    }
    assert.throws(() => audio.maskAlongAxis(spec, 3, 0), /axis must be 1 \/ -2 \(frequency\) or 2 \/ -1 \(time\)/);
  });

  test('gradCheck through stft, melSpectrogram and resample (float64)', () => {
    nb.manualSeed(1);
    const x = nb.randn([1, 40], { dtype: 'float64' });
    for (const fn of [
      (t: nb.Tensor) => audio.spectrogram(t, 16, { power: 1 }),
      (t: nb.Tensor) => audio.melSpectrogram(t, 16, { sampleRate: 800, nMels: 4 }),
      (t: nb.Tensor) => audio.resample(t, 4, 3),
    ]) {
      const r = nb.gradCheck((t) => fn(t!), [x]);
      assert.ok(r.passed, JSON.stringify(r.worst));
    }
  });

  test('bad arguments are errors that name the function', () => {
    const x = nb.zeros([1, 100]);
    assert.throws(() => audio.stft(x, 0), /stft: nFft must be a positive integer/);
    assert.throws(() => audio.stft(x, 64, { winLength: 80 }), /winLength 80 must be <= nFft 64/);
    assert.throws(() => audio.stft(x, 64, { window: nb.ones([10]) }), /window must be a 1-D tensor of winLength = 64 samples/);
    assert.throws(() => audio.stft(nb.zeros([1, 20]), 64), /reflect padding of 32 needs more than 32 samples, got 20/);
    assert.throws(() => audio.stft(x, 64, { hop: 3 } as never), /unknown option 'hop'/);
    assert.throws(() => audio.stft(nb.zeros([4], { dtype: 'int32' }), 4), /floating-point tensor, got int32/);
    assert.throws(() => audio.spectrogram(x, 64, { power: 0 }), /power must be a positive number/);
    assert.throws(() => audio.melscaleFbanks(10, 100, 50, 4, 8000), /need 0 <= fMin < fMax/);
    assert.throws(() => audio.melscaleFbanks(10, 0, 4000, 4, 8000, { melScale: 'mel' as never }), /melScale must be 'htk' or 'slaney'/);
    assert.throws(() => audio.mfcc(x, { nMfcc: 200 }), /cannot select 200 MFCC coefficients from 128 mel bands/);
    assert.throws(() => audio.computeDeltas(x, 2), /winLength must be an integer >= 3/);
    assert.throws(() => audio.resample(x, 8000, 0), /newFreq must be a positive integer/);
    assert.throws(() => audio.resample(x, 8000, 4000, { resamplingMethod: 'linear' as never }), /resamplingMethod must be/);
    assert.throws(() => audio.istft({ real: nb.zeros([5, 3]), imag: nb.zeros([5, 3]) }, 16), /5 frequency bins, but nFft 16 onesided gives 9/);
    assert.throws(() => audio.istft({ real: nb.zeros([9, 3]), imag: nb.zeros([9, 3]) }, 16, { hopLength: 20 }), /NOLA fails/);
    assert.throws(() => audio.amplitudeToDB(x, { topDb: -1 }), /topDb must be a non-negative number/);
  });
});

test('createDct, computeDeltas and gain reject extra arguments and wrongly typed dtype or mode', () => {
  assert.throws(() => (nb.audio.createDct as (...args: unknown[]) => unknown)(13, 40, 'ortho', 'float32', 1), /createDct: too many arguments: it takes nMfcc, nMels, norm and dtype, got 1 more \(number 1\)/);
  assert.throws(() => nb.audio.createDct(13, 40, 'ortho', 'int32' as never), /createDct: dtype must be 'float32' or 'float64', got string 'int32'/);
  assert.throws(() => nb.audio.computeDeltas(nb.rand([2, 10]), 5, { mode: 'replicate' } as never), /computeDeltas: mode must be a padding mode string, got object \{mode\}/);
  assert.throws(() => (nb.audio.computeDeltas as (...args: unknown[]) => unknown)(nb.rand([2, 10]), 5, 'replicate', 3), /computeDeltas: too many arguments/);
  assert.throws(() => (nb.audio.gain as (...args: unknown[]) => unknown)(nb.rand([1, 10]), 3, 4), /gain: too many arguments: it takes a waveform and gainDb, got 1 more \(number 4\)/);
});
