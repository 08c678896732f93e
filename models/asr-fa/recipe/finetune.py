"""Fine-tuning on real recordings: a manifest of audio + corrected transcripts in, an adapted model
and its scores out. This is how a site adapts the synthetic-speech model to its own callers.

  /usr/bin/python3 finetune.py --manifest calls.jsonl [--manifest more.jsonl] \
      [--longform ../shared/datasets/fa-speech-real/manifest_longform.jsonl] \
      --init ../work/ckpt/best.pt --work ../work/ft --out ../work/ft/model --steps 600 \
      [--eval-manifest test.jsonl ...] [--telephone]

Manifest lines: {"audio": path relative to the manifest, "text": transcript}. Long recordings with
"sentences" (a list, in order) are cut into utterances by CTC forced alignment with the initial
model (sentence boundaries = midpoints between aligned sentences), so a narration of minutes
becomes phone-sized training utterances. Real audio is mixed with the synthetic shards (real
items repeated --real-repeat times) so the model adapts without forgetting. --telephone passes the
real audio through the same telephone channel as the synthetic data (band-limit + mu-law).
Writes <out>/model.onnx + manifest.json via export.py, and <work>/scores.json.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from features import features  # noqa: E402
from model import CtcModel  # noqa: E402
from synth import mulaw_roundtrip  # noqa: E402
from textnorm import VOCAB, normalize_for_asr  # noqa: E402
from train import encode, evaluate, greedy, score  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SUBSAMPLE_SAMPLES = 80 * 4  # one output frame = 4 feature hops


def load_audio(path, telephone=False):
    """Any WAV -> 8 kHz mono int16 via sox."""
    effects = ["sinc", "300-3400"] if telephone else []
    raw = subprocess.run(["sox", path, "-t", "raw", "-r", "8000", "-e", "signed", "-b", "16", "-c", "1", "-"] + effects,
                         capture_output=True, check=True).stdout
    x = np.frombuffer(raw, dtype=np.int16)
    if telephone:
        x = (np.clip(mulaw_roundtrip(x / 32768.0), -1, 1) * 32767).astype(np.int16)
    return x


def speed_perturb(x, factor):
    """The same utterance spoken faster or slower (pitch moves with it, as in Kaldi's speed
    perturbation): one more voice and speaking rate from each real recording."""
    raw = subprocess.run(["sox", "-t", "raw", "-r", "8000", "-e", "signed", "-b", "16", "-c", "1", "-",
                          "-t", "raw", "-r", "8000", "-e", "signed", "-b", "16", "-c", "1", "-", "speed", str(factor)],
                         input=x.astype(np.int16).tobytes(), capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.int16).copy()


def ctc_align(logp: np.ndarray, labels):
    """Viterbi CTC alignment; returns the output frame at which each label is first emitted, or None."""
    T = logp.shape[0]
    ext = [0]
    for l in labels:
        ext += [l, 0]
    S = len(ext)
    if T < len(labels):
        return None
    ext = np.array(ext)
    can_skip = np.zeros(S, dtype=bool)
    can_skip[3::2] = ext[3::2] != ext[1:-2:2]
    dp = np.full(S, -np.inf)
    dp[0] = logp[0, 0]
    dp[1] = logp[0, ext[1]]
    back = np.zeros((T, S), dtype=np.int8)
    for t in range(1, T):
        stay = dp
        prev1 = np.concatenate([[-np.inf], dp[:-1]])
        prev2 = np.where(can_skip, np.concatenate([[-np.inf, -np.inf], dp[:-2]]), -np.inf)
        stack = np.stack([stay, prev1, prev2])
        arg = stack.argmax(0)
        back[t] = arg
        dp = stack[arg, np.arange(S)] + logp[t, ext]
    s = S - 1 if dp[S - 1] >= dp[S - 2] else S - 2
    if not np.isfinite(dp[s]):
        return None
    states = np.zeros(T, dtype=np.int64)
    for t in range(T - 1, -1, -1):
        states[t] = s
        s -= back[t, s]
    first = [None] * len(labels)
    for t in range(T):
        st = states[t]
        if st % 2 == 1 and first[st // 2] is None:
            first[st // 2] = t
    return first


def chunk_longform(model, audio, sentences, max_seconds=8.0, min_seconds=3.0):
    """Cuts a long recording into utterances at aligned word boundaries: a chunk ends at a sentence
    end once it is min_seconds long, and at any word end before it would pass max_seconds."""
    texts = [normalize_for_asr(s) for s in sentences]
    words, sentence_end = [], []
    for t in texts:
        ws = t.split()
        words += ws
        sentence_end += [False] * (len(ws) - 1) + [True] if ws else []
    labels = encode(" ".join(words))
    with torch.no_grad():
        logp = model(features(audio).unsqueeze(0))[0].numpy()
    first = ctc_align(logp, labels)
    if first is None:
        return []
    starts, ends, pos = [], [], 0
    for w in words:
        starts.append(first[pos])
        ends.append(first[pos + len(w) - 1])
        pos += len(w) + 1  # the space after the word
    # Cut between words halfway through the gap; output frames are 4 feature hops apart.
    cut = [0] + [((ends[i] + starts[i + 1]) // 2) * SUBSAMPLE_SAMPLES for i in range(len(words) - 1)] + [audio.size]
    out, begin = [], 0
    for i in range(len(words)):
        length = (cut[i + 1] - cut[begin]) / 8000
        nxt = (cut[i + 2] - cut[begin]) / 8000 if i + 2 < len(cut) else length
        if i == len(words) - 1 or (sentence_end[i] and length >= min_seconds) or nxt > max_seconds:
            out.append((audio[cut[begin]:cut[i + 1]], " ".join(words[begin:i + 1])))
            begin = i + 1
    return out


def read_manifest(path):
    base = os.path.dirname(os.path.abspath(path))
    for line in open(path):
        if line.strip():
            row = json.loads(line)
            row["audio"] = os.path.join(base, row["audio"])
            yield row


def write_shard(path, items):
    np.savez(path, audio=np.concatenate([a for a, _ in items]), lens=np.array([a.size for a, _ in items]),
             texts=np.array([t for _, t in items]), variants=np.array(["real"] * len(items)))


def eval_manifest(model, path, telephone):
    pairs = []
    model.eval()
    with torch.no_grad():
        for row in read_manifest(path):
            a = load_audio(row["audio"], telephone)
            hyp = greedy(model(features(a).unsqueeze(0))[0])
            pairs.append((hyp, normalize_for_asr(row["text"])))
    cer, wer = score(pairs)
    return {"n": len(pairs), "cer": round(cer, 4), "wer": round(wer, 4)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", action="append", default=[])
    ap.add_argument("--longform", action="append", default=[])
    ap.add_argument("--init", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--synthetic", default=os.path.join(HERE, "..", "work", "data"))
    ap.add_argument("--synthetic-shards", type=int, default=2)
    ap.add_argument("--real-repeat", type=int, default=8)
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--lr", type=float, default=4e-4)
    ap.add_argument("--eval-manifest", action="append", default=[])
    ap.add_argument("--telephone", action="store_true")
    ap.add_argument("--freeze-bn", action="store_true", help="an --init rebuilt from ONNX by onnx_to_ckpt.py (see train.py)")
    ap.add_argument("--max-minutes", type=float, default=None, help="training time budget (train.py stops at the first step past it)")
    ap.add_argument("--speeds", default="", help="speed-perturbed copies of every real utterance, e.g. 0.9,1.1")
    ap.add_argument("--l2sp", type=float, default=0.0, help="weight pulling the model toward --init (train.py --l2sp)")
    ap.add_argument("--guard-rise", type=float, default=None,
                    help="export the latest checkpoint whose synthetic dev CER is at most this much above the start (train.py --guard-rise)")
    ap.add_argument("--eval-every", type=int, default=None, help="synthetic dev evaluation interval in steps")
    args = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.work, exist_ok=True)
    st = torch.load(args.init)
    model = CtcModel(**st["config"])
    model.load_state_dict(st["model"])
    model.eval()

    items = []
    for m in args.manifest:
        for row in read_manifest(m):
            a = load_audio(row["audio"], args.telephone)
            t = normalize_for_asr(row["text"])
            if "sentences" in row:
                continue
            items.append((a, t))
    for m in args.longform:
        for row in read_manifest(m):
            a = load_audio(row["audio"], args.telephone)
            chunks = chunk_longform(model, a, row.get("sentences") or [row["text"]])
            # A chunk whose text is far too short or long for its duration was misaligned (music,
            # an untranscribed intro): it would teach the model wrong pairs.
            good = [(c, t) for c, t in chunks if 4 <= len(t) / (c.size / 8000) <= 25]
            print(f"{os.path.basename(row['audio'])}: {a.size / 8000:.0f} s -> {len(good)} aligned utterances "
                  f"({len(chunks) - len(good)} dropped as misaligned)", flush=True)
            items += good
    if not items:
        sys.exit("no training utterances")
    speeds = [float(f) for f in args.speeds.split(",") if f.strip()]
    if speeds:
        items += [(speed_perturb(a, f), t) for f in speeds for a, t in list(items)]
        print(f"speed perturbation x{speeds}: {len(items)} real utterances", flush=True)
    data_dir = os.path.join(args.work, "data")
    os.makedirs(data_dir, exist_ok=True)
    for k in range(args.real_repeat):
        write_shard(os.path.join(data_dir, f"train_real_{k:02d}.npz"), items)
    # Synthetic shards keep the synthetic skills (numbers, the held-out voice) from being forgotten.
    for k in range(args.synthetic_shards):
        src = os.path.join(args.synthetic, f"train_{k:03d}.npz")
        dst = os.path.join(data_dir, f"train_syn_{k:03d}.npz")
        if os.path.exists(src) and not os.path.exists(dst):
            os.symlink(os.path.abspath(src), dst)
            if os.path.exists(src[:-4] + ".feats.pt"):
                os.symlink(os.path.abspath(src[:-4] + ".feats.pt"), dst[:-4] + ".feats.pt")
    test = os.path.join(args.synthetic, "test_f4.npz")
    if os.path.exists(test) and not os.path.exists(os.path.join(data_dir, "test_f4.npz")):
        os.symlink(os.path.abspath(test), os.path.join(data_dir, "test_f4.npz"))
        if os.path.exists(test[:-4] + ".feats.pt"):
            os.symlink(os.path.abspath(test[:-4] + ".feats.pt"), os.path.join(data_dir, "test_f4.feats.pt"))
    before = {os.path.basename(m): eval_manifest(model, m, args.telephone) for m in args.eval_manifest}
    ckpt = os.path.join(args.work, "ckpt")
    subprocess.run([sys.executable, os.path.join(HERE, "train.py"), "--data", data_dir, "--ckpt", ckpt, "--init", args.init,
                    "--steps", str(args.steps), "--lr", str(args.lr), "--warmup", "50",
                    "--eval-every", str(args.eval_every or max(50, args.steps // 4))]
                   + (["--freeze-bn"] if args.freeze_bn else [])
                   + (["--l2sp", str(args.l2sp)] if args.l2sp > 0 else [])
                   + (["--guard-rise", str(args.guard_rise)] if args.guard_rise is not None else [])
                   + (["--max-minutes", str(args.max_minutes)] if args.max_minutes else []), check=True)
    # With a guard, the most adapted checkpoint that kept the synthetic skills; else the last one.
    chosen = os.path.join(ckpt, "guarded.pt") if args.guard_rise is not None and os.path.exists(os.path.join(ckpt, "guarded.pt")) else os.path.join(ckpt, "last.pt")
    if args.guard_rise is not None and not chosen.endswith("guarded.pt"):
        # Said, and written into the scores: promotion is what keeps such a model out.
        print("WARNING: no evaluated checkpoint stayed within --guard-rise of the start on the synthetic dev set; "
              "exporting the last one", flush=True)
    best = torch.load(chosen)
    model = CtcModel(**best["config"])
    model.load_state_dict(best["model"])
    after = {os.path.basename(m): eval_manifest(model, m, args.telephone) for m in args.eval_manifest}
    scores = {"adaptation": {"utterances": len(items), "seconds": round(sum(a.size for a, _ in items) / 8000, 1),
                             "steps": int(best["step"]), "init": args.init, "telephone": args.telephone,
                             "speeds": speeds, "l2sp": args.l2sp, "guardRise": args.guard_rise, "checkpoint": os.path.basename(chosen),
                             "syntheticDev": best.get("dev"),
                             "before": before, "after": after}}
    with open(os.path.join(args.work, "scores.json"), "w") as f:
        json.dump(scores, f, ensure_ascii=False, indent=2)
    print(json.dumps(scores, ensure_ascii=False), flush=True)
    subprocess.run([sys.executable, os.path.join(HERE, "export.py"), "--ckpt", chosen, "--out", args.out,
                    "--data", args.synthetic, "--extra-scores", os.path.join(args.work, "scores.json"),
                    "--command", " ".join([os.path.basename(sys.executable)] + sys.argv)], check=True)


if __name__ == "__main__":
    main()
