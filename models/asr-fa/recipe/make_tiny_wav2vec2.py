"""Makes a tiny model with the interface of a wav2vec2-CTC ONNX export (raw 16 kHz float
waveform [batch, samples] in, logits [batch, frames, vocab] out, frames every 320 samples from
the wav2vec2 convolutional feature encoder's kernel/stride stack, HF-style vocab.json with <pad>
as blank and '|' as word delimiter). Its weights are random except for an energy detector added to
the logits, so a test can predict the output: a loud frame emits «س», a quiet one <pad>; a frame
whose energy is in between emits the word delimiter. That makes the waveform path testable end
to end without a real wav2vec2 model, which cannot be downloaded here.

  /usr/bin/python3 make_tiny_wav2vec2.py --out ../../../fixtures/asr/tiny-wav2vec2
"""
import argparse
import json
import os

import torch
from torch import nn

VOCAB = ["<pad>", "<s>", "</s>", "<unk>", "|"] + list("آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی")


class TinyWav2Vec2Ctc(nn.Module):
    def __init__(self):
        super().__init__()
        spec = [(10, 5)] + [(3, 2)] * 4 + [(2, 2)] * 2  # wav2vec2 feature encoder: stride 320, field 400
        layers, cin = [], 1
        for k, s in spec:
            layers += [nn.Conv1d(cin, 16, k, stride=s, bias=False), nn.GELU()]
            cin = 16
        self.encoder = nn.Sequential(*layers)
        self.head = nn.Linear(16, len(VOCAB))
        self.energy = nn.AvgPool1d(400, stride=320)

    def forward(self, x):
        h = self.encoder(x.unsqueeze(1)).transpose(1, 2)
        logits = 0.01 * self.head(h)
        e = self.energy((x * x).unsqueeze(1)).transpose(1, 2)  # [B, T, 1], mean square of the frame
        # Log-energy detector: quiet -> <pad>, middle -> '|', loud -> 'س'.
        le = torch.log10(e + 1e-6)
        bias = torch.zeros(len(VOCAB))
        sel_pad = torch.zeros(len(VOCAB)); sel_pad[0] = 1
        sel_bar = torch.zeros(len(VOCAB)); sel_bar[4] = 1
        sel_s = torch.zeros(len(VOCAB)); sel_s[VOCAB.index("س")] = 1
        score_pad = -8 * (le + 1.0)          # high when log10 energy < -1
        score_s = 8 * (le + 0.15)             # high when log10 energy > -0.15
        score_bar = 4 - 8 * torch.abs(le + 0.6)
        return logits + score_pad * sel_pad + score_s * sel_s + score_bar * sel_bar + bias


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.manual_seed(0)
    os.makedirs(args.out, exist_ok=True)
    m = TinyWav2Vec2Ctc().eval()
    torch.onnx.export(m, torch.randn(1, 16000), os.path.join(args.out, "model.onnx"), input_names=["input_values"],
                      output_names=["logits"], dynamic_axes={"input_values": {0: "batch", 1: "samples"}, "logits": {0: "batch", 1: "frames"}},
                      opset_version=13)
    with open(os.path.join(args.out, "vocab.json"), "w") as f:
        json.dump({t: i for i, t in enumerate(VOCAB)}, f, ensure_ascii=False, indent=1)
    manifest = {
        "name": "tiny-wav2vec2-shape-test", "kind": "ctc", "input": "waveform", "sampleRate": 16000,
        "normalize": False, "model": "model.onnx", "output": "logits", "vocabFile": "vocab.json", "blank": "<pad>",
        "wordDelimiter": "|", "dropTokens": ["<s>", "</s>", "<unk>"],
        "licence": "MIT (Pasokh test fixture; random weights)",
        "training": {"command": "/usr/bin/python3 models/asr-fa/recipe/make_tiny_wav2vec2.py --out fixtures/asr/tiny-wav2vec2",
                     "data": "none: random weights plus a hand-set energy detector"},
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=2)


if __name__ == "__main__":
    main()
