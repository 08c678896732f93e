#!/usr/bin/env python3
"""Makes a tiny random-weight voice with exactly the I/O of a Piper/VITS export, for tests.

    /usr/bin/python3 tools/make-test-piper-voice.py fixtures/tts/tiny-piper-fa

writes tiny-piper-fa.onnx and tiny-piper-fa.onnx.json. The model is noise with the right shape,
not speech: it exists so the `onnx` TTS backend is exercised end to end (phonemes → ids → ONNX
Runtime → PCM) with a real model file. Like a real VITS it predicts a duration for every phoneme id
(scaled by length_scale), expands ids to frames, turns frames into audio samples and adds noise
scaled by noise_scale, so output length follows the input and the scales as a real voice's does.

Inputs / outputs, as Piper exports them:
    input          int64   [1, phonemes]
    input_lengths  int64   [1]
    scales         float32 [3]  (noise_scale, length_scale, noise_w)
    output         float32 [1, 1, samples]
"""
import json
import sys
import unicodedata
from pathlib import Path

import torch
from torch import nn

SAMPLE_RATE = 16000
HOP = 256  # samples per frame, as in Piper's 16 kHz "x_low" voices

# Piper's symbol inventory: pad, bos, eos, space, punctuation, then IPA letters and marks.
PAD, BOS, EOS = "_", "^", "$"
SYMBOLS = [PAD, BOS, EOS, " ", "!", "'", "(", ")", ",", "-", ".", ":", ";", "?"]
SYMBOLS += list("abcdefghijklmnopqrstuvwxyz")
SYMBOLS += list("æçðøħŋœǀǁǂǃɐɑɒɓɔɕɖɗɘəɚɛɜɞɟɠɡɢɣɤɥɦɧɨɪɫɬɭɮɯɰɱɲɳɴɵɶɸɹɺɻɽɾʀʁʂʃʄʈʉʊʋʌʍʎʏʐʑʒʔʕʘʙʛʜʝʟʡʢʲˈˌːˑ˞βθχᵻⱱ")
SYMBOLS += ["\u0303", "\u0327", "\u032a", "\u0329", "ʰ", "ˤ", "ε", "↓", "↑", "|", "ᵊ"]
SYMBOLS = [unicodedata.normalize("NFD", s) for s in SYMBOLS]


class TinyVits(nn.Module):
    def __init__(self, n_symbols: int, hidden: int = 16):
        super().__init__()
        self.embed = nn.Embedding(n_symbols, hidden)
        self.duration = nn.Linear(hidden, 1)
        self.decoder = nn.Linear(hidden, HOP)

    def forward(self, input, input_lengths, scales):
        noise_scale = scales[0]
        length_scale = scales[1]
        x = self.embed(input[0, : input_lengths[0]])  # [T, H]
        # 2..8 frames a phoneme (≈ 30–130 ms at 16 kHz), stretched by length_scale.
        frames_per_id = torch.ceil((2.0 + 6.0 * torch.sigmoid(self.duration(x)[:, 0])) * length_scale).long()
        ends = torch.cumsum(frames_per_id, 0)
        total = ends[-1]
        frame = torch.arange(total, device=input.device)
        owner = (frame.unsqueeze(1) >= ends.unsqueeze(0)).long().sum(1)  # which id each frame belongs to
        audio = torch.tanh(self.decoder(x[owner])) * 0.3  # [frames, HOP]
        audio = audio + torch.randn_like(audio) * 0.05 * noise_scale
        return audio.reshape(1, 1, -1)


def main(out_prefix: str) -> None:
    torch.manual_seed(1403)
    model = TinyVits(len(SYMBOLS)).eval()
    ids = torch.tensor([[1, 0, 20, 0, 30, 0, 2]], dtype=torch.long)
    lengths = torch.tensor([ids.shape[1]], dtype=torch.long)
    scales = torch.tensor([0.667, 1.0, 0.8], dtype=torch.float32)
    out = Path(out_prefix)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        model,
        (ids, lengths, scales),
        str(out.with_suffix(".onnx")),
        input_names=["input", "input_lengths", "scales"],
        output_names=["output"],
        dynamic_axes={"input": {0: "batch", 1: "phonemes"}, "input_lengths": {0: "batch"}, "output": {0: "batch", 2: "time"}},
        opset_version=15,
    )
    config = {
        "audio": {"sample_rate": SAMPLE_RATE, "quality": "x_low"},
        "espeak": {"voice": "fa"},
        "language": {"code": "fa"},
        "inference": {"noise_scale": 0.667, "length_scale": 1.0, "noise_w": 0.8},
        "phoneme_type": "espeak",
        "phoneme_map": {},
        "phoneme_id_map": {s: [i] for i, s in enumerate(SYMBOLS)},
        "num_symbols": len(SYMBOLS),
        "num_speakers": 1,
        "speaker_id_map": {},
        "piper_version": "1.0.0",
        "dataset": "random weights (tools/make-test-piper-voice.py); not a real voice",
    }
    Path(str(out.with_suffix(".onnx")) + ".json").write_text(json.dumps(config, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out.with_suffix('.onnx')} (+ .json), {len(SYMBOLS)} symbols")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "fixtures/tts/tiny-piper-fa")
