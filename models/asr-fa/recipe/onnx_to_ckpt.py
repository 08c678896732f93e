"""Rebuilds a trainable PyTorch checkpoint from an exported model.onnx, so that training can go on
where the committed model left off when the original checkpoint is gone (work/ is not in git).

The export folded each BatchNorm into the pointwise convolution before it; the rebuilt model
carries the folded weights in the convolution and an identity BatchNorm (mean 0, variance 1-eps,
scale 1, the folded bias as its shift), so it computes exactly what the ONNX model computes. Train
it with `train.py --freeze-bn`: batch statistics would otherwise replace the identity at once.

    /usr/bin/python3 recipe/onnx_to_ckpt.py --onnx model.onnx --manifest manifest.json --out work/from_onnx.pt
"""
import argparse
import json

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from model import CtcModel, SepConv
from textnorm import VOCAB


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--onnx", required=True)
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--probe", default=None, help="write <probe>.in.npy / .out.npy for a parity check")
    args = ap.parse_args()
    arch = json.load(open(args.manifest))["architecture"]
    model = CtcModel(n_mels=arch["n_mels"], vocab=len(VOCAB), channels=arch["channels"], kernels=tuple(arch["kernels"]),
                     repeat=arch["repeat"], dropout=arch.get("dropout", 0.0))
    graph = onnx.load(args.onnx).graph
    inits = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in graph.initializer}
    state = model.state_dict()
    # Named initializers keep their PyTorch names (depthwise weights, the final projection).
    for name, tensor in inits.items():
        if name in state:
            state[name] = tensor
    # The folded pointwise weight/bias pairs appear in module order.
    folded = [inits[n] for n in sorted((n for n in inits if n.startswith("onnx::Conv_")), key=lambda n: int(n.split("_")[-1]))]
    seps = [(name, m) for name, m in model.named_modules() if isinstance(m, SepConv)]
    if len(folded) != 2 * len(seps):
        raise SystemExit(f"expected {2 * len(seps)} folded tensors, found {len(folded)}")
    for i, (name, m) in enumerate(seps):
        w, b = folded[2 * i], folded[2 * i + 1]
        if tuple(w.shape) != tuple(m.pw.weight.shape):
            raise SystemExit(f"{name}: folded weight {tuple(w.shape)} does not fit {tuple(m.pw.weight.shape)}")
        state[f"{name}.pw.weight"] = w
        state[f"{name}.bn.weight"] = torch.ones_like(b)
        state[f"{name}.bn.bias"] = b
        state[f"{name}.bn.running_mean"] = torch.zeros_like(b)
        state[f"{name}.bn.running_var"] = torch.full_like(b, 1.0 - m.bn.eps)
    model.load_state_dict(state)
    model.eval()
    # Parity probe: random features and the rebuilt model's output, for a check against the ONNX
    # model with onnxruntime (Debian's python has none; `--probe` writes them for any runtime).
    if args.probe:
        x = torch.randn(1, arch["n_mels"], 300, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            y = model(x)
        np.save(args.probe + ".in.npy", x.numpy())
        np.save(args.probe + ".out.npy", y.numpy())
    torch.save({"model": model.state_dict(), "config": model.config, "vocab": VOCAB, "step": 0}, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
