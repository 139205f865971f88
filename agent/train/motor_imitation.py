"""Behaviour cloning at the motor level: a wheel action every 0.1 s control period.

The ablation that measures what the two-level design buys (docs/architecture.md, "Two levels of
control"): the same network, the same demonstrations' episodes, but the motor head imitates the
motor expert's wheel actions (`sim.motor_expert`) period by period, instead of the skill and
pointer heads imitating a handful of decisions per episode.

Episodes run for hundreds of periods, so back-propagation through the memory is truncated: a
batch of B episodes is cut into chunks of `chunk` periods, the memory state carried from one
chunk to the next (detached), one update per chunk. Padding past an episode's end is masked.
Stop is one period of hundreds: the loss weights each action by its frequency to the power
-1/2 (normalised to a mean weight of one), so stop is learned without being predicted
everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional as F

from agent.demos.shards import Demonstrations
from agent.model.goal_codec import DEFAULT_CODEC, GoalCodec
from agent.model.memory import State
from agent.model.network import N_MOTOR, RoombyPolicyNet
from agent.train.imitation import episode_index, episode_length, gather_obs


@dataclass
class MotorChunk:
    obs: dict[str, Tensor]
    """[L, B, ...] observations as the env gives them."""
    action: Tensor
    """[L, B] the expert's wheel action."""
    mask: Tensor
    """[L, B] 1 for real periods, 0 past an episode's end."""
    goal: Tensor
    """[B, 2, 4] goal classes."""
    first: bool
    """The chunk starts its episodes (the memory starts from its initial state)."""


def action_weights(demos: Demonstrations) -> Tensor:
    """[4] loss weight per wheel action: frequency^-1/2, frequency-weighted mean 1."""
    actions = demos.decisions["action"].reshape(-1)
    if actions.min() < 0 or actions.max() >= N_MOTOR:
        raise ValueError(f"motor demonstrations hold actions outside 0..{N_MOTOR - 1}: collect "
                         "them with a -Motor env id (roomby collect --env ...-Motor-v0)")
    freq = np.bincount(actions, minlength=N_MOTOR) / len(actions)
    w = np.where(freq > 0, 1.0 / np.sqrt(np.maximum(freq, 1e-12)), 0.0)
    return torch.tensor(w / (freq * w).sum(), dtype=torch.float32)


def motor_groups(demos: Demonstrations, batch_episodes: int, rng: np.random.Generator | None = None
                 ) -> list[list[int]]:
    """Episodes in batches of similar length (sorted by length; ties in `rng`'s order)."""
    eps = [i for i, s in enumerate(demos.episode_slices) if s.stop > s.start]
    if rng is not None:
        eps = list(rng.permutation(eps))
    order = sorted(eps, key=lambda e: episode_length(demos, e))
    return [order[j:j + batch_episodes] for j in range(0, len(order), batch_episodes)]


def motor_updates_per_epoch(demos: Demonstrations, batch_episodes: int, chunk: int) -> int:
    """Chunks in one pass: per batch of episodes, its longest episode's."""
    return sum(-(-max(episode_length(demos, e) for e in g) // chunk)
               for g in motor_groups(demos, batch_episodes))


def motor_chunks(demos: Demonstrations, batch_episodes: int, chunk: int,
                 rng: np.random.Generator, codec: GoalCodec = DEFAULT_CODEC
                 ) -> Iterator[MotorChunk]:
    """One pass over every episode: the batches in random order, each batch's chunks in time
    order (built as they are asked for)."""
    if demos.decisions["action"].ndim != 1:
        raise ValueError("these demonstrations are skill-level (skill, cell) decisions; motor-"
                         "level training needs wheel actions (roomby collect --env "
                         "...-Motor-v0)")
    groups = motor_groups(demos, batch_episodes, rng)
    for g in rng.permutation(len(groups)):
        yield from _chunks(demos, groups[g], chunk, codec)


def _chunks(demos: Demonstrations, episodes: list[int], chunk: int,
            codec: GoalCodec = DEFAULT_CODEC) -> Iterator[MotorChunk]:
    t_max = max(episode_length(demos, e) for e in episodes)
    goal = torch.from_numpy(np.stack([codec.encode(demos.records[e]["goal"]) for e in episodes]))
    for t0 in range(0, t_max, chunk):
        index, mask = episode_index(demos, episodes, t0, min(chunk, t_max - t0))
        obs = gather_obs(demos, index)
        yield MotorChunk({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in obs.items()},
                         torch.from_numpy(demos.decisions["action"][index]),
                         torch.from_numpy(mask), goal, t0 == 0)


def motor_loss(net: RoombyPolicyNet, chunk: MotorChunk, state: State, weights: Tensor,
               goal_weight: float) -> tuple[Tensor, State, dict[str, float]]:
    """Weighted cross-entropy of the motor head against the expert's wheel actions (+ the goal
    prediction), over one chunk, from `state`; returns the state at the chunk's end."""
    t, b = chunk.mask.shape
    out, state = net.forward_sequence(chunk.obs, state)
    logits = out.motor_logits.reshape(t * b, N_MOTOR)
    action = chunk.action.reshape(-1)
    mask = chunk.mask.reshape(-1)
    per = F.cross_entropy(logits, action, weight=weights, reduction="none")
    l_motor = (per * mask).sum() / (weights[action] * mask).sum().clamp(min=1e-6)
    l_goal = torch.zeros(())
    for f, g in enumerate(net.split_goal_logits(out.goal_logits[0])):
        l_goal = l_goal + F.cross_entropy(g.reshape(-1, g.shape[-1]), chunk.goal[..., f]
                                          .reshape(-1))
    loss = l_motor + goal_weight * l_goal
    with torch.no_grad():
        m = mask.bool()
        right = (logits.argmax(-1) == action)[m]
        stops = m & (action == N_MOTOR - 1)  # stop is the motor env's last action
        stop_acc = float((logits.argmax(-1) == action)[stops].float().mean()) if stops.any() \
            else float("nan")
    return loss, state, {"loss": loss.item(), "motor": l_motor.item(), "goal": l_goal.item(),
                         "motor_acc": float(right.float().mean()), "stop_acc": stop_acc}
