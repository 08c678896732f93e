"""Writes the synthetic corpus as shards (work/data/train_NNN.npz, test_f4.npz).
Keeps producing training shards (new voices/augmentation each round) until --shards is reached,
so training can start on the first shards while later ones are still being made.

  nice -n 10 python3 gen_data.py --out ../work/data --shards 40 --shard-size 2000 --jobs 2
"""
import argparse
import os
import random
import sys
import time
from multiprocessing import Pool

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from sentences import is_test, load_pool  # noqa: E402
from synth import TEST_VARIANTS, synthesize, train_variants  # noqa: E402
from textnorm import normalize_for_asr  # noqa: E402


def work(job):
    text, variant, seed, clean = job
    rng = np.random.default_rng(seed)
    try:
        audio = synthesize(text, variant, rng, clean=clean)
    except Exception as e:  # a rare eSpeak failure must not stop the corpus
        return None
    return audio, normalize_for_asr(text), variant


def write_shard(path, items):
    audio = [a for a, _, _ in items]
    lens = np.array([a.size for a in audio], dtype=np.int64)
    np.savez(path + ".tmp.npz", audio=np.concatenate(audio), lens=lens,
             texts=np.array([t for _, t, _ in items]), variants=np.array([v for _, _, v in items]))
    os.replace(path + ".tmp.npz", path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--shards", type=int, default=40)
    ap.add_argument("--shard-size", type=int, default=2000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--test-size", type=int, default=400)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    pool = load_pool()
    train = [s for _, s in pool if not is_test(s)]
    test = sorted({s for _, s in pool if is_test(s)})
    variants = train_variants()
    rng = random.Random(args.seed)
    print(f"pool {len(pool)} train sentences {len(train)} test sentences {len(test)} train variants {len(variants)}", flush=True)
    with Pool(args.jobs) as workers:
        test_path = os.path.join(args.out, f"test_{TEST_VARIANTS[0]}.npz")
        if not os.path.exists(test_path):
            trng = random.Random(123)
            picks = trng.sample(test, min(args.test_size, len(test)))
            jobs = [(s, TEST_VARIANTS[i % len(TEST_VARIANTS)], 10_000_000 + i, False) for i, s in enumerate(picks)]
            items = [r for r in workers.map(work, jobs, chunksize=8) if r]
            write_shard(test_path, items)
            print(f"wrote {test_path} ({len(items)})", flush=True)
        for k in range(args.shards):
            path = os.path.join(args.out, f"train_{k:03d}.npz")
            if os.path.exists(path):
                continue
            t0 = time.time()
            rng = random.Random(args.seed * 1000 + k)
            jobs = [(rng.choice(train), rng.choice(variants), args.seed * 10_000_000 + k * 100_000 + i, rng.random() < 0.1)
                    for i in range(args.shard_size)]
            items = [r for r in workers.imap(work, jobs, chunksize=16) if r]
            write_shard(path, items)
            secs = sum(a.size for a, _, _ in items) / 8000
            print(f"wrote {path}: {len(items)} utts, {secs/3600:.2f} h audio, {time.time()-t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
