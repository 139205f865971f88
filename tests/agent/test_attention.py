"""The attention family: weights sum to one, masks hide keys, hard attention picks one input."""

from __future__ import annotations

import pytest
import torch

from agent.model.attention import (
    AdditiveAttention,
    HardAttention,
    MultiHeadCrossAttention,
    ScaledDotProductAttention,
    make_attention,
    masked_softmax,
    scaled_dot_product,
)

B, Q, N, D = 3, 4, 7, 16


def _inputs(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(B, Q, D, generator=g)
    k = torch.randn(B, N, D, generator=g)
    mask = torch.zeros(B, N, dtype=torch.bool)
    mask[0, 5:] = True  # batch 0 has 5 real keys
    mask[1, 1:] = True  # batch 1 has one
    return q, k, mask


MODULES = {
    "dot": lambda: ScaledDotProductAttention(D, D, 8),
    "additive": lambda: AdditiveAttention(D, D, 8),
    "multihead": lambda: MultiHeadCrossAttention(D, 4),
    "hard": lambda: HardAttention(ScaledDotProductAttention(D, D, 8)),
}


@pytest.mark.parametrize("name", MODULES)
def test_weights_are_a_distribution_over_unpadded_keys(name: str) -> None:
    torch.manual_seed(0)
    att = MODULES[name]()
    q, k, mask = _inputs()
    out, w = att(q, k, key_padding_mask=mask)
    assert out.shape[:2] == (B, Q)
    assert w.shape[-2:] == (Q, N)
    assert torch.allclose(w.sum(-1), torch.ones_like(w.sum(-1)), atol=1e-5)
    assert (w >= -1e-6).all()
    hidden = mask.view(B, *([1] * (w.dim() - 2)), N).expand_as(w)
    assert (w[hidden].abs() < 1e-6).all(), "padded keys must get zero weight"
    # batch 1 has a single real key: every query attends to it entirely
    assert torch.allclose(w[1][..., 0], torch.ones_like(w[1][..., 0]), atol=1e-5)


@pytest.mark.parametrize("name", MODULES)
def test_padding_values_do_not_change_the_output(name: str) -> None:
    torch.manual_seed(0)
    att = MODULES[name]().eval()
    q, k, mask = _inputs()
    out1, _ = att(q, k, key_padding_mask=mask)
    k2 = k.clone()
    k2[mask] = 100.0 * torch.randn(int(mask.sum()), D)
    out2, _ = att(q, k2, key_padding_mask=mask)
    assert torch.allclose(out1, out2, atol=1e-5)


@pytest.mark.parametrize("name", MODULES)
def test_all_padded_keys_give_zeros_not_nan(name: str) -> None:
    att = MODULES[name]()
    q, k, _ = _inputs()
    mask = torch.ones(B, N, dtype=torch.bool)
    out, w = att(q, k, key_padding_mask=mask)
    assert torch.isfinite(out).all() and torch.isfinite(w).all()
    assert (w == 0).all()


@pytest.mark.parametrize("name", MODULES)
def test_gradients_reach_queries_and_keys(name: str) -> None:
    torch.manual_seed(1)
    att = MODULES[name]().train()
    q, k, mask = _inputs()
    q.requires_grad_(True)
    k.requires_grad_(True)
    out, _ = att(q, k, key_padding_mask=mask)
    (out ** 2).sum().backward()
    assert q.grad is not None and q.grad.abs().sum() > 0
    assert k.grad is not None and k.grad.abs().sum() > 0
    for p in att.parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all()


def test_scaled_dot_product_matches_torch() -> None:
    q, k, mask = _inputs()
    v = torch.randn(B, N, 5)
    out, w = scaled_dot_product(q, k, v, mask)
    ref = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=~mask[:, None, :])
    assert torch.allclose(out, ref, atol=1e-5)


def test_multihead_returns_per_head_weights_and_matches_torch() -> None:
    torch.manual_seed(0)
    att = MultiHeadCrossAttention(D, 4)
    ref = torch.nn.MultiheadAttention(D, 4, batch_first=True)
    with torch.no_grad():
        ref.in_proj_weight.copy_(torch.cat([att.q.weight, att.k.weight, att.v.weight]))
        ref.in_proj_bias.copy_(torch.cat([att.q.bias, att.k.bias, att.v.bias]))
        ref.out_proj.weight.copy_(att.o.weight)
        ref.out_proj.bias.copy_(att.o.bias)
    q, k, mask = _inputs()
    out, w = att(q, k, key_padding_mask=mask)
    out_ref, w_ref = ref(q, k, k, key_padding_mask=mask, average_attn_weights=False)
    assert w.shape == (B, 4, Q, N)
    assert torch.allclose(out, out_ref, atol=1e-5)
    assert torch.allclose(w, w_ref, atol=1e-5)


def test_additive_scores_follow_the_formula() -> None:
    torch.manual_seed(0)
    att = AdditiveAttention(D, D, 8)
    q, k, _ = _inputs()
    s = att.scores(q, k)
    i, j, b = 2, 5, 1
    m = torch.tanh(att.w1(q[b, i]) + att.w2(k[b, j]))
    assert torch.allclose(s[b, i, j], att.v(m).squeeze(), atol=1e-5)


def test_hard_attention_picks_exactly_one_input() -> None:
    torch.manual_seed(0)
    att = HardAttention(AdditiveAttention(D, D, 8))
    q, k, mask = _inputs()
    for training in (True, False):
        att.train(training)
        out, w = att(q, k, key_padding_mask=mask, generator=torch.Generator().manual_seed(3))
        assert ((w.detach() == 0) | (w.detach() == 1)).all()
        assert (w.detach().sum(-1) == 1).all()
        picked = w.detach().argmax(-1)
        assert not mask.gather(1, picked.view(B, -1)).any(), "never picks a padded key"
        assert torch.allclose(out, torch.gather(k, 1, picked[..., None].expand(B, Q, D)))
    # evaluation: the most likely key
    att.eval()
    _, w = att(q, k, key_padding_mask=mask)
    assert torch.equal(w.argmax(-1), att.last_probs.argmax(-1))


def test_hard_attention_samples_in_proportion_to_the_soft_weights() -> None:
    scores = torch.tensor([[[0.0, 1.0, 2.0]]])

    class Fixed(torch.nn.Module):
        def scores(self, q, k):
            return scores.expand(q.shape[0], -1, -1)

        def values(self, k):
            return k

    att = HardAttention(Fixed()).train()
    q, k = torch.zeros(4000, 1, 2), torch.randn(4000, 3, 2)
    _, w = att(q, k, generator=torch.Generator().manual_seed(0))
    freq = w.detach().sum((0, 1)) / 4000
    assert torch.allclose(freq, torch.softmax(scores[0, 0], 0), atol=0.03)


def test_masked_softmax_broadcasts_over_heads() -> None:
    s = torch.randn(2, 3, 4, 5)
    mask = torch.tensor([[False, False, True, True, True], [False] * 5])
    w = masked_softmax(s, mask)
    assert torch.allclose(w.sum(-1), torch.ones(2, 3, 4))
    assert (w[0, ..., 2:] == 0).all()


def test_make_attention_names_the_kinds() -> None:
    assert isinstance(make_attention("additive", 4, 4, 4), AdditiveAttention)
    with pytest.raises(ValueError, match="dot, additive or hard"):
        make_attention("cosine", 4, 4, 4)
