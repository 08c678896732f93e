"""Writes fixtures/asr/golden_features.json: 0.3 s of held-out test audio with its raw and
normalised log-mel features as computed by features.py, for the TypeScript parity test.

  /usr/bin/python3 golden.py --data ../work/data --out ../../../fixtures/asr/golden_features.json
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from features import SPEC, features, logmel  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    z = np.load(os.path.join(args.data, "test_f4.npz"))
    start = int(z["lens"][:100].sum())
    audio = z["audio"][start:start + int(z["lens"][100])]
    # Skip the leading silence so the slice holds speech.
    onset = int(np.argmax(np.abs(audio) > 500))
    pcm = audio[onset:onset + 2400]
    golden = {"spec": SPEC, "samples": pcm.astype(int).tolist(),
              "logmel": logmel(pcm).numpy().astype(float).round(6).tolist(),
              "features": features(pcm).numpy().astype(float).round(6).tolist()}
    with open(args.out, "w") as f:
        json.dump(golden, f)


if __name__ == "__main__":
    main()
