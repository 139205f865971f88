"""PPO fine-tuning: SB3's PPO with the memory state riding in the observations."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import DummyVecEnv

from agent.model.config import ModelConfig
from agent.model.network import RoombyPolicyNet
from agent.train.ppo import START, MemoryVecEnv, RoombyRecurrentPolicy, finetune, state_keys
from sim.config import EnvConfig

ENV = EnvConfig(id="Roomby/GoToRoom-v0", n_rooms=[2, 3])


def _venv(n: int = 2):
    return make_vec_env(lambda: ENV.make(), n_envs=n, seed=3, vec_env_cls=DummyVecEnv,
                        monitor_kwargs={"info_keywords": ("success",)})


def _net(memory: str = "fast_weights") -> RoombyPolicyNet:
    torch.manual_seed(0)
    return RoombyPolicyNet(ModelConfig(memory=memory)).eval()


def _collect(net: RoombyPolicyNet, n_steps: int) -> PPO:
    env = MemoryVecEnv(_venv(), net)
    model = PPO(RoombyRecurrentPolicy, env, n_steps=n_steps, batch_size=n_steps, seed=0,
                device="cpu", policy_kwargs={"net": net})
    env.attach(model.policy)
    _, callback = model._setup_learn(n_steps * env.num_envs, None)
    assert model.collect_rollouts(env, callback, model.rollout_buffer, n_steps)
    return model


@pytest.mark.parametrize("memory", ["fast_weights", "lstm"])
def test_the_buffer_holds_the_state_before_each_decision_and_resets_at_episode_starts(
        memory: str) -> None:
    net = _net(memory)
    model = _collect(net, 12)
    buf = model.rollout_buffer
    keys = list(state_keys(net))
    assert keys and all(k in buf.observations for k in keys)
    starts = buf.observations[START][..., 0]
    assert starts[0].all()  # the first observations follow a reset
    assert (starts[1:] == 1).any() and (starts[1:] == 0).any(), "episodes end inside 12 steps"
    assert np.array_equal(starts, buf.episode_starts)  # the flag is SB3's own episode start
    kind = net.cfg.memory
    from agent.export.graphs import state_from_tensors, state_tensors

    checked = 0
    for t in range(buf.buffer_size - 1):
        for e in range(buf.n_envs):
            if starts[t + 1, e]:
                continue
            obs = {k: torch.as_tensor(v[t, e:e + 1]) for k, v in buf.observations.items()}
            state = state_from_tensors(kind, tuple(obs[k] for k in keys), 1)
            x = {k: obs[k] for k in ("rgb", "depth", "map", "pose", "instruction")}
            with torch.no_grad():
                _, new, _ = net.step(x, state, episode_start=obs[START].reshape(-1))
            for k, v in zip(keys, state_tensors(kind, new), strict=True):
                np.testing.assert_allclose(buf.observations[k][t + 1, e], v[0].numpy(),
                                           atol=1e-5, err_msg=f"{k} step {t + 1}")
            checked += 1
    assert checked > 4
    # mid-episode states are not the initial zeros (the memory carries something)
    mid = starts == 0
    assert np.abs(buf.observations[keys[0]][mid]).sum() > 0


def test_stored_states_give_the_rollouts_log_probabilities_back() -> None:
    """PPO's first ratio is exactly one: each decision is re-evaluated from its stored state."""
    net = _net()
    model = _collect(net, 8)
    model.policy.set_training_mode(False)
    for data in model.rollout_buffer.get(8):
        with torch.no_grad():
            values, log_prob, entropy = model.policy.evaluate_actions(data.observations,
                                                                      data.actions)
        torch.testing.assert_close(log_prob, data.old_log_prob, atol=1e-4, rtol=0)
        torch.testing.assert_close(values.flatten(), data.old_values, atol=1e-4, rtol=0)
        assert (entropy > 0).all()


def test_finetune_moves_the_policy_but_not_the_frozen_perception() -> None:
    net = _net()
    before = {n: p.detach().clone() for n, p in net.named_parameters()}
    figures = finetune(net, _venv(), 32, n_steps=16, batch_size=16, n_epochs=2, progress=False)
    assert figures["decisions"] == 32 and figures["updates"] == 2
    assert figures["episodes"] > 0 and 0 <= figures["success"] <= 1
    moved = {n for n, p in net.named_parameters() if not torch.equal(p, before[n])}
    assert any(n.startswith("skill_head") for n in moved)
    assert any(n.startswith("memory") for n in moved)
    frozen = [n for n in before if n.startswith("perception.") and
              not n.startswith("perception.to_tokens")]
    assert frozen and not moved.intersection(frozen)
    assert not net.training  # handed back in eval mode


def test_the_policy_explains_what_it_needs() -> None:
    net = _net()
    venv = _venv(1)
    with pytest.raises(AssertionError, match="MemoryVecEnv"):
        PPO(RoombyRecurrentPolicy, venv, policy_kwargs={"net": net}, device="cpu")
    with pytest.raises(AssertionError, match="load_checkpoint"):
        PPO(RoombyRecurrentPolicy, MemoryVecEnv(venv, net), device="cpu")
    env = MemoryVecEnv(venv, net)
    env.reset()
    with pytest.raises(RuntimeError, match="attach"):
        env.step(np.array([[1, 0]]))
    with pytest.raises(ValueError, match="batch_size must be at least 2"):
        finetune(net, venv, 8, batch_size=1, progress=False)
