"""PPO fine-tuning of a trained policy with its memory carried across decisions.

stable-baselines3's `PPO` runs unchanged (its rollout collection, `DictRolloutBuffer`, GAE,
clipped objective, logging); two pieces make it recurrent:

- `MemoryVecEnv` adds the policy's memory state *before* each decision and an `episode_start`
  flag to every observation. The rollout buffer stores observations, so it stores the state
  per step with no buffer subclass, whatever the memory kind (fast weights: h [128] and
  A [128, 128]; GRU: h; LSTM: h and c; none: nothing).
- `RoombyRecurrentPolicy` (an SB3 `BasePolicy`) runs `RoombyPolicyNet.step` from the state in
  the observation (reset to the initial state where `episode_start`), samples a skill and a
  map cell (`MultiCategoricalDistribution` over [3, 2304]) and hands the new state to the
  wrapper for the next observation.

Why this and not sb3-contrib's RecurrentPPO: its buffer holds LSTM-shaped (h, c) states and
its policy re-runs padded sequences through an `nn.LSTM`; a fast-weight state (h and a
[128, 128] matrix) would have to be disguised as one. Here every PPO minibatch is a random
set of decisions evaluated from their stored states (the stored-state form of recurrent RL:
no back-propagation through the memory across decisions; behaviour cloning already trained
the memory through whole episodes), and the log-probabilities of the first epoch equal the
rollout's exactly. Not done in rollouts: the learned policy's masking of cells that led
nowhere (`LearnedPolicy`), sampling explores past them.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import torch
from gymnasium import spaces
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.distributions import MultiCategoricalDistribution
from stable_baselines3.common.policies import BasePolicy
from stable_baselines3.common.vec_env import VecEnv, VecEnvWrapper
from tqdm import tqdm

from agent.export.graphs import state_from_tensors, state_tensors
from agent.model.network import RoombyPolicyNet
from agent.train.sb3_extractor import REQUIRED as NET_KEYS

START = "episode_start"


def state_keys(net: RoombyPolicyNet) -> dict[str, tuple[int, ...]]:
    """Observation keys of the memory state and their shapes (no batch)."""
    parts = state_tensors(net.cfg.memory, net.initial_state(1))
    return {f"memory_{i}": tuple(t.shape[1:]) for i, t in enumerate(parts)}


class MemoryVecEnv(VecEnvWrapper):
    """Observations + the memory state before the decision + `episode_start` (see module)."""

    def __init__(self, venv: VecEnv, net: RoombyPolicyNet):
        self.shapes = state_keys(net)
        space = spaces.Dict({
            **venv.observation_space.spaces,
            **{k: spaces.Box(-np.inf, np.inf, s, np.float32) for k, s in self.shapes.items()},
            START: spaces.Box(0.0, 1.0, (1,), np.float32)})
        super().__init__(venv, observation_space=space)
        self.policy: RoombyRecurrentPolicy | None = None
        self._state = self._initial()

    def attach(self, policy: RoombyRecurrentPolicy) -> None:
        """The policy whose new state follows each step (`PPO(...).policy`)."""
        self.policy = policy

    def _initial(self) -> dict[str, np.ndarray]:
        return {k: np.zeros((self.num_envs, *s), np.float32) for k, s in self.shapes.items()}

    def _augment(self, obs: dict[str, np.ndarray], starts: np.ndarray) -> dict[str, np.ndarray]:
        return {**obs, **{k: v.copy() for k, v in self._state.items()},
                START: starts.astype(np.float32).reshape(-1, 1)}

    def reset(self) -> dict[str, np.ndarray]:
        self._state = self._initial()
        return self._augment(self.venv.reset(), np.ones(self.num_envs))

    def step_async(self, actions: np.ndarray) -> None:
        self.venv.step_async(actions)

    def step_wait(self):
        obs, rewards, dones, infos = self.venv.step_wait()
        if self.policy is None or self.policy.last_state is None:
            raise RuntimeError("MemoryVecEnv needs the policy's new memory state after every "
                               "decision: call attach(model.policy) and act through it")
        self._state = self.policy.last_state
        for i, info in enumerate(infos):
            terminal = info.get("terminal_observation")
            if dones[i] and terminal is not None:  # for SB3's bootstrap at a time limit
                info["terminal_observation"] = {**terminal, **{k: v[i] for k, v in
                                                               self._state.items()},
                                                START: np.zeros(1, np.float32)}
        return self._augment(obs, dones), rewards, dones, infos


class RoombyRecurrentPolicy(BasePolicy):
    """A `RoombyPolicyNet` as an SB3 actor-critic whose memory state rides in the observation."""

    def __init__(self, observation_space: spaces.Dict, action_space: spaces.MultiDiscrete,
                 lr_schedule, use_sde: bool = False, net: RoombyPolicyNet | None = None,
                 freeze_perception: bool = True, **kwargs: Any):
        assert net is not None, (
            "RoombyRecurrentPolicy fine-tunes a trained network: pass "
            "policy_kwargs={'net': load_checkpoint(path)[0]}")
        assert not use_sde, "use_sde does not apply to discrete actions: leave it False"
        super().__init__(observation_space, action_space, **kwargs)
        self.net = net
        self.keys = [k for k in observation_space.spaces if k.startswith("memory_")]
        missing = [k for k in (*NET_KEYS, START) if k not in observation_space.spaces]
        assert not missing, (f"observation space lacks {missing}: wrap the Roomby skill env's "
                             "VecEnv in MemoryVecEnv")
        if freeze_perception:  # as in behaviour cloning: only the visual tokens' projection
            for name, p in net.perception.named_parameters():
                p.requires_grad = name.startswith("to_tokens")
        self.dist = MultiCategoricalDistribution(list(map(int, action_space.nvec)))
        params = [p for p in self.parameters() if p.requires_grad]
        self.optimizer = self.optimizer_class(params, lr=lr_schedule(1), **self.optimizer_kwargs)
        self.last_state: dict[str, np.ndarray] | None = None

    def _run(self, obs: dict[str, torch.Tensor]):
        x = {k: obs[k] for k in NET_KEYS}
        x["instruction"] = x["instruction"].round().long()  # a float buffer would round-trip
        kind = self.net.cfg.memory
        state = state_from_tensors(kind, tuple(obs[k].float() for k in self.keys),
                                   x["pose"].shape[0])
        out, new, _ = self.net.step(x, state, episode_start=obs[START].reshape(-1))
        dist = self.dist.proba_distribution(torch.cat([out.skill_logits, out.pointer_logits],
                                                      -1))
        return dist, out.value, new

    def forward(self, obs: dict[str, torch.Tensor], deterministic: bool = False):
        dist, value, new = self._run(obs)
        actions = dist.get_actions(deterministic=deterministic)
        parts = state_tensors(self.net.cfg.memory, new)
        self.last_state = {k: t.detach().cpu().numpy()
                           for k, t in zip(self.keys, parts, strict=True)}
        return actions, value, dist.log_prob(actions)

    def evaluate_actions(self, obs: dict[str, torch.Tensor], actions: torch.Tensor):
        dist, value, _ = self._run(obs)
        return value, dist.log_prob(actions), dist.entropy()

    def predict_values(self, obs: dict[str, torch.Tensor]) -> torch.Tensor:
        return self._run(obs)[1]

    def _predict(self, observation: dict[str, torch.Tensor], deterministic: bool = False
                 ) -> torch.Tensor:
        return self.forward(observation, deterministic)[0]


class EnvFactory:
    """Builds one skill env whose map is filled by the learned perception of `checkpoint` (what
    the policy sees at evaluation); picklable, for SubprocVecEnv workers."""

    def __init__(self, env: dict[str, Any], checkpoint: str):
        self.env, self.checkpoint = env, checkpoint

    def __call__(self):
        from agent.policies.learned import LearnedPolicy
        from sim.config import EnvConfig

        torch.set_num_threads(1)
        perception = LearnedPolicy.load(self.checkpoint).perception()
        return EnvConfig(**self.env).make(perception=perception)


class ProgressBar(BaseCallback):
    """A tqdm bar over decisions with the recent episodes' reward and success (SB3's own
    ProgressBarCallback needs `rich`)."""

    def __init__(self, total: int, enabled: bool = True):
        super().__init__()
        self.total, self.enabled = total, enabled

    def _on_training_start(self) -> None:
        self.bar = tqdm(total=self.total, desc="ppo", file=sys.stderr, disable=not self.enabled,
                        mininterval=5)

    def _on_step(self) -> bool:
        self.bar.update(self.training_env.num_envs)
        eps = self.model.ep_info_buffer
        if eps:
            self.bar.set_postfix(refresh=False, reward=f"{np.mean([e['r'] for e in eps]):.2f}",
                                 success=f"{np.mean([e.get('success', 0) for e in eps]):.2f}")
        return True

    def _on_training_end(self) -> None:
        self.bar.close()


def finetune(net: RoombyPolicyNet, venv: VecEnv, steps: int, *, n_steps: int = 64,
             batch_size: int = 32, n_epochs: int = 4, lr: float = 1e-4, clip: float = 0.1,
             ent_coef: float = 0.0, gamma: float = 0.99, gae_lambda: float = 0.95,
             seed: int = 0, tensorboard_log: str | None = None, progress: bool = True
             ) -> dict[str, Any]:
    """Fine-tune `net` in place by PPO for `steps` decisions on `venv` (skill envs wrapped in
    `Monitor(info_keywords=("success",))`); -> figures of the last episodes."""
    from stable_baselines3 import PPO

    for name, value, least in (("steps", steps, 1), ("n_steps", n_steps, 1),
                               ("batch_size", batch_size, 2), ("n_epochs", n_epochs, 1)):
        if value < least:
            raise ValueError(f"PPO {name} must be at least {least}, got {value} (train.ppo_* in "
                             "the train: section)")
    env = MemoryVecEnv(venv, net)
    model = PPO(RoombyRecurrentPolicy, env, n_steps=n_steps, batch_size=batch_size,
                n_epochs=n_epochs, learning_rate=lr, clip_range=clip, ent_coef=ent_coef,
                gamma=gamma, gae_lambda=gae_lambda, seed=seed, device="cpu",
                tensorboard_log=tensorboard_log, policy_kwargs={"net": net})
    env.attach(model.policy)
    net.train()
    model.learn(steps, callback=ProgressBar(steps, progress), tb_log_name="ppo")
    net.eval()
    eps = list(model.ep_info_buffer)
    return {"decisions": int(model.num_timesteps), "episodes": len(eps),
            "reward": round(float(np.mean([e["r"] for e in eps])), 4) if eps else None,
            "success": round(float(np.mean([e.get("success", 0) for e in eps])), 4)
            if eps else None, "updates": int(model._n_updates)}
