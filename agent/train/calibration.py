"""Perception calibration, counted: how the learned perception reads each true furniture type,
per room type, in training homes -> the `perception_calibration` entry of a checkpoint's metadata
(`agent.model.calibration` reads it, and says why the map needs it).

Counts are taken on the pixels the map counts (`SemanticMap.labelled_pixels`), during expert
episodes in training homes, with the same learned perception, each pixel weighted as the map
weighs it: by the type head's confidence ^ `CONFIDENCE_POWER`. This is what a robot would learn
from its own homes; its price is that a piece furnished where the training homes never put it (a
bookshelf in a kitchen) is read as its look-alike.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from agent.model.calibration import CONFIDENCE_POWER
from agent.policies.episode import named_episode, run_episode
from agent.workers import RunConfig, pool_map, shipped
from sim.catalog import FURNITURE_TYPES, ROOM_TYPES
from sim.semantic_map import N_TYPES

PRIOR = 20.0
"""Pseudo-count of 'read k is true k' added to every (room, read type): where the training homes
showed a reading in a room type fewer than a few dozen times, it is mostly taken as read."""


def count_episode(env: Any, perception: Any, expert: Any, seed: int, counts: np.ndarray) -> None:
    """Run one expert episode; add its [room, true type, read type] pixel counts (index 0: none)
    to `counts` [len(ROOM_TYPES) + 1, N_TYPES + 1, N_TYPES + 1], each pixel counted with the
    weight the map gives it (a perception that returns type weights)."""
    base = env.unwrapped

    def grab() -> None:
        rgb, depth, seg = base._frame
        true_t, _ = base.world.oracle_labels(seg)
        read_t, read_c, *weight = perception(rgb, depth)
        cells, t, _, idx = base.smap.labelled_pixels(read_t, read_c, depth, base.world.pose())
        w = weight[0].reshape(-1)[idx] if weight else 1.0
        np.add.at(counts, (base.smap.room_index[cells], true_t.reshape(-1)[idx], t), w)

    base.on_sense = grab
    try:
        run_episode(env, lambda obs: expert.act(env), seed)
    finally:
        base.on_sense = None


@dataclass
class CountJob:
    """Expert episodes of one worker, read by one checkpoint's perception."""

    checkpoint: str
    env_id: str
    seeds: list[int]
    power: float
    """Each pixel counts with its type confidence ^ power (0: once)."""


def _count_job(job: CountJob) -> np.ndarray:
    import torch

    from agent.model.checkpoint import load_checkpoint
    from agent.model.perception import LearnedPerception
    from sim.config import EnvConfig
    from sim.expert import Expert

    torch.set_num_threads(1)
    perception = LearnedPerception(load_checkpoint(shipped(job.checkpoint))[0].perception,
                                   confidence_power=job.power)
    env = EnvConfig(id=job.env_id, split="train").make()  # oracle map: the expert needs none
    counts = np.zeros((len(ROOM_TYPES) + 1, N_TYPES + 1, N_TYPES + 1))
    try:
        for seed in job.seeds:
            with named_episode(job.env_id, seed, "train"):
                count_episode(env, perception, Expert(env), seed, counts)
    finally:
        env.close()
    return counts


def calibration_counts(checkpoint: str, episodes: int, seed: int = 0, workers: int = 1,
                       confidence_power: float = CONFIDENCE_POWER,
                       env_id: str = "Roomby/Mixed-v0", progress: bool = True,
                       run: RunConfig | None = None) -> np.ndarray:
    """[room, true, read] pixel weights over `episodes` seeded expert episodes of `env_id` in
    training homes, read by the checkpoint's perception, each pixel weighted by its type
    confidence ^ `confidence_power` (0: counted once)."""
    from tqdm import tqdm

    seeds = list(range(seed, seed + episodes))
    jobs = [CountJob(checkpoint, env_id, seeds[i:i + 5], confidence_power)
            for i in range(0, len(seeds), 5)]
    total = np.zeros((len(ROOM_TYPES) + 1, N_TYPES + 1, N_TYPES + 1))
    bar = tqdm(total=episodes, desc="calibrate", unit="ep", file=sys.stderr,
               disable=not progress, mininterval=10)
    try:
        results = pool_map(_count_job, jobs, workers, ordered=True, run=run, ship=[checkpoint])
        for counts, job in zip(results, jobs, strict=True):
            total += counts
            bar.update(len(job.seeds))
    finally:  # a failed run's error prints below a finished bar, not on it
        bar.close()
    return total


def type_matrix(counts: np.ndarray, prior: float = PRIOR) -> np.ndarray:
    """[room, true, read] counts (index 0: none) -> `SemanticMap`'s `type_given_room`
    [room, true type, read type] over the furniture types: P(true | read, room), with `prior`
    pseudo-counts on 'as read'; the share of readings that were no furniture is dropped."""
    c = np.asarray(counts, dtype=np.float64) + prior * np.eye(N_TYPES + 1)[None]
    p = c / c.sum(axis=1, keepdims=True)
    return p[:, 1:, 1:].astype(np.float32)


def calibrate(checkpoint: str, episodes: int, seed: int = 0, workers: int = 1,
              prior: float = PRIOR, power: float = CONFIDENCE_POWER, command: str = "",
              progress: bool = True, run: RunConfig | None = None) -> dict[str, Any]:
    """Count how `checkpoint`'s perception reads each type (`calibration_counts`; `run`: where)
    -> the `perception_calibration` entry of a checkpoint's metadata."""
    t0 = time.time()
    counts = calibration_counts(checkpoint, episodes, seed, workers, power, progress=progress,
                                run=run)
    return {"command": command, "episodes": episodes, "seconds": round(time.time() - t0, 1),
            "prior": prior, "confidence_power": power,
            "rooms": [*ROOM_TYPES, "none"], "types": list(FURNITURE_TYPES),
            "counts": np.round(counts, 2).tolist(),
            "type_given_room": np.round(type_matrix(counts, prior), 5).tolist()}


def plot_calibration(type_given_room: np.ndarray, path: str) -> None:
    """One heatmap per room type of P(true type | read type) -> a PNG at `path`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.catalog import FURNITURE_TYPES

    rooms = [*ROOM_TYPES, "no room"]
    fig, axes = plt.subplots(2, 4, figsize=(13, 7.2))
    for r, ax in enumerate(axes.flat):
        if r >= len(rooms):
            ax.axis("off")
            continue
        im = ax.imshow(type_given_room[r], vmin=0.0, vmax=1.0, cmap="viridis")
        ax.set_title(rooms[r].replace("_", " "), fontsize=10)
        ax.set_xticks(range(N_TYPES), FURNITURE_TYPES, rotation=90, fontsize=7)
        ax.set_yticks(range(N_TYPES), FURNITURE_TYPES, fontsize=7)
        ax.set_xlabel("read as", fontsize=8)
        ax.set_ylabel("true type", fontsize=8)
    fig.colorbar(im, ax=axes.flat[-1], fraction=0.5, label="P(true | read, room)")
    fig.suptitle("Perception calibration: what a reading was, by room type (training homes)",
                 fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
