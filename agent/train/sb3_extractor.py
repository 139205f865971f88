"""The model's encoders as a stable-baselines3 features extractor.

`RoombyFeaturesExtractor` runs language, perception, map encoder and fusion (the stateless part
of `RoombyPolicyNet`) and returns the fused vector with the sentence vector, so any SB3 algorithm
with a `MultiInputPolicy` can use it:

    PPO("MultiInputPolicy", env, policy_kwargs={
        "features_extractor_class": RoombyFeaturesExtractor,
        "features_extractor_kwargs": {"model": {"memory": "none"}}})

SB3 hands over observations as float tensors with uint8 images already divided by 255
(`normalize_images=True`); token ids come back as floats and are rounded to ints here. The memory
and the pointer head of the full network are not used by SB3's stock policies (their action head
is a linear layer over the features); Roomby's own recurrent policy uses them.
"""

from __future__ import annotations

from typing import Any

import torch
from gymnasium import spaces
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor

from agent.model.config import ModelConfig
from agent.model.network import RoombyPolicyNet

REQUIRED = ("rgb", "depth", "map", "pose", "instruction")


class RoombyFeaturesExtractor(BaseFeaturesExtractor):
    def __init__(self, observation_space: spaces.Dict,
                 model: ModelConfig | dict[str, Any] | None = None):
        assert isinstance(observation_space, spaces.Dict), (
            "RoombyFeaturesExtractor needs a Roomby env's Dict observation space; use "
            "'MultiInputPolicy' with a Roomby/* env")
        missing = [k for k in REQUIRED if k not in observation_space.spaces]
        assert not missing, (
            f"observation space lacks {missing}; Roomby envs provide {list(REQUIRED)} "
            "(do not wrap them with observation filters)")
        rgb = observation_space["rgb"]
        assert rgb.dtype == torch.uint8 or str(rgb.dtype) == "uint8", (
            "rgb must be uint8 channel-first (3, H, W); do not normalise it in a wrapper")
        cfg = model if isinstance(model, ModelConfig) else ModelConfig(**(model or {}))
        super().__init__(observation_space, features_dim=3 * cfg.dim)
        self.net = RoombyPolicyNet(cfg)

    def forward(self, observations: dict[str, torch.Tensor]) -> torch.Tensor:
        obs = dict(observations)
        obs["instruction"] = obs["instruction"].round().long()
        x, _, command, _, _ = self.net.encode(obs)
        return torch.cat([x, command.sentence], dim=-1)
