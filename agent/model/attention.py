"""The attention family: scaled dot-product, additive, multi-head cross-attention, hard attention.

Every kind takes queries `[B, Q, Dq]`, keys `[B, N, Dk]` (and values), an optional
`key_padding_mask` `[B, N]` (True = padding, PyTorch's convention) and returns
`AttentionResult(out, weights)`, the weights for visualisation. Rows of the weights sum to one
over the keys that are not padding; a query whose keys are *all* padding gets zero weights and a
zero output instead of the NaN a bare softmax would give (an empty command or an empty map must not
poison a rollout).

Hard attention (`HardAttention`) picks *one* key per query, key i with probability s_i (the soft
weights). It is trained with the straight-through estimator: the forward pass uses the one-hot
choice, the backward pass the gradient of the soft weights (Bengio et al. 2013). REINFORCE is the
other classical option; Roomby uses it where the choice is an *action* (the pointer over map
cells is sampled by the policy and trained by PPO's policy gradient), and straight-through inside
the network, where a low-variance gradient matters more than an unbiased one.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor, nn


class AttentionResult(NamedTuple):
    out: Tensor
    """Attended values, [B, Q, Dv]."""
    weights: Tensor
    """Attention weights, [B, Q, N] (or [B, H, Q, N] for multi-head)."""


def masked_softmax(scores: Tensor, key_padding_mask: Tensor | None) -> Tensor:
    """Softmax over the last axis ignoring padded keys; all-padded rows give zeros, not NaN.

    `key_padding_mask` is [B, N] (True = padding) and broadcasts over the middle axes of `scores`.
    """
    if key_padding_mask is None:
        return torch.softmax(scores, dim=-1)
    mask = key_padding_mask.to(torch.bool)
    mask = mask.view(mask.shape[0], *([1] * (scores.dim() - 2)), mask.shape[-1])
    scores = scores.masked_fill(mask, float("-inf"))
    # A row with every key masked would be softmax(-inf...) = NaN: give it zeros instead.
    all_masked = mask.all(dim=-1, keepdim=True)
    weights = torch.softmax(scores.masked_fill(all_masked, 0.0), dim=-1)
    return weights.masked_fill(mask | all_masked, 0.0)


def scaled_dot_product(q: Tensor, k: Tensor, v: Tensor,
                       key_padding_mask: Tensor | None = None) -> AttentionResult:
    """softmax(q kᵀ / sqrt(d)) v. q [.., Q, D], k [.., N, D], v [.., N, Dv]."""
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    w = masked_softmax(scores, key_padding_mask)
    return AttentionResult(w @ v, w)


class ScaledDotProductAttention(nn.Module):
    """Single-head scaled dot-product attention with learned projections of q, k and v."""

    def __init__(self, query_dim: int, key_dim: int, dim: int, value_dim: int | None = None):
        super().__init__()
        self.q_proj = nn.Linear(query_dim, dim, bias=False)
        self.k_proj = nn.Linear(key_dim, dim, bias=False)
        self.v_proj = nn.Linear(key_dim, value_dim or dim, bias=False)

    def scores(self, query: Tensor, keys: Tensor) -> Tensor:
        """Unnormalised scores [B, Q, N] (usable as logits, e.g. a pointer)."""
        d = self.q_proj.out_features
        return self.q_proj(query) @ self.k_proj(keys).transpose(-1, -2) / math.sqrt(d)

    def values(self, keys: Tensor) -> Tensor:
        return self.v_proj(keys)

    def forward(self, query: Tensor, keys: Tensor,
                key_padding_mask: Tensor | None = None) -> AttentionResult:
        w = masked_softmax(self.scores(query, keys), key_padding_mask)
        return AttentionResult(w @ self.values(keys), w)


class AdditiveAttention(nn.Module):
    """Bahdanau-style attention: m_i = tanh(W1 c + W2 y_i), score_i = v · m_i.

    The tanh makes the score a nonlinear function of query and key together, which lets one
    query ask for a conjunction ("red" *and* "couch") that a dot product can only add up.
    Values are the keys themselves (`value_proj` optional).
    """

    def __init__(self, query_dim: int, key_dim: int, hidden: int):
        super().__init__()
        self.w1 = nn.Linear(query_dim, hidden, bias=False)
        self.w2 = nn.Linear(key_dim, hidden)
        self.v = nn.Linear(hidden, 1, bias=False)

    def scores(self, query: Tensor, keys: Tensor) -> Tensor:
        """[B, Q, N] scores for query [B, Q, Dq] and keys [B, N, Dk]."""
        m = torch.tanh(self.w1(query).unsqueeze(-2) + self.w2(keys).unsqueeze(-3))
        return self.v(m).squeeze(-1)

    def values(self, keys: Tensor) -> Tensor:
        return keys

    def forward(self, query: Tensor, keys: Tensor,
                key_padding_mask: Tensor | None = None) -> AttentionResult:
        w = masked_softmax(self.scores(query, keys), key_padding_mask)
        return AttentionResult(w @ keys, w)


class MultiHeadCrossAttention(nn.Module):
    """Multi-head attention of queries over another sequence, returning every head's weights.

    Written out rather than `nn.MultiheadAttention` so the per-head weights come back without
    averaging and the graph exports to ONNX as plain matmuls.
    """

    def __init__(self, dim: int, n_heads: int, key_dim: int | None = None):
        super().__init__()
        assert dim % n_heads == 0, f"dim {dim} must be divisible by n_heads {n_heads}"
        self.n_heads = n_heads
        self.head_dim = dim // n_heads
        key_dim = key_dim or dim
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(key_dim, dim)
        self.v = nn.Linear(key_dim, dim)
        self.o = nn.Linear(dim, dim)

    def _split(self, x: Tensor) -> Tensor:
        b, n, _ = x.shape
        return x.view(b, n, self.n_heads, self.head_dim).transpose(1, 2)

    def forward(self, query: Tensor, keys: Tensor,
                key_padding_mask: Tensor | None = None) -> AttentionResult:
        b, nq, _ = query.shape
        q, k, v = self._split(self.q(query)), self._split(self.k(keys)), self._split(self.v(keys))
        out, w = scaled_dot_product(q, k, v, key_padding_mask)  # [B, H, Q, hd], [B, H, Q, N]
        out = out.transpose(1, 2).reshape(b, nq, self.n_heads * self.head_dim)
        return AttentionResult(self.o(out), w)


class HardAttention(nn.Module):
    """Attend to exactly one key per query, key i with probability s_i (the soft weights).

    Training (module.train()): sample, straight-through gradient. Evaluation: the most likely
    key, unless `sample=True` is passed. `scorer` is any module with `scores(query, keys)` and
    `values(keys)` (ScaledDotProductAttention or AdditiveAttention).
    Returns the one-hot weights; `last_probs` holds the soft weights of the last call.
    """

    def __init__(self, scorer: nn.Module):
        super().__init__()
        self.scorer = scorer
        self.last_probs: Tensor | None = None

    def forward(self, query: Tensor, keys: Tensor, key_padding_mask: Tensor | None = None,
                values: Tensor | None = None, sample: bool | None = None,
                generator: torch.Generator | None = None) -> AttentionResult:
        probs = masked_softmax(self.scorer.scores(query, keys), key_padding_mask)
        self.last_probs = probs
        sample = self.training if sample is None else sample
        flat = probs.reshape(-1, probs.shape[-1])
        if sample:
            # Rows with every key masked have zero probabilities; give them a dummy pick (0).
            safe = torch.where(flat.sum(-1, keepdim=True) > 0, flat, torch.ones_like(flat))
            idx = torch.multinomial(safe.detach(), 1, generator=generator).squeeze(-1)
        else:
            idx = flat.argmax(-1)
        one_hot = nn.functional.one_hot(idx, flat.shape[-1]).to(probs.dtype).view_as(probs)
        if key_padding_mask is not None:  # an all-padded row attends to nothing
            one_hot = one_hot * (probs.sum(-1, keepdim=True) > 0)
        weights = one_hot + (probs - probs.detach())  # straight-through: exact one-hot forward
        values = self.scorer.values(keys) if values is None else values
        return AttentionResult(weights @ values, weights)


def make_attention(kind: str, query_dim: int, key_dim: int, dim: int) -> nn.Module:
    """'dot' | 'additive' | 'hard' -> a single-query-set attention module (see module doc)."""
    if kind == "dot":
        return ScaledDotProductAttention(query_dim, key_dim, dim)
    if kind == "additive":
        return AdditiveAttention(query_dim, key_dim, dim)
    if kind == "hard":
        return HardAttention(ScaledDotProductAttention(query_dim, key_dim, dim))
    raise ValueError(f"unknown attention kind {kind!r}: use dot, additive or hard")
