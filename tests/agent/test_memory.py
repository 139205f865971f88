"""Memory kinds: one interface, episode resets, step-by-step equals whole sequence."""

from __future__ import annotations

import pytest
import torch

from agent.model.memory import MEMORY_KINDS, FastWeightMemory, _reset, make_memory

T, B, I, H = 6, 3, 5, 8


def _flat(state) -> list[torch.Tensor]:
    return list(state) if isinstance(state, tuple) else [state]


def _make(kind: str):
    torch.manual_seed(0)
    return make_memory(kind, I, H, lam=0.9, eta=0.5, inner_steps=2)


@pytest.mark.parametrize("kind", MEMORY_KINDS)
def test_shapes_and_state_batch_first(kind: str) -> None:
    mem = _make(kind)
    state = mem.initial_state(B)
    for s in _flat(state):
        assert s.shape[0] == B
    out, new = mem(torch.randn(T, B, I), state)
    assert out.shape == (T, B, H)
    assert [s.shape for s in _flat(new)] == [s.shape for s in _flat(state)]


@pytest.mark.parametrize("kind", MEMORY_KINDS)
def test_step_by_step_equals_one_sequence(kind: str) -> None:
    mem = _make(kind)
    x = torch.randn(T, B, I)
    start = torch.zeros(T, B)
    start[3, 1] = 1.0  # entry 1 starts a new episode at step 3
    out_seq, st_seq = mem(x, mem.initial_state(B), start)
    state, outs = mem.initial_state(B), []
    for t in range(T):
        o, state = mem(x[t:t + 1], state, start[t:t + 1])
        outs.append(o[0])
    assert torch.allclose(out_seq, torch.stack(outs), atol=1e-5)
    for a, b in zip(_flat(st_seq), _flat(state), strict=True):
        assert torch.allclose(a, b, atol=1e-5)


@pytest.mark.parametrize("kind", MEMORY_KINDS)
def test_episode_start_resets_that_entry_only(kind: str) -> None:
    mem = _make(kind)
    x = torch.randn(T, B, I)
    start = torch.zeros(T, B, dtype=torch.bool)
    start[3, 1] = True
    out, _ = mem(x, mem.initial_state(B), start)
    # entry 1 from step 3 on is what a fresh episode on x[3:] gives
    fresh, _ = mem(x[3:, 1:2], mem.initial_state(1))
    assert torch.allclose(out[3:, 1:2], fresh, atol=1e-5)
    # entries 0 and 2 are what running without resets gives
    plain, _ = mem(x, mem.initial_state(B))
    assert torch.allclose(out[:, [0, 2]], plain[:, [0, 2]], atol=1e-5)
    if kind != "none":  # a memory that remembers differs after the reset point
        assert not torch.allclose(out[3:, 1], plain[3:, 1], atol=1e-4)


@pytest.mark.parametrize("kind", MEMORY_KINDS)
def test_gradients_flow_through_time(kind: str) -> None:
    mem = _make(kind)
    x = torch.randn(T, B, I, requires_grad=True)
    out, _ = mem(x, mem.initial_state(B))
    out[-1].sum().backward()
    if kind == "none":
        assert x.grad[:-1].abs().sum() == 0 and x.grad[-1].abs().sum() > 0
    else:
        assert x.grad[0].abs().sum() > 0, "the last output must depend on the first input"
    for p in mem.parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all()


def test_fast_weights_follow_the_update_rule() -> None:
    torch.manual_seed(0)
    mem = FastWeightMemory(I, H, lam=0.8, eta=0.3, inner_steps=1, layer_norm=True)
    h0 = torch.randn(B, H)
    a0 = torch.randn(B, H, H)
    x = torch.randn(B, I)
    out, (h1, a1) = mem.step(x, (h0, a0))
    a_ref = 0.8 * a0 + 0.3 * torch.einsum("bi,bj->bij", h0, h0)
    pre = h0 @ mem.W.weight.T + mem.C(x)
    hs = torch.relu(pre)
    hs = torch.relu(mem.ln(pre + torch.einsum("bij,bj->bi", a_ref, hs)))
    assert torch.allclose(a1, a_ref, atol=1e-5)
    assert torch.allclose(out, hs, atol=1e-5) and torch.equal(out, h1)


def test_fast_weights_remember_a_pattern_a_plain_rnn_step_does_not() -> None:
    """With eta > 0, the state after the same input differs by what came before (A holds it)."""
    torch.manual_seed(0)
    mem = FastWeightMemory(I, H, lam=1.0, eta=1.0)
    assert torch.equal(mem.W.weight, 0.8 * torch.eye(H))
    x = torch.randn(4, 1, I)
    _, (h, a) = mem(x, mem.initial_state(1))
    assert a.abs().sum() > 0


def test_reset_zeroes_marked_entries() -> None:
    s = (torch.ones(3, 2), torch.ones(3, 2, 2))
    r = _reset(s, torch.tensor([0.0, 1.0, 0.0]))
    assert (r[0][1] == 0).all() and (r[1][1] == 0).all() and (r[0][0] == 1).all()


def test_bad_shapes_and_kinds_say_how_to_fix() -> None:
    mem = _make("gru")
    with pytest.raises(AssertionError, match="unsqueeze"):
        mem(torch.randn(B, I), mem.initial_state(B))
    with pytest.raises(AssertionError, match="episode_start"):
        mem(torch.randn(T, B, I), mem.initial_state(B), torch.zeros(T))
    with pytest.raises(ValueError, match="fast_weights, gru, lstm, none"):
        make_memory("transformer", I, H)


def test_fast_weight_sequence_form_equals_explicit_steps_from_any_state() -> None:
    """The sequence form never builds A per step; it must equal stepping A explicitly, from a
    non-zero state, with resets in the middle, and give the same final A."""
    torch.manual_seed(0)
    mem = FastWeightMemory(I, H, lam=0.9, eta=0.5, inner_steps=2)
    x = torch.randn(T, B, I)
    state = (torch.randn(B, H), torch.randn(B, H, H) * 0.1)
    start = torch.zeros(T, B)
    start[2, 0] = 1
    start[0, 2] = 1
    out, (h, a) = mem(x, state, start)
    ref_state, ref = state, []
    for t in range(T):
        ref_state = _reset(ref_state, start[t])
        o, ref_state = mem.step(x[t], ref_state)
        ref.append(o)
    assert torch.allclose(out, torch.stack(ref), atol=1e-5)
    assert torch.allclose(h, ref_state[0], atol=1e-5)
    assert torch.allclose(a, ref_state[1], atol=1e-5)


def test_memory_read_weights_are_what_the_fast_weights_retrieve() -> None:
    """sum_j w_j h_j with `memory_read`'s weights equals A(t) q, the fast weights' retrieval of a
    query, after any number of decisions."""
    import numpy as np

    from agent.runtime.memory_read import memory_read, shares

    mem = _make("fast_weights")
    state = mem.initial_state(1)
    past: list[np.ndarray] = []
    with torch.no_grad():
        for t in range(T):
            h, state = mem.step(torch.randn(1, I), state)
            query = torch.randn(H)
            w = memory_read(past, query.numpy(), mem.lam, mem.eta)
            assert w.shape == (t,)
            retrieved = state[1][0] @ query  # A(t): the states of decisions 0 .. t-1
            mixed = sum((float(wj) * torch.from_numpy(pj) for wj, pj in zip(w, past,
                                                                               strict=True)),
                        torch.zeros(H))
            assert torch.allclose(retrieved, mixed, atol=1e-4)
            past.append(h[0].numpy())
    s = shares(np.array([1.0, 3.0]))
    assert s == [0.25, 0.75] and shares(np.zeros(2)) == [0.0, 0.0]
