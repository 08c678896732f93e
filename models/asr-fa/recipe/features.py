"""Log-mel filterbank features, defined once. src/engines/asr/features.ts reproduces this
exactly (the golden fixture fixtures/asr/golden_features.json pins the two together).

Spec (also written into manifest.json):
  samples int16 -> float x/32768; frames of 200 samples (25 ms at 8 kHz) every 80 (10 ms), no
  padding (frames = 1 + (N-200)//80); periodic Hann window 0.5-0.5cos(2*pi*n/200); zero-padded
  to a 256-point real FFT; power |X|^2; 64 triangular HTK-mel filters from 100 to 3800 Hz,
  evaluated at bin frequencies k*8000/256, unnormalised; natural log(mel + 1e-6); then per
  utterance and per mel bin: subtract the mean over frames, divide by (std + 1e-5) where std is
  the population standard deviation.
"""
import math

import numpy as np
import torch

SAMPLE_RATE = 8000
WIN = 200
HOP = 80
N_FFT = 256
N_MELS = 64
F_MIN = 100.0
F_MAX = 3800.0
LOG_EPS = 1e-6
NORM_EPS = 1e-5

SPEC = {
    "type": "log-mel", "sampleRate": SAMPLE_RATE, "winLength": WIN, "hopLength": HOP, "nFft": N_FFT,
    "window": "hann-periodic", "center": False, "preemphasis": 0, "scale": "int16/32768",
    "power": 2, "nMels": N_MELS, "fMin": F_MIN, "fMax": F_MAX, "melScale": "htk", "melNorm": None,
    "logEps": LOG_EPS, "normalize": "per-utterance-per-bin-mean-std", "normEps": NORM_EPS,
    "layout": "[batch, nMels, frames]",
}


def _mel(f):
    return 2595.0 * np.log10(1.0 + f / 700.0)


def _hz(m):
    return 700.0 * (10.0 ** (m / 2595.0) - 1.0)


def mel_matrix() -> np.ndarray:
    pts = _hz(np.linspace(_mel(F_MIN), _mel(F_MAX), N_MELS + 2))
    freqs = np.arange(N_FFT // 2 + 1) * SAMPLE_RATE / N_FFT
    fb = np.zeros((N_MELS, freqs.size))
    for m in range(N_MELS):
        l, c, r = pts[m], pts[m + 1], pts[m + 2]
        up = (freqs - l) / (c - l)
        down = (r - freqs) / (r - c)
        fb[m] = np.maximum(0.0, np.minimum(up, down))
    return fb


_FB = torch.tensor(mel_matrix(), dtype=torch.float32)
_WINDOW = torch.tensor([0.5 - 0.5 * math.cos(2 * math.pi * n / WIN) for n in range(WIN)], dtype=torch.float32)


def num_frames(n_samples: int) -> int:
    return 0 if n_samples < WIN else 1 + (n_samples - WIN) // HOP


def logmel(samples_int16: np.ndarray) -> torch.Tensor:
    """[N] int16 -> [64, frames] float32, not yet normalised."""
    x = torch.from_numpy(samples_int16.astype(np.float32) / 32768.0)
    n = num_frames(x.numel())
    if n == 0:
        return torch.zeros(N_MELS, 0)
    frames = x.unfold(0, WIN, HOP)[:n] * _WINDOW
    spec = torch.fft.rfft(frames, n=N_FFT).abs() ** 2
    return torch.log(spec @ _FB.T + LOG_EPS).T.contiguous()


def normalize(feats: torch.Tensor) -> torch.Tensor:
    if feats.shape[1] == 0:
        return feats
    mean = feats.mean(dim=1, keepdim=True)
    std = feats.std(dim=1, unbiased=False, keepdim=True)
    return (feats - mean) / (std + NORM_EPS)


def features(samples_int16: np.ndarray) -> torch.Tensor:
    return normalize(logmel(samples_int16))
