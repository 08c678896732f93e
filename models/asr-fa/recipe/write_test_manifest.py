"""Writes the held-out synthetic test set (test_f4.npz, made by gen_data.py) as 8 kHz WAVs plus a
manifest for tools/eval-asr.ts: items 100-399 -> work/heldout300, items 0-99 (dev) -> work/dev100.

  python3 recipe/write_test_manifest.py --data work/data --out work
"""
import argparse
import json
import os
import wave

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    z = np.load(os.path.join(args.data, "test_f4.npz"))
    offs = np.concatenate([[0], np.cumsum(z["lens"])])
    for name, lo, hi in (("heldout300", 100, 400), ("dev100", 0, 100)):
        d = os.path.join(args.out, name)
        os.makedirs(d, exist_ok=True)
        lines = []
        for i in range(lo, min(hi, len(z["lens"]))):
            fn = f"{i:03d}.wav"
            with wave.open(os.path.join(d, fn), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(8000)
                w.writeframes(z["audio"][offs[i]:offs[i + 1]].tobytes())
            lines.append(json.dumps({"audio": fn, "text": str(z["texts"][i])}, ensure_ascii=False))
        with open(os.path.join(d, "manifest.jsonl"), "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
