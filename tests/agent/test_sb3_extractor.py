"""The encoders as a stable-baselines3 features extractor: the contract and a tiny PPO run."""

from __future__ import annotations

import gymnasium as gym
import pytest
import torch
from gymnasium import spaces
from stable_baselines3 import PPO

import sim  # noqa: F401
from agent.train.sb3_extractor import RoombyFeaturesExtractor


def test_ppo_learns_a_few_steps_with_the_extractor() -> None:
    env = gym.make("Roomby/GoToObject-OneRoom-Motor-v0")
    model = PPO("MultiInputPolicy", env, n_steps=64, batch_size=32, n_epochs=1, seed=0,
                device="cpu", policy_kwargs={
                    "features_extractor_class": RoombyFeaturesExtractor,
                    "features_extractor_kwargs": {"model": {"memory": "none", "dim": 32}}})
    extractor = model.policy.features_extractor
    assert isinstance(extractor, RoombyFeaturesExtractor) and extractor.features_dim == 96
    before = {n: p.detach().clone() for n, p in extractor.net.perception.named_parameters()}
    model.learn(128)
    after = dict(extractor.net.perception.named_parameters())
    assert any(not torch.equal(before[n], after[n]) for n in before), "the encoders train"
    obs, _ = env.reset(seed=1)
    action, _ = model.predict(obs, deterministic=True)
    assert env.action_space.contains(action)
    env.close()


def test_extractor_says_what_it_needs() -> None:
    with pytest.raises(AssertionError, match="MultiInputPolicy"):
        RoombyFeaturesExtractor(spaces.Box(0, 1, (3,)))
    with pytest.raises(AssertionError, match="lacks"):
        RoombyFeaturesExtractor(spaces.Dict({"rgb": spaces.Box(0, 255, (3, 60, 80))}))
