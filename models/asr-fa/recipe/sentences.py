"""Builds the Persian sentence pool the synthetic corpus is read from, and splits it into
training and held-out test sentences (a stable hash decides, so re-runs agree)."""
import glob
import hashlib
import json
import random
import re

from textnorm import (digits_to_words, has_foreign, normalize_chars, normalize_for_asr,
                      number_to_words, ordinal_words)

SHARED = "/work/shared"
MONTHS = ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"]
WEEKDAYS = ["شنبه", "یکشنبه", "دوشنبه", "سه شنبه", "چهارشنبه", "پنجشنبه", "جمعه"]
YES_NO = ["بله", "آره", "نه", "خیر", "بله درسته", "نه ممنون", "آره درسته", "نه اشتباهه", "بله لطفا",
          "نه نمی‌خوام", "درسته", "اشتباهه", "باشه", "حتما", "اصلا", "نه خیر", "بله بله", "نه مرسی",
          "اپراتور", "با اپراتور صحبت کنم", "وصلم کنید به کارشناس", "می‌خوام با یه آدم حرف بزنم",
          "تکرار کن", "دوباره بگو", "متوجه نشدم", "ممنون خداحافظ", "خداحافظ", "سلام", "الو",
          "الو صدامو دارید", "یه لحظه صبر کنید", "منو وصل کن به اپراتور", "کارشناس فنی", "پشتیبانی"]
TEMPLATES_NUM = ["{n} تومان", "{n} هزار تومان", "{n} گیگ", "{n} مگابیت", "{n} روز", "{n} ماهه",
                 "قبضم {n} هزار تومان اومده", "سرعتم {n} مگه", "{n} ساعته اینترنت ندارم",
                 "بسته {n} گیگابایتی می‌خوام", "{n} ماه پیش ثبت نام کردم", "گزینه {n}", "{n}"]
TEMPLATES_PHONE = ["شماره من {p} است", "{p}", "شماره تلفنم {p}", "با این شماره تماس بگیرید {p}",
                   "کد اشتراکم {p}", "شماره پیگیری {p}", "شماره ثابتم {p} هست"]
TEMPLATES_DATE = ["{d}", "از {d} قطعه", "تاریخ {d}", "روز {w} {d}", "قبضم {d} سررسید داره",
                  "ساعت {h}", "{w} ساعت {h}", "فردا ساعت {h} بیاید"]


def split_sentences(text: str):
    for para in re.split(r"[\n\r]+", text):
        for s in re.split(r"(?<=[.!?؟؛])\s+|[.!?؟؛]+$", para):
            s = s.strip(" .!?؟؛،:-•*#\t")
            if not s:
                continue
            words = s.split()
            # Long sentences are cut at commas, then by length, so utterances stay phone-sized.
            chunks = [c.strip() for c in re.split(r"[،,:]", s)] if len(words) > 18 else [s]
            for c in chunks:
                w = c.split()
                for i in range(0, len(w), 16):
                    piece = " ".join(w[i:i + 16])
                    if len(piece.split()) >= 2 or len(w) == 1:
                        yield piece


def phone_number(rng):
    if rng.random() < 0.6:
        d = "09" + "".join(rng.choice("0123456789") for _ in range(9))
    else:
        d = "0" + rng.choice(["21", "31", "51", "71", "41"]) + "".join(rng.choice("0123456789") for _ in range(8))
    if rng.random() < 0.7:
        return digits_to_words(d)
    # Grouped reading: 0912 345 67 89
    groups = [d[:4], d[4:7], d[7:9], d[9:]]
    out = [digits_to_words(groups[0][:1]) + " " + number_to_words(int(groups[0][1:]))]
    out += [number_to_words(int(g)) if not g.startswith("0") else digits_to_words(g) for g in groups[1:] if g]
    return " ".join(out)


def generated(rng, n):
    out = []
    for _ in range(n):
        k = rng.random()
        if k < 0.3:
            v = rng.choice([rng.randint(0, 20), rng.randint(0, 100), rng.randint(0, 1000), rng.randint(1000, 10**6), rng.randint(0, 10**9)])
            out.append(rng.choice(TEMPLATES_NUM).format(n=number_to_words(v)))
        elif k < 0.5:
            out.append(rng.choice(TEMPLATES_PHONE).format(p=phone_number(rng)))
        elif k < 0.65:
            digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 8)))
            out.append(digits_to_words(digits))
        elif k < 0.85:
            d = f"{ordinal_words(rng.randint(1, 31))} {rng.choice(MONTHS)}"
            if rng.random() < 0.5:
                d += " " + number_to_words(rng.randint(1395, 1410))
            h = number_to_words(rng.randint(1, 12)) + (rng.choice(["", " و نیم", " و ربع", " و " + number_to_words(rng.randint(1, 59)) + " دقیقه"]))
            out.append(rng.choice(TEMPLATES_DATE).format(d=d, w=rng.choice(WEEKDAYS), h=h))
        else:
            out.append(rng.choice(YES_NO))
    return out


def is_test(sentence: str, fraction=0.03) -> bool:
    h = int(hashlib.sha1(normalize_for_asr(sentence).encode()).hexdigest()[:8], 16)
    return h % 10000 < fraction * 10000


def load_pool(seed=1):
    """Returns list of (source, synth_text) with a domain weight applied by repetition."""
    rng = random.Random(seed)
    pool = []
    cat = json.load(open(f"{SHARED}/datasets/faq-isp/catalogue.json"))
    for f in cat["faqs"]:
        pool += [("faq-q", f["question"])] * 4
        pool += [("faq-a", s) for s in split_sentences(f["answer"])] * 2
    for line in open(f"{SHARED}/datasets/faq-isp/train.jsonl"):
        pool += [("faq-train", json.loads(line)["text"])] * 4
    for path in sorted(glob.glob(f"{SHARED}/seeds/*.txt")):
        pool += [("seeds", s) for s in split_sentences(open(path).read())]
    for line in open(f"{SHARED}/datasets/massive-fa/train.jsonl"):
        pool.append(("massive", json.loads(line)["utt"]))
    pool += [("generated", s) for s in generated(rng, 9000)]
    clean = []
    for src, s in pool:
        s = normalize_chars(s)
        t = normalize_for_asr(s)
        if not t or has_foreign(s) or len(t) > 160:
            continue
        clean.append((src, s))
    return clean


if __name__ == "__main__":
    pool = load_pool()
    test = [p for p in pool if is_test(p[1])]
    from collections import Counter
    print(len(pool), len(test), Counter(s for s, _ in pool))
    for p in pool[::2000]:
        print(p, "->", normalize_for_asr(p[1]))
