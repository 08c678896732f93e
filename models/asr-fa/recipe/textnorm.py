"""Persian text normalisation for the ASR recipe: one place that decides what the model's
character vocabulary is and how any transcript (synthetic or real) is mapped onto it.
The TypeScript engine mirrors `normalize_for_asr` in src/engines/asr/text.ts; keep them in step."""
import re
import unicodedata

# The model's output alphabet (index 0 is the CTC blank, added by the vocabulary builder).
LETTERS = list("آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیء")
VOCAB = ["<blank>", " "] + LETTERS

_CHAR_MAP = {
    "ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "أ": "ا", "إ": "ا", "ٱ": "ا",
    "ؤ": "و", "ئ": "ی", "ھ": "ه", "\u200c": " ", "\u200d": "", "ـ": "",
}
_DIGITS = {ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")}
_DIGITS.update({ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")})
_DIACRITICS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed]")

# Latin terms that occur in the call-centre material, spelled the way a caller says them.
LATIN_WORDS = {
    "adsl": "ای دی اس ال", "vdsl": "وی دی اس ال", "internet": "اینترنت", "wireless": "وایرلس",
    "wifi": "وای فای", "wi-fi": "وای فای", "ip": "آی پی", "sms": "اس ام اس", "ok": "اوکی",
    "lan": "لن", "dns": "دی ان اس", "tv": "تی وی", "usb": "یو اس بی",
}

ONES = ["صفر", "یک", "دو", "سه", "چهار", "پنج", "شش", "هفت", "هشت", "نه"]
TEENS = ["ده", "یازده", "دوازده", "سیزده", "چهارده", "پانزده", "شانزده", "هفده", "هجده", "نوزده"]
TENS = ["", "", "بیست", "سی", "چهل", "پنجاه", "شصت", "هفتاد", "هشتاد", "نود"]
HUNDREDS = ["", "صد", "دویست", "سیصد", "چهارصد", "پانصد", "ششصد", "هفتصد", "هشتصد", "نهصد"]
SCALES = [(10**9, "میلیارد"), (10**6, "میلیون"), (1000, "هزار")]


def _below_thousand(n: int) -> list:
    parts = []
    if n >= 100:
        parts.append(HUNDREDS[n // 100])
        n %= 100
    if n >= 20:
        parts.append(TENS[n // 10])
        n %= 10
        if n:
            parts.append(ONES[n])
    elif n >= 10:
        parts.append(TEENS[n - 10])
    elif n > 0:
        parts.append(ONES[n])
    return parts


def number_to_words(n: int) -> str:
    if n == 0:
        return ONES[0]
    parts = []
    for value, name in SCALES:
        if n >= value:
            head = n // value
            parts.append(" و ".join(_below_thousand(head)) + " " + name if head > 1 or value > 1000 else name)
            n %= value
    if n:
        parts.append(" و ".join(_below_thousand(n)))
    return " و ".join(parts)


def ordinal_words(n: int) -> str:
    w = number_to_words(n)
    if w.endswith("سه"):
        return w[:-2] + "سوم"
    if w.endswith("سی"):
        return w + " ام"
    return w + "م"


def digits_to_words(s: str) -> str:
    return " ".join(ONES[int(c)] for c in s)


def _expand_number(m: re.Match) -> str:
    s = m.group(0).replace(",", "").replace("٬", "")
    # Long digit strings (phone numbers, codes) are read digit by digit; a leading zero too.
    if len(s) > 9 or (len(s) > 1 and s.startswith("0")):
        return " " + digits_to_words(s) + " "
    return " " + number_to_words(int(s)) + " "


def normalize_chars(text: str) -> str:
    """Letters, digits and ZWNJ kept: this is the text handed to the synthesiser."""
    text = unicodedata.normalize("NFC", text)
    text = text.translate(_DIGITS)
    text = _DIACRITICS.sub("", text)
    text = "".join(_CHAR_MAP.get(c, c) if c not in ("\u200c",) else c for c in text)
    text = re.sub(r"[A-Za-z][A-Za-z-]*", lambda m: " " + LATIN_WORDS.get(m.group(0).lower(), m.group(0)) + " ", text)
    text = re.sub(r"\d[\d,٬]*", _expand_number, text)
    return re.sub(r"[ \t]+", " ", text).strip()


def normalize_for_asr(text: str) -> str:
    """The training target: vocabulary letters and single spaces only."""
    text = normalize_chars(text)
    text = "".join(_CHAR_MAP.get(c, c) for c in text)
    text = "".join(c if c in LETTERS else " " for c in text)
    return re.sub(r" +", " ", text).strip()


def has_foreign(text: str) -> bool:
    return re.search(r"[A-Za-z]", normalize_chars(text)) is not None
