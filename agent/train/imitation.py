"""Behaviour cloning over whole episodes of decisions (truncated BPTT = one episode).

A batch is B episodes padded to the longest, [T, B, ...]; the memory starts from its initial
state at each episode's first decision and runs over the episode, so what it learns to carry is
what the decisions need. Losses (padding masked out):

- skill: cross-entropy against the expert's skill;
- pointer: for navigate and clean decisions, -log of the mass on the cells that would do where
  the expert went for the target (`agent.demos.cell_targets`), else cross-entropy against a Gaussian
  (std `pointer_sigma` cells) around the expert's cell;
- goal: the auxiliary task/object/colour/room prediction of each step of the goal, from the
  language alone (it also lets `roomby parse` read the goal from the model).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional as F

from agent.demos.cell_targets import unpack_sets
from agent.demos.shards import OBS_KEYS, Demonstrations, unpack_obs
from agent.model.goal_codec import DEFAULT_CODEC, GoalCodec
from agent.model.network import RoombyPolicyNet
from agent.model.tokenizer import word_dropout
from sim.actions import STOP
from sim.grid import MAP_SIZE


@dataclass
class Batch:
    obs: dict[str, Tensor]
    """[T, B, ...] observations as the env gives them."""
    skill: Tensor
    """[T, B] expert skill."""
    cell: Tensor
    """[T, B] expert cell."""
    mask: Tensor
    """[T, B] 1 for real decisions, 0 for padding."""
    goal: Tensor
    """[B, slots, 4] goal classes."""
    accept: Tensor
    """[T, B, 2304] every cell that would do (where `has_set`)."""
    has_set: Tensor
    """[T, B] the decision is labelled by a set of cells rather than the expert's one cell."""


def episode_batches(demos: Demonstrations, batch_episodes: int, rng: np.random.Generator,
                    word_p: float = 0.0, codec: GoalCodec = DEFAULT_CODEC) -> Iterator[Batch]:
    """One pass over every episode with decisions, in batches of similar length; goals encoded
    for the trained network's goal head (`codec`)."""
    eps = [i for i, s in enumerate(demos.episode_slices) if s.stop > s.start]
    order = rng.permutation(eps)
    # Sort within windows of 4 batches by length: little padding, still a random order.
    window = 4 * batch_episodes
    batches = []
    for i in range(0, len(order), window):
        chunk = sorted(order[i:i + window], key=lambda e: episode_length(demos, e))
        batches.extend(chunk[j:j + batch_episodes] for j in range(0, len(chunk),
                                                                  batch_episodes))
    for b in rng.permutation(len(batches)):
        yield make_batch(demos, batches[b], rng, word_p, codec)


def episode_length(demos: Demonstrations, e: int) -> int:
    """Decisions of episode `e`."""
    s = demos.episode_slices[e]
    return s.stop - s.start


def episode_index(demos: Demonstrations, episodes: list[int], start: int = 0,
                  steps: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """[T, B] decision indices of `episodes` from their step `start` (T = `steps`, default to
    the longest episode's end) and the [T, B] mask of real decisions; padding repeats each
    episode's last decision (masked out)."""
    if steps is None:
        steps = max(episode_length(demos, e) for e in episodes) - start
    t = np.arange(start, start + steps)[:, None]
    first = np.array([demos.episode_slices[e].start for e in episodes])
    length = np.array([episode_length(demos, e) for e in episodes])
    real = t < length
    return np.where(real, first + t, first + length - 1), real.astype(np.float32)


def gather_obs(demos: Demonstrations, index: np.ndarray) -> dict[str, np.ndarray]:
    """Stored decisions at `index` (any shape) -> observations as the env gives them."""
    return unpack_obs({k: demos.decisions[k][index] for k in OBS_KEYS})


def make_batch(demos: Demonstrations, episodes: list[int], rng: np.random.Generator,
               word_p: float = 0.0, codec: GoalCodec = DEFAULT_CODEC) -> Batch:
    index, mask = episode_index(demos, episodes)
    d = demos.decisions
    obs = gather_obs(demos, index)
    if word_p > 0:  # the same words dropped at every decision of an episode
        first = word_dropout(obs["instruction"][0], word_p, rng)
        obs["instruction"] = np.broadcast_to(first, obs["instruction"].shape).copy()
    action = d["action"][index]
    goal = np.stack([codec.encode(demos.records[e]["goal"]) for e in episodes])
    accept = unpack_sets(d["accept"][index])
    has_set = d["has_set"][index] & (mask > 0)
    return Batch({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in obs.items()},
                 torch.from_numpy(action[..., 0]), torch.from_numpy(action[..., 1]),
                 torch.from_numpy(mask), torch.from_numpy(goal), torch.from_numpy(accept),
                 torch.from_numpy(has_set))


def gaussian_cell_targets(cells: Tensor, sigma: float) -> Tensor:
    """[N] cell indices -> [N, 2304] distributions: a 2-D Gaussian around each cell."""
    if sigma <= 0:
        return F.one_hot(cells, MAP_SIZE * MAP_SIZE).float()
    r = torch.arange(MAP_SIZE, dtype=torch.float32)
    dr = (r[None, :] - (cells // MAP_SIZE).float()[:, None]) ** 2  # [N, 48]
    dc = (r[None, :] - (cells % MAP_SIZE).float()[:, None]) ** 2
    w = torch.exp(-(dr[:, :, None] + dc[:, None, :]) / (2 * sigma * sigma))
    w = w.reshape(len(cells), -1)
    return w / w.sum(-1, keepdim=True)


def bc_loss(net: RoombyPolicyNet, batch: Batch, pointer_sigma: float, goal_weight: float
            ) -> tuple[Tensor, dict[str, float]]:
    t, b = batch.mask.shape
    out, _ = net.forward_sequence(batch.obs, net.initial_state(b))
    mask = batch.mask.reshape(-1)
    n = mask.sum().clamp(min=1)
    skill = batch.skill.reshape(-1)
    l_skill = (F.cross_entropy(out.skill_logits.reshape(t * b, -1), skill, reduction="none")
               * mask).sum() / n
    move = mask * (skill != STOP).float()
    logp = F.log_softmax(out.pointer_logits.reshape(t * b, -1), -1)
    target = gaussian_cell_targets(batch.cell.reshape(-1), pointer_sigma)
    ce_one = -(target * logp).sum(-1)
    # Where every cell of a set would do: -log of the probability mass on the set.
    has = batch.has_set.reshape(-1)
    on_set = -torch.logsumexp(logp.masked_fill(~batch.accept.reshape(t * b, -1), -1e9), -1)
    l_ptr = (torch.where(has, on_set, ce_one) * move).sum() / move.sum().clamp(min=1)
    l_goal = torch.zeros(())
    for f, logits in enumerate(net.split_goal_logits(out.goal_logits[0])):
        l_goal = l_goal + F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                          batch.goal[..., f].reshape(-1))
    loss = l_skill + l_ptr + goal_weight * l_goal
    with torch.no_grad():
        m = mask.bool()
        skill_acc = (out.skill_logits.reshape(t * b, -1).argmax(-1) == skill)[m].float().mean()
        mv = move.bool()
        best = logp.argmax(-1)
        right = (best == batch.cell.reshape(-1)) | (
            has & batch.accept.reshape(t * b, -1).gather(1, best[:, None]).squeeze(1))
        hit = right[mv].float().mean() if mv.any() else torch.tensor(float("nan"))
        near = _within(logp.argmax(-1), batch.cell.reshape(-1), 1)[mv].float().mean() \
            if mv.any() else torch.tensor(float("nan"))
    return loss, {"loss": loss.item(), "skill": l_skill.item(), "pointer": l_ptr.item(),
                  "goal": l_goal.item(), "skill_acc": float(skill_acc),
                  "cell_acc": float(hit), "cell_acc_1": float(near)}


def _within(a: Tensor, b: Tensor, k: int) -> Tensor:
    return ((a // MAP_SIZE - b // MAP_SIZE).abs() <= k) & ((a % MAP_SIZE - b % MAP_SIZE).abs()
                                                           <= k)
