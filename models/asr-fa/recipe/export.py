"""Exports a checkpoint to ONNX, scores it on the held-out test set, and writes manifest.json,
the golden-feature fixture and the held-out fixture WAVs for the TypeScript side.

  /usr/bin/python3 export.py --ckpt ../work/ckpt/best.pt --out .. [--fixtures ../../../fixtures/asr]
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import wave

import numpy as np
import onnx
import torch

sys.path.insert(0, os.path.dirname(__file__))
from features import SPEC  # noqa: E402
from model import CtcModel  # noqa: E402
from synth import TEST_VARIANTS  # noqa: E402
from textnorm import VOCAB  # noqa: E402
from train import Shards, evaluate  # noqa: E402


def write_wav(path, pcm, rate=8000):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.astype(np.int16).tobytes())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--out", required=True, help="model folder (model.onnx + manifest.json)")
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "work", "data"))
    ap.add_argument("--test-range", default="100:400", help="test_f4 items used for the reported score (0:100 is the dev set)")
    ap.add_argument("--fixtures", default=None)
    ap.add_argument("--fixture-count", type=int, default=30)
    ap.add_argument("--command", default=None, help="training command recorded in the manifest")
    ap.add_argument("--name", default="pasokh-asr-fa-telephone")
    ap.add_argument("--extra-scores", default=None, help="JSON file merged into manifest.scores")
    args = ap.parse_args()

    st = torch.load(args.ckpt)
    model = CtcModel(**st["config"])
    model.load_state_dict(st["model"])
    model.eval()
    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "model.onnx")
    dummy = torch.randn(1, SPEC["nMels"], 300)
    torch.onnx.export(model, dummy, onnx_path, input_names=["fbank"], output_names=["log_probs"],
                      dynamic_axes={"fbank": {0: "batch", 2: "frames"}, "log_probs": {0: "batch", 1: "out_frames"}},
                      opset_version=13, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(onnx_path))

    test_path = os.path.join(args.data, f"test_{TEST_VARIANTS[0]}.npz")
    a, b = (int(v) for v in args.test_range.split(":"))
    z = np.load(test_path)
    offs = np.concatenate([[0], np.cumsum(z["lens"])])
    raw = [(z["audio"][offs[i]:offs[i + 1]], str(z["texts"][i])) for i in range(a, min(b, len(z["lens"])))]
    sh = Shards(test_path)
    sh.refresh()
    (cer, wer), pairs = evaluate(model, sh.items[a:b])
    scores = {
        "heldOutSyntheticTelephone": {
            "what": f"{len(pairs)} unseen sentences, unseen eSpeak NG variant fa+{TEST_VARIANTS[0]}, telephone band, noise, reverb, mu-law",
            "decoder": "greedy (recipe, PyTorch)", "cer": round(cer, 4), "wer": round(wer, 4),
        }
    }
    if args.extra_scores and os.path.exists(args.extra_scores):
        scores.update(json.load(open(args.extra_scores)))

    manifest = {
        "name": args.name,
        "kind": "ctc",
        "input": "fbank",
        "model": "model.onnx",
        "inputName": "fbank",
        "outputName": "log_probs",
        "output": "log-probs",
        "sampleRate": SPEC["sampleRate"],
        "features": SPEC,
        "vocab": VOCAB,
        "blank": 0,
        "wordDelimiter": " ",
        "textNormalization": "models/asr-fa/recipe/textnorm.py normalize_for_asr (mirrored by src/engines/asr/text.ts)",
        "licence": "MIT (Pasokh project). Trained only on speech synthesised with eSpeak NG (GPL-3.0 program; its output audio is not covered) from the project's own FAQ data, ../shared/seeds articles, MASSIVE fa-IR train utterances (CC BY 4.0) and generated phrases.",
        "architecture": {"type": "QuartzNet-like separable-conv CTC", **st["config"],
                         "params": sum(p.numel() for p in model.parameters()), "subsampling": 4},
        "training": {
            "command": args.command or "cd models/asr-fa && nice -n 10 python3 recipe/gen_data.py --out work/data --shards 12 --shard-size 2000 --jobs 2 && nice -n 10 /usr/bin/python3 recipe/train.py --data work/data --ckpt work/ckpt --min-shards 2 --warmup 200 --lr 2.5e-3 --eval-every 500",
            "export": f"/usr/bin/python3 recipe/export.py --ckpt {args.ckpt} --out {args.out}",
            "steps": st["step"],
            "checkpointDevCer": st.get("dev"),
            "data": "eSpeak NG fa with 100 voice variants (all but f4), speed 115-215 wpm, pitch 15-85, word gap 0-4; sox resample to 8 kHz, band-pass 200-400..3000-3700 Hz, reverb (35%), tempo 0.85-1.15 (30%); random gain -30..-1 dBFS, noise (white/brown/mains) at 8-40 dB SNR, clipping (10%), G.711 mu-law round trip (80%); 10% clean. Sentences: FAQ questions x4, FAQ answers x2, FAQ caller utterances x4, ../shared/seeds sentences, MASSIVE-fa train, generated numbers/phone numbers/digits/dates/times/yes-no; 3% of sentences (by hash) held out for test. SpecAugment during training.",
            "date": datetime.datetime.utcnow().strftime("%Y-%m-%d"),
        },
        "scores": scores,
    }
    # The decoder's language model is text, not weights: a re-export keeps the folder's LM settings.
    previous = os.path.join(args.out, "manifest.json")
    if os.path.exists(previous):
        lm = json.load(open(previous)).get("lm")
        if lm:
            manifest["lm"] = lm
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=2)
    print(json.dumps({"onnx": onnx_path, "bytes": os.path.getsize(onnx_path), "cer": cer, "wer": wer}, ensure_ascii=False))
    for h, r in pairs[:5]:
        print("HYP", h, "\nREF", r)

    if args.fixtures:
        os.makedirs(os.path.join(args.fixtures, "heldout"), exist_ok=True)
        # Held-out fixture WAVs: a fixed random draw of phone-sized test items (at most 4.5 s), unseen voice.
        short = [i for i in range(len(raw)) if raw[i][0].size <= 4.5 * 8000]
        order = np.random.default_rng(0).permutation(short)[: args.fixture_count].tolist()
        lines = []
        for k, i in enumerate(sorted(order)):
            name = f"heldout/f4_{k:02d}.wav"
            write_wav(os.path.join(args.fixtures, name), raw[i][0])
            lines.append(json.dumps({"audio": name, "text": raw[i][1]}, ensure_ascii=False))
        with open(os.path.join(args.fixtures, "heldout_synthetic.jsonl"), "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
