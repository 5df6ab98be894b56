import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/index.js';
import { audio } from '../../src/node.js';

test('writeWav / readWav: a stereo 24-bit file round trip; a bad file names its path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nabla-wav-'));
  try {
    const path = join(dir, 'tone.wav');
    const t = nb.arange(0, 800).div(8000);
    const waveform = nb.stack([t.mul(2 * Math.PI * 440).sin().mul(0.5), t.mul(2 * Math.PI * 660).sin().mul(0.25)]);
    audio.writeWav(path, waveform, 8000, { encoding: 'pcm24' });
    const wav = audio.readWav(path);
    assert.equal(wav.sampleRate, 8000);
    assert.equal(wav.encoding, 'pcm24');
    assert.deepEqual(wav.waveform.shape, [2, 800]);
    assert.ok(wav.waveform.sub(waveform).abs().max().item() <= 0.5 / 8388608 + 1e-7);
    writeFileSync(join(dir, 'junk.wav'), 'not audio');
    assert.throws(() => audio.readWav(join(dir, 'junk.wav')), /readWav\(.*junk\.wav\): decodeWav: not a WAV file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
