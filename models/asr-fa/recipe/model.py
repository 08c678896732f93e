"""A small QuartzNet-like CTC acoustic model: x4 convolutional subsampling, residual blocks of
depthwise-separable 1D convolutions. Convolutions only, so it runs fast on one CPU core."""
import torch
from torch import nn


class SepConv(nn.Module):
    def __init__(self, cin, cout, k, stride=1, act=True, dropout=0.0):
        super().__init__()
        self.dw = nn.Conv1d(cin, cin, k, stride=stride, padding=k // 2, groups=cin, bias=False)
        self.pw = nn.Conv1d(cin, cout, 1, bias=False)
        self.bn = nn.BatchNorm1d(cout)
        self.act = nn.ReLU() if act else nn.Identity()
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        return self.drop(self.act(self.bn(self.pw(self.dw(x)))))


class Block(nn.Module):
    def __init__(self, c, k, repeat, dropout):
        super().__init__()
        layers = [SepConv(c, c, k, dropout=dropout) for _ in range(repeat - 1)]
        layers.append(SepConv(c, c, k, act=False))
        self.body = nn.Sequential(*layers)
        self.out = nn.Sequential(nn.ReLU(), nn.Dropout(dropout))

    def forward(self, x):
        return self.out(self.body(x) + x)


class CtcModel(nn.Module):
    def __init__(self, n_mels=64, vocab=38, channels=256, kernels=(13, 13, 15, 17, 19, 21, 23, 25), repeat=2, dropout=0.1):
        super().__init__()
        self.config = dict(n_mels=n_mels, vocab=vocab, channels=channels, kernels=list(kernels), repeat=repeat, dropout=dropout)
        self.sub = nn.Sequential(SepConv(n_mels, channels, 11, stride=2), SepConv(channels, channels, 11, stride=2))
        self.blocks = nn.Sequential(*[Block(channels, k, repeat, dropout) for k in kernels])
        self.head = nn.Sequential(SepConv(channels, channels + 128, 29, dropout=dropout),
                                  nn.Conv1d(channels + 128, vocab, 1))

    def forward(self, feats):
        """feats [B, n_mels, T] -> log-probs [B, T', vocab], T' = ceil(ceil(T/2)/2)."""
        y = self.head(self.blocks(self.sub(feats)))
        return torch.log_softmax(y.transpose(1, 2), dim=-1)


def out_frames(t: int) -> int:
    t = (t + 1) // 2
    return (t + 1) // 2
