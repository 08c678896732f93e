"""Writes the text the decoder's character language model is counted from: every training
sentence of the synthetic corpus plus MASSIVE fa-IR's dev and test utterances (text only: more
Persian than the audio budget could speak), never a held-out ASR test sentence (the same hash as
gen_data.py decides), in the model's spelling, one per line, deduplicated. Domain weighting by
repetition in load_pool() is kept as counts.

    python3 recipe/lm_corpus.py --out lm-corpus.txt      (in models/asr-fa)
"""
import argparse
import json
from collections import Counter

from sentences import SHARED, is_test, load_pool
from textnorm import has_foreign, normalize_chars, normalize_for_asr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    counts = Counter()
    for _, s in load_pool():
        if is_test(s):
            continue
        t = normalize_for_asr(s)
        if t:
            counts[t] += 1
    for split in ("dev", "test"):
        for line in open(f"{SHARED}/datasets/massive-fa/{split}.jsonl"):
            s = normalize_chars(json.loads(line)["utt"])
            if has_foreign(s) or is_test(s):
                continue
            t = normalize_for_asr(s)
            if t:
                counts[t] += 1
    with open(args.out, "w", encoding="utf-8") as f:
        # "count<TAB>sentence": repetition weights FAQ wording without storing it four times.
        for t, n in sorted(counts.items()):
            f.write(f"{n}\t{t}\n")
    print(f"{len(counts)} sentences, {sum(len(t) for t in counts)} characters -> {args.out}")


if __name__ == "__main__":
    main()
