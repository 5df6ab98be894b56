/** Artificial data synthesis: a clean signal mixed with noise at a chosen signal-to-noise ratio. */
import { Tensor } from '../tensor/tensor.js';
import { shapeStr } from '../tensor/shape.js';
import { checkOptionKeys } from '../ops/args.js';

/**
 * signal + scale * noise with scale chosen so that 10 log10(P_signal / P_scaled_noise) = snrDb,
 * P being the mean square over `dims` (default the last dim, as torchaudio.functional.add_noise
 * for [..., time] waveforms; [1, 2, 3] for [N, C, H, W] images: one ratio per image). A silent
 * noise clip cannot reach any SNR and is an error.
 */
export function mixAtSnr(signal: Tensor, noise: Tensor, snrDb: number | Tensor, options: { dims?: number[] } = {}): Tensor {
  const op = 'data.mixAtSnr';
  checkOptionKeys(op, options, ['dims']);
  if (!(signal instanceof Tensor) || !(noise instanceof Tensor)) throw new Error(`${op}: signal and noise must be tensors`);
  if (shapeStr(signal.shape) !== shapeStr(noise.shape)) throw new Error(`${op}: noise has shape ${shapeStr(noise.shape)} but signal has ${shapeStr(signal.shape)}; they must match`);
  if (typeof snrDb === 'number' && !Number.isFinite(snrDb)) throw new Error(`${op}: snrDb must be a finite number of decibels, got ${snrDb}`);
  if (signal.ndim === 0) throw new Error(`${op}: signal must have at least one dimension`);
  const dims = options.dims ?? [-1];
  const x = signal.dtype === 'float64' ? signal : signal.float();
  const n = noise.dtype === 'float64' ? noise : noise.float();
  const signalPower = x.square().mean(dims, true);
  const noisePower = n.square().mean(dims, true);
  if (noisePower.eq(0).any().item()) throw new Error(`${op}: the noise is silent (all zeros) over dims [${dims.join(', ')}] somewhere; no scale reaches an SNR`);
  // scale^2 = P_signal / (P_noise 10^(snr / 10)); a tensor of SNRs broadcasts against the powers.
  const factor = typeof snrDb === 'number' ? 10 ** (snrDb / 10) : snrDb.to(x.dtype).mul(Math.LN10 / 10).exp();
  const scale = signalPower.div(noisePower.mul(factor)).sqrt();
  return x.add(n.mul(scale));
}
