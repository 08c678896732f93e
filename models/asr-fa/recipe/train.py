"""Trains (or resumes, or fine-tunes) the CTC model on shard files.

  nice -n 10 /usr/bin/python3 train.py --data ../work/data --ckpt ../work/ckpt [--steps N]
  fine-tuning:  --data <dir with real_*.npz shards> --init ../work/ckpt/best.pt --ckpt <new dir> --lr 3e-4

Resumes from <ckpt>/last.pt when it exists. Picks up new shards as gen_data.py writes them.
"""
import argparse
import glob
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(__file__))
from features import features  # noqa: E402
from model import CtcModel, out_frames  # noqa: E402
from textnorm import VOCAB  # noqa: E402

CHAR2ID = {c: i for i, c in enumerate(VOCAB)}


def encode(text):
    return [CHAR2ID[c] for c in text if c in CHAR2ID]


def greedy(logp):
    ids = logp.argmax(-1).tolist()
    out, prev = [], 0
    for i in ids:
        if i != prev and i != 0:
            out.append(VOCAB[i])
        prev = i
    return "".join(out).strip()


def edit(a, b):
    d = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(b) + 1):
            cur = d[j]
            d[j] = min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] != b[j - 1]))
            prev = cur
    return d[len(b)]


def score(pairs):
    ce = sum(edit(h, r) for h, r in pairs)
    cn = sum(len(r) for _, r in pairs)
    we = sum(edit(h.split(), r.split()) for h, r in pairs)
    wn = sum(len(r.split()) for _, r in pairs)
    return ce / max(cn, 1), we / max(wn, 1)


class Shards:
    def __init__(self, pattern):
        self.pattern = pattern
        self.loaded = {}
        self.items = []

    def refresh(self):
        for path in sorted(glob.glob(self.pattern)):
            if path in self.loaded or path.endswith(".tmp.npz") or path.endswith(".feats.pt"):
                continue
            z = np.load(path)
            audio, lens, texts = z["audio"], z["lens"], z["texts"]
            offs = np.concatenate([[0], np.cumsum(lens)])
            # Features are computed once and cached next to the shard (half precision): on 2 shared
            # cores the FFTs would otherwise cost a fifth of every training step.
            cache = path[:-4] + ".feats.pt"
            feats = torch.load(cache) if os.path.exists(cache) else None
            if feats is None:
                feats = [features(audio[offs[i]:offs[i + 1]]).half() for i in range(len(lens))]
                torch.save(feats, cache + ".tmp")
                os.replace(cache + ".tmp", cache)
            for i in range(len(lens)):
                t = encode(str(texts[i]))
                if t and out_frames(feats[i].shape[1]) >= len(t) + 1:
                    self.items.append((feats[i], t, str(texts[i])))
            self.loaded[path] = len(lens)
        return len(self.items)


def batches(items, max_seconds, rng):
    idx = list(range(len(items)))
    rng.shuffle(idx)
    chunk = 2000
    out = []
    for s in range(0, len(idx), chunk):
        part = sorted(idx[s:s + chunk], key=lambda i: items[i][0].shape[1])
        cur, longest = [], 0
        for i in part:
            n = items[i][0].shape[1]
            if cur and max(longest, n) * (len(cur) + 1) > max_seconds * 100:
                out.append(cur)
                cur, longest = [], 0
            cur.append(i)
            longest = max(longest, n)
        if cur:
            out.append(cur)
    rng.shuffle(out)
    return out


def spec_augment(x, rng):
    _, f, t = x.shape
    for _ in range(2):
        w = rng.randint(0, 10)
        f0 = rng.randint(0, f - w)
        x[:, f0:f0 + w, :] = 0
    for _ in range(max(1, t // 250)):
        w = rng.randint(0, min(25, max(1, t // 8)))
        t0 = rng.randint(0, max(0, t - w))
        x[:, :, t0:t0 + w] = 0
    return x


def collate(items, ids, rng, augment):
    feats = [items[i][0].float() for i in ids]
    T = max(f.shape[1] for f in feats)
    x = torch.zeros(len(ids), feats[0].shape[0], T)
    for k, f in enumerate(feats):
        g = spec_augment(f.unsqueeze(0).clone(), rng)[0] if augment else f
        x[k, :, :f.shape[1]] = g
    in_lens = torch.tensor([out_frames(f.shape[1]) for f in feats])
    targets = [torch.tensor(items[i][1]) for i in ids]
    return x, in_lens, torch.cat(targets), torch.tensor([len(t) for t in targets])


@torch.no_grad()
def evaluate(model, items, limit=None):
    model.eval()
    pairs = []
    for audio, _, text in items[:limit]:
        logp = model(audio.float().unsqueeze(0))[0]
        pairs.append((greedy(logp), text))
    model.train()
    return score(pairs), pairs


def load_eval(path, start, end):
    sh = Shards(path)
    sh.refresh()
    return sh.items[start:end]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="directory with train_*.npz (or real_*.npz with --pattern)")
    ap.add_argument("--pattern", default="train_*.npz")
    ap.add_argument("--dev", default=None, help="npz used for model selection (default <data>/test_f4.npz, first 100)")
    ap.add_argument("--dev-range", default="0:100")
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--init", default=None, help="start from these weights (fine-tuning)")
    ap.add_argument("--steps", type=int, default=200000)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=600)
    ap.add_argument("--batch-seconds", type=float, default=60)
    ap.add_argument("--eval-every", type=int, default=1000)
    ap.add_argument("--channels", type=int, default=192)
    ap.add_argument("--kernels", default="5,5,7,7,9,9,11,11")
    ap.add_argument("--dropout", type=float, default=0.0)
    ap.add_argument("--threads", type=int, default=1, help="1: on shared cores a second intra-op thread makes every op wait for it")
    ap.add_argument("--min-shards", type=int, default=1)
    ap.add_argument("--max-minutes", type=float, default=None,
                    help="wall-clock budget: stop (evaluate, save last.pt) at the first step past it")
    ap.add_argument("--freeze-bn", action="store_true",
                    help="keep BatchNorm statistics fixed (a model rebuilt from ONNX by onnx_to_ckpt.py)")
    ap.add_argument("--l2sp", type=float, default=0.0,
                    help="fine-tuning: pull the weights toward the --init weights (L2-SP) with this weight, "
                         "so that adapting to a few real voices forgets less of what the synthetic corpus taught")
    ap.add_argument("--guard-rise", type=float, default=None,
                    help="fine-tuning: also keep guarded.pt, the latest evaluated checkpoint whose dev CER is at most "
                         "this much above the --init model's (the synthetic skills a site must not lose)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.ckpt, exist_ok=True)
    rng = random.Random(0)
    torch.manual_seed(0)

    model = CtcModel(vocab=len(VOCAB), channels=args.channels, kernels=tuple(int(k) for k in args.kernels.split(",")), dropout=args.dropout)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-3)
    step, best = 0, 1e9
    last = os.path.join(args.ckpt, "last.pt")
    if os.path.exists(last):
        st = torch.load(last)
        model = CtcModel(vocab=len(VOCAB), **{k: v for k, v in st["config"].items() if k != "vocab"})
        opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-3)
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        step, best = st["step"], st["best"]
        print(f"resumed at step {step} best {best:.4f}", flush=True)
    elif args.init:
        init = torch.load(args.init)
        model = CtcModel(vocab=len(VOCAB), **{k: v for k, v in init["config"].items() if k != "vocab"})
        model.load_state_dict(init["model"])
        opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-3)
        print(f"initialised from {args.init}", flush=True)
    print(f"params {sum(p.numel() for p in model.parameters())}", flush=True)

    dev_path = args.dev or os.path.join(args.data, "test_f4.npz")
    a, b = (int(v) for v in args.dev_range.split(":"))
    dev = load_eval(dev_path, a, b)
    data = Shards(os.path.join(args.data, args.pattern))
    while data.refresh() == 0 or len(data.loaded) < args.min_shards:
        time.sleep(10)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    anchor = [p.detach().clone() for p in model.parameters()] if args.l2sp > 0 else None
    guard_limit = None
    if args.guard_rise is not None:
        (cer0, _), _ = evaluate(model, dev)
        guard_limit = cer0 + args.guard_rise
        print(f"guard: dev CER {cer0:.4f} at the start; guarded.pt keeps checkpoints at or under {guard_limit:.4f}", flush=True)

    def train_mode():
        model.train()
        if args.freeze_bn:
            for m in model.modules():
                if isinstance(m, nn.BatchNorm1d):
                    m.eval()

    train_mode()
    t0, losses = time.time(), []
    deadline = time.time() + args.max_minutes * 60 if args.max_minutes else None
    while step < args.steps:
        n = data.refresh()
        print(f"epoch over {n} utterances from {len(data.loaded)} shards", flush=True)
        for ids in batches(data.items, args.batch_seconds, rng):
            lr = args.lr * min((step + 1) / args.warmup, math.sqrt(args.warmup / (step + 1)))
            for g in opt.param_groups:
                g["lr"] = lr
            x, il, tg, tl = collate(data.items, ids, rng, augment=True)
            logp = model(x)
            loss = ctc(logp.transpose(0, 1), tg, il, tl)
            if anchor is not None:
                loss = loss + args.l2sp * sum(((p - a) ** 2).sum() for p, a in zip(model.parameters(), anchor))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            step += 1
            losses.append(loss.item())
            if deadline and time.time() > deadline and step < args.steps:
                print(f"time budget of {args.max_minutes} min reached at step {step}", flush=True)
                args.steps = step
            if step % 50 == 0:
                print(f"step {step} loss {np.mean(losses):.3f} lr {lr:.2e} {(time.time()-t0)/len(losses):.2f}s/step", flush=True)
                losses, t0 = [], time.time()
            if step % args.eval_every == 0 or step >= args.steps:
                (cer, wer), pairs = evaluate(model, dev)
                state = {"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "best": min(best, cer),
                         "config": model.config, "vocab": VOCAB, "dev": {"cer": cer, "wer": wer}}
                torch.save(state, last + ".tmp")
                os.replace(last + ".tmp", last)
                if cer < best:
                    best = cer
                    torch.save(state, os.path.join(args.ckpt, "best.pt"))
                if guard_limit is not None and cer <= guard_limit:
                    torch.save(state, os.path.join(args.ckpt, "guarded.pt"))
                    print(f"guarded.pt <- step {step} (dev CER {cer:.4f} <= {guard_limit:.4f})", flush=True)
                print(f"EVAL step {step} dev CER {cer:.4f} WER {wer:.4f} best {best:.4f} | {pairs[0][0]} || {pairs[0][1]}", flush=True)
                train_mode()
                t0 = time.time()
            if step >= args.steps:
                break


if __name__ == "__main__":
    main()
