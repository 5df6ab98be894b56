#!/usr/bin/env python3
"""Golden values for nb.audio, computed by torchaudio 0.13 (Debian's python3-torchaudio).

Each case names a function, its arguments (in Nabla's camelCase), its input tensors and the
outputs; differentiable cases also carry a fixed cotangent per output and the gradient of
sum(output * cotangent) with respect to the input. WAV cases hold files written by Python's wave
module (base64) and the float32 samples torchaudio.load reads from them.
Writes test/fixtures/audio.json. The TypeScript tests only read the JSON.
"""
import base64
import io
import json
import math
import struct
import wave

import torch
import torchaudio
import torchaudio.functional as AF
import torchaudio.transforms as T

from fixture_util import FIX
from gen_rnn_fixtures import encode, rounded, tensor_json


def grad_case(name, fn, args, inputs, forward):
    """forward(leaves) -> dict of outputs; gradients of sum(output * cotangent) w.r.t. float inputs."""
    leaves = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    outputs = forward(leaves)
    cotangents = {k: rounded(v.shape, v.dtype) for k, v in outputs.items()}
    loss = sum((outputs[k] * c).sum() for k, c in cotangents.items())
    loss.backward()
    return {
        "name": name, "fn": fn, "args": args,
        "dtype": "float64" if next(iter(inputs.values())).dtype == torch.float64 else "float32",
        "inputs": {k: tensor_json(v) for k, v in inputs.items()},
        "outputs": {k: tensor_json(v.detach()) for k, v in outputs.items()},
        "cotangents": {k: encode(c) for k, c in cotangents.items()},
        "grads": {k: tensor_json(v.grad) for k, v in leaves.items() if v.grad is not None},
    }


def value_case(name, fn, args, output):
    return {"name": name, "fn": fn, "args": args, "dtype": "float32" if output.dtype == torch.float32 else "float64",
            "inputs": {}, "outputs": {"output": tensor_json(output)}, "cotangents": {}, "grads": {}}


def signal(shape, dtype):
    t = torch.arange(shape[-1], dtype=torch.float64) / 8000
    tone = 0.5 * torch.sin(2 * math.pi * 440 * t) + 0.25 * torch.sin(2 * math.pi * 1250 * t)
    return (tone + 0.3 * rounded(shape, torch.float64)).to(dtype)


def cases():
    out = []
    f64, f32 = torch.float64, torch.float32
    torch.manual_seed(0)
    x64 = signal([2, 160], f64)

    def stft_forward(n_fft, hop, win_length, window, center=True, pad_mode="reflect", normalized=False, onesided=True):
        def f(x):
            z = torch.stft(x["x"], n_fft, hop_length=hop, win_length=win_length, window=window, center=center, pad_mode=pad_mode,
                           normalized=normalized, onesided=onesided, return_complex=True)
            return {"real": z.real, "imag": z.imag}
        return f

    hann48 = torch.hann_window(48, dtype=f64)
    out.append(grad_case("stft hann 48 in 64, hop 16, reflect", "stft", {"nFft": 64, "hopLength": 16, "winLength": 48, "window": "hann"},
                         {"x": x64}, stft_forward(64, 16, 48, hann48)))
    out.append(grad_case("stft no window, not centred, hop 20", "stft", {"nFft": 32, "hopLength": 20, "center": False},
                         {"x": x64}, stft_forward(32, 20, None, None, center=False)))
    out.append(grad_case("stft constant pad, normalized, two-sided, odd nFft", "stft",
                         {"nFft": 33, "hopLength": 11, "padMode": "constant", "normalized": True, "onesided": False, "window": "hann"},
                         {"x": x64}, stft_forward(33, 11, 33, torch.hann_window(33, dtype=f64), pad_mode="constant", normalized=True, onesided=False)))
    out.append(grad_case("stft replicate pad, unbatched", "stft", {"nFft": 16, "hopLength": 4, "padMode": "replicate", "window": "hann"},
                         {"x": x64[0, :60]}, stft_forward(16, 4, 16, torch.hann_window(16, dtype=f64), pad_mode="replicate")))

    spec = torch.stft(x64, 64, hop_length=16, window=torch.hann_window(64, dtype=f64), return_complex=True)

    def istft_forward(length=None, normalized=False):
        def f(x):
            z = torch.complex(x["real"], x["imag"])
            return {"output": torch.istft(z, 64, hop_length=16, window=torch.hann_window(64, dtype=f64), length=length, normalized=normalized)}
        return f
    out.append(grad_case("istft of stft (hann 64, hop 16)", "istft", {"nFft": 64, "hopLength": 16, "window": "hann"},
                         {"real": spec.real.contiguous(), "imag": spec.imag.contiguous()}, istft_forward()))
    out.append(grad_case("istft with length 150, normalized", "istft", {"nFft": 64, "hopLength": 16, "window": "hann", "length": 150, "normalized": True},
                         {"real": spec.real.contiguous(), "imag": spec.imag.contiguous()}, istft_forward(150, True)))
    out.append(grad_case("istft with length 200 (a zero tail past the frames)", "istft", {"nFft": 64, "hopLength": 16, "window": "hann", "length": 200},
                         {"real": spec.real.contiguous(), "imag": spec.imag.contiguous()}, istft_forward(200)))

    def spec_forward(**kw):
        return lambda x: {"output": T.Spectrogram(**kw, wkwargs={"dtype": x["x"].dtype}).to(x["x"].dtype)(x["x"])}
    out.append(grad_case("spectrogram nFft 64 defaults (hann, hop 32, power 2)", "spectrogram", {"nFft": 64}, {"x": x64}, spec_forward(n_fft=64)))
    out.append(grad_case("spectrogram power 1, normalized, pad 5, hop 10", "spectrogram", {"nFft": 64, "power": 1, "normalized": True, "pad": 5, "hopLength": 10},
                         {"x": x64}, spec_forward(n_fft=64, power=1, normalized=True, pad=5, hop_length=10)))
    out.append(grad_case("spectrogram frame_length normalization, power 1.5, winLength 40", "spectrogram",
                         {"nFft": 64, "power": 1.5, "normalized": "frame_length", "winLength": 40},
                         {"x": x64}, spec_forward(n_fft=64, power=1.5, normalized="frame_length", win_length=40)))
    x32 = signal([1, 400], f32)
    out.append(grad_case("spectrogram float32 nFft 128", "spectrogram", {"nFft": 128}, {"x": x32}, spec_forward(n_fft=128)))

    out.append(value_case("melscaleFbanks htk", "melscaleFbanks", {"nFreqs": 33, "fMin": 0, "fMax": 4000, "nMels": 10, "sampleRate": 8000},
                          AF.melscale_fbanks(33, 0.0, 4000.0, 10, 8000)))
    out.append(value_case("melscaleFbanks slaney scale and norm", "melscaleFbanks",
                          {"nFreqs": 201, "fMin": 20, "fMax": 7000, "nMels": 40, "sampleRate": 16000, "norm": "slaney", "melScale": "slaney"},
                          AF.melscale_fbanks(201, 20.0, 7000.0, 40, 16000, norm="slaney", mel_scale="slaney")))
    out.append(value_case("melscaleFbanks htk scale, slaney norm", "melscaleFbanks",
                          {"nFreqs": 65, "fMin": 100, "fMax": 3500, "nMels": 16, "sampleRate": 8000, "norm": "slaney"},
                          AF.melscale_fbanks(65, 100.0, 3500.0, 16, 8000, norm="slaney")))

    def mel_forward(**kw):
        return lambda x: {"output": T.MelSpectrogram(**kw, wkwargs={"dtype": x["x"].dtype}).to(x["x"].dtype)(x["x"])}
    out.append(grad_case("melSpectrogram 8 kHz, nFft 128, 20 mels", "melSpectrogram", {"nFft": 128, "sampleRate": 8000, "nMels": 20},
                         {"x": signal([2, 400], f64)}, mel_forward(sample_rate=8000, n_fft=128, n_mels=20)))
    out.append(grad_case("melSpectrogram float32 slaney, fMin 50", "melSpectrogram",
                         {"nFft": 128, "sampleRate": 8000, "nMels": 24, "norm": "slaney", "melScale": "slaney", "fMin": 50},
                         {"x": x32}, mel_forward(sample_rate=8000, n_fft=128, n_mels=24, norm="slaney", mel_scale="slaney", f_min=50.0)))

    power = T.Spectrogram(n_fft=64, wkwargs={"dtype": f64}).double()(signal([2, 3, 160], f64))
    out.append(grad_case("amplitudeToDB power, top 80 dB, [2, 3, F, T]", "amplitudeToDB", {"stype": "power", "topDb": 80},
                         {"x": power}, lambda x: {"output": T.AmplitudeToDB("power", 80)(x["x"])}))
    out.append(grad_case("amplitudeToDB magnitude, top 20 dB, [F, T]", "amplitudeToDB", {"stype": "magnitude", "topDb": 20},
                         {"x": power[0, 0].sqrt()}, lambda x: {"output": T.AmplitudeToDB("magnitude", 20)(x["x"])}))
    out.append(grad_case("amplitudeToDB power, no clipping", "amplitudeToDB", {},
                         {"x": power[0]}, lambda x: {"output": T.AmplitudeToDB()(x["x"])}))

    out.append(value_case("createDct 13 x 20 ortho", "createDct", {"nMfcc": 13, "nMels": 20, "norm": "ortho"}, AF.create_dct(13, 20, "ortho")))
    out.append(value_case("createDct 5 x 8 no norm", "createDct", {"nMfcc": 5, "nMels": 8, "norm": None}, AF.create_dct(5, 8, None)))

    def mfcc_forward(melkwargs, **kw):
        return lambda x: {"output": T.MFCC(**kw, melkwargs={**melkwargs, "wkwargs": {"dtype": x["x"].dtype}}).to(x["x"].dtype)(x["x"])}
    out.append(grad_case("mfcc 8 kHz, 13 coefficients", "mfcc", {"sampleRate": 8000, "nMfcc": 13, "melkwargs": {"nFft": 128, "nMels": 20}},
                         {"x": signal([2, 400], f64)}, mfcc_forward(sample_rate=8000, n_mfcc=13, melkwargs={"n_fft": 128, "n_mels": 20})))
    out.append(grad_case("mfcc log mels, float32", "mfcc", {"sampleRate": 8000, "nMfcc": 10, "logMels": True, "melkwargs": {"nFft": 128, "nMels": 20, "hopLength": 40}},
                         {"x": x32}, mfcc_forward(sample_rate=8000, n_mfcc=10, log_mels=True, melkwargs={"n_fft": 128, "n_mels": 20, "hop_length": 40})))

    feats = rounded([2, 5, 20], f64)
    out.append(grad_case("computeDeltas window 5", "computeDeltas", {"winLength": 5}, {"x": feats}, lambda x: {"output": AF.compute_deltas(x["x"])}))
    out.append(grad_case("computeDeltas window 7, 2-D", "computeDeltas", {"winLength": 7}, {"x": feats[0]},
                         lambda x: {"output": AF.compute_deltas(x["x"], win_length=7)}))

    wave64 = signal([2, 240], f64)
    out.append(grad_case("resample 48 -> 32 (hann)", "resample", {"origFreq": 48, "newFreq": 32}, {"x": wave64},
                         lambda x: {"output": AF.resample(x["x"], 48, 32)}))
    out.append(grad_case("resample 8000 -> 11025", "resample", {"origFreq": 8000, "newFreq": 11025}, {"x": wave64[:, :100]},
                         lambda x: {"output": AF.resample(x["x"], 8000, 11025)}))
    out.append(grad_case("resample 3 -> 2 kaiser, width 4, rolloff 0.9", "resample",
                         {"origFreq": 3, "newFreq": 2, "lowpassFilterWidth": 4, "rolloff": 0.9, "resamplingMethod": "sinc_interp_kaiser"},
                         {"x": wave64[0]}, lambda x: {"output": AF.resample(x["x"], 3, 2, lowpass_filter_width=4, rolloff=0.9, resampling_method="kaiser_window")}))
    out.append(grad_case("resample float32 16000 -> 8000", "resample", {"origFreq": 16000, "newFreq": 8000}, {"x": x32},
                         lambda x: {"output": AF.resample(x["x"], 16000, 8000)}))
    return out


def wav_bytes(samples, width, rate, float_format=False):
    """A WAV file with int samples [frames][channels] (or floats with float_format)."""
    channels = len(samples[0])
    if float_format:
        data = b"".join(struct.pack("<f", v) for frame in samples for v in frame)
        fmt = struct.pack("<HHIIHH", 3, channels, rate, rate * channels * 4, channels * 4, 32)
        body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(data)) + data
        return b"RIFF" + struct.pack("<I", len(body)) + body
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        frames = bytearray()
        for frame in samples:
            for v in frame:
                if width == 1:
                    frames += struct.pack("<B", v)
                elif width == 3:
                    frames += struct.pack("<i", v)[:3]
                else:
                    frames += struct.pack({2: "<h", 4: "<i"}[width], v)
        w.writeframes(bytes(frames))
    return buf.getvalue()


def wav_cases(tmp):
    g = torch.Generator().manual_seed(1)
    out = []
    for width, channels, rate in [(1, 1, 8000), (2, 2, 16000), (3, 1, 44100), (4, 2, 22050), ("float", 2, 16000)]:
        frames = 12
        if width == "float":
            samples = [[round(float(v), 6) for v in (torch.rand(channels, generator=g) * 2 - 1)] for _ in range(frames)]
            data = wav_bytes(samples, 4, rate, float_format=True)
        else:
            lo, hi = (0, 255) if width == 1 else (-(2 ** (8 * width - 1)), 2 ** (8 * width - 1) - 1)
            samples = [[int(torch.randint(lo, hi + 1, (1,), generator=g)) for _ in range(channels)] for _ in range(frames)]
            samples[0] = [lo] * channels
            samples[1] = [hi] * channels
            data = wav_bytes(samples, width, rate)
        path = tmp / f"case-{width}-{channels}.wav"
        path.write_bytes(data)
        waveform, sr = torchaudio.load(str(path))
        assert sr == rate
        out.append({"name": f"{width if width == 'float' else 8 * width}-bit, {channels} channel(s), {rate} Hz",
                    "encoding": "float32" if width == "float" else f"pcm{8 * width}",
                    "bytes": base64.b64encode(data).decode(), "sampleRate": rate, "waveform": tensor_json(waveform)})
    return out


def edit_cases():
    """torchaudio.functional.edit_distance on strings and word lists."""
    g = torch.Generator().manual_seed(2)
    pairs = [["", ""], ["abc", ""], ["", "abc"], ["kitten", "sitting"], ["flaw", "lawn"], ["abc", "abc"],
             [["the", "cat", "sat"], ["the", "cat", "sat", "down"]], [["a", "b", "c", "d"], ["b", "a", "d", "c"]]]
    for _ in range(20):
        n, m = (int(torch.randint(0, 9, (1,), generator=g)) for _ in range(2))
        pairs.append(["".join("abc"[int(i)] for i in torch.randint(0, 3, (n,), generator=g)),
                      "".join("abc"[int(i)] for i in torch.randint(0, 3, (m,), generator=g))])
    return [{"seq1": a, "seq2": b, "distance": AF.edit_distance(a, b)} for a, b in pairs]


def main():
    import tempfile
    import pathlib
    with tempfile.TemporaryDirectory() as tmp:
        fixture = {"cases": cases(), "wav": wav_cases(pathlib.Path(tmp)), "editDistance": edit_cases()}
    (FIX / "audio.json").write_text(json.dumps(fixture, separators=(",", ":")))
    print(f"wrote {len(fixture['cases'])} audio cases and {len(fixture['wav'])} WAV files")


if __name__ == "__main__":
    main()
