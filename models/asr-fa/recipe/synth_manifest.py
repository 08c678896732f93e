"""Synthesises telephone-band callers for lines of a JSONL file ({"text", ...}) with a given
eSpeak NG variant (default: the held-out f4) and writes WAVs plus a manifest ({"audio", "text",
...other fields kept}) for tools/eval-asr.ts and tools/eval-asr-intent.ts.

  python3 synth_manifest.py --in fixtures/faq/test.jsonl --out models/asr-fa/work/intent-audio --variant f4
"""
import argparse
import json
import os
import sys
import wave

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from synth import synthesize  # noqa: E402
from textnorm import normalize_chars  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--in", dest="inp", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--variant", default="f4")
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rows = [json.loads(l) for l in open(args.inp) if l.strip()]
    out = []
    for i, row in enumerate(rows):
        text = row.get("text") or row.get("utt")
        rng = np.random.default_rng(args.seed * 100000 + i)
        pcm = synthesize(normalize_chars(text), args.variant, rng)
        name = f"{i:04d}.wav"
        with wave.open(os.path.join(args.out, name), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes(pcm.tobytes())
        out.append({**row, "audio": name, "text": text})
    with open(os.path.join(args.out, "manifest.jsonl"), "w") as f:
        for r in out:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(out)} utterances to {args.out}")


if __name__ == "__main__":
    main()
