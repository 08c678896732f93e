"""Telephone-band synthetic speech: eSpeak NG's Persian voice (any variant) through a sox
channel (band limit, optional reverb), then gain, a G.711 μ-law round trip and noise in numpy."""
import subprocess

import numpy as np

SR = 8000
TEST_VARIANTS = ["f4"]  # never used for training: the held-out voice


def train_variants():
    out = subprocess.run(["espeak-ng", "--voices=variant"], capture_output=True, text=True).stdout
    names = []
    for line in out.splitlines()[1:]:
        cols = line.split()
        if len(cols) >= 5 and cols[4].startswith("!v/"):
            names.append(cols[4][3:])
    return [n for n in names if n not in TEST_VARIANTS]


def mulaw_roundtrip(x: np.ndarray) -> np.ndarray:
    """G.711 μ-law encode + decode of float samples in [-1, 1] (continuous approximation
    followed by 8-bit quantisation, which is what carries the codec's noise)."""
    mu = 255.0
    y = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
    y = np.round((y + 1) * 127.5) / 127.5 - 1
    return np.sign(y) * (np.power(1 + mu, np.abs(y)) - 1) / mu


def synthesize(text: str, variant: str, rng: np.random.Generator, clean=False) -> np.ndarray:
    speed = int(rng.integers(115, 215))
    pitch = int(rng.integers(15, 85))
    gap = int(rng.choice([0, 0, 0, 1, 2, 4]))
    esp = ["espeak-ng", "-v", f"fa+{variant}", "-s", str(speed), "-p", str(pitch), "-g", str(gap), "--stdout", text]
    lo = int(rng.integers(200, 400))
    hi = int(rng.integers(3000, 3700))
    effects = ["rate", "-q", str(SR), "sinc", f"{lo}-{hi}"]
    if not clean and rng.random() < 0.35:
        effects += \
                   ["reverb", str(int(rng.integers(5, 50))), "50", str(int(rng.integers(10, 70)))]
    if not clean and rng.random() < 0.3:
        effects += ["tempo", "-s", f"{rng.uniform(0.85, 1.15):.3f}"]
    p1 = subprocess.Popen(esp, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    p2 = subprocess.run(["sox", "-t", "wav", "-", "-t", "raw", "-e", "floating-point", "-b", "32", "-c", "1", "-"] + effects,
                        stdin=p1.stdout, capture_output=True)
    p1.wait()
    x = np.frombuffer(p2.stdout, dtype=np.float32).astype(np.float64)
    if x.size < SR // 5:
        raise RuntimeError(f"synthesis failed for {variant}: {p2.stderr[:200]!r}")
    # Leading/trailing silence as an endpointer would leave it.
    pre = np.zeros(int(rng.uniform(0.05, 0.4) * SR))
    post = np.zeros(int(rng.uniform(0.05, 0.4) * SR))
    x = np.concatenate([pre, x, post])
    peak = np.max(np.abs(x)) + 1e-9
    x = x / peak * (10 ** (rng.uniform(-30, -1) / 20))
    if not clean:
        level = np.sqrt(np.mean(x ** 2)) + 1e-9
        snr = rng.uniform(8, 40)
        kind = rng.random()
        noise = rng.standard_normal(x.size)
        if kind < 0.4:  # brown-ish hum / line noise
            noise = np.cumsum(noise)
            noise -= np.convolve(noise, np.ones(200) / 200, mode="same")
        elif kind < 0.55:  # mains hum
            t = np.arange(x.size) / SR
            noise = np.sin(2 * np.pi * rng.choice([50, 60, 100]) * t) + 0.3 * noise
        noise *= level / (np.sqrt(np.mean(noise ** 2)) + 1e-9) * 10 ** (-snr / 20)
        x = x + noise
        if rng.random() < 0.1:  # clipping on hot lines
            x = np.clip(x * rng.uniform(2, 6), -1, 1)
        if rng.random() < 0.8:
            x = mulaw_roundtrip(np.clip(x, -1, 1))
    return (np.clip(x, -1, 1) * 32767).astype(np.int16)
