"""Perception calibration: how the learned perception reads each true furniture type, per room
type, measured in training homes; the semantic map corrects its type hits with it.

Why: from a camera 8.5 cm above the floor some types are the same box in the same colour — a
fridge and a bookshelf (both 1.8 m, flush against a wall), a table and a desk (both 0.75 m on
four legs) — and no single frame tells them apart (held-out frames: a fridge's pixels read as
a bookshelf 42 % of the time, as a fridge 39 %). Homes do: a fridge stands in a kitchen, a
bookshelf never does. The map knows each cell's room (channels 1-6, the robot's labelled room
map), so a hit read as type k in a room of type r is counted as the true types that such hits
were in the training homes, `P(true | read k, room r)`, instead of as k. This is what the
robot would learn from its own homes; its price is that a piece furnished where the training
homes never put it (a bookshelf in a kitchen) is read as its look-alike.

Counts are taken on the pixels the map counts (`SemanticMap.labelled_pixels`), during expert
episodes in training homes, with the same learned perception.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np

from sim.catalog import ROOM_TYPES
from sim.semantic_map import N_TYPES

PRIOR = 20.0
"""Pseudo-count of 'read k is true k' added to every (room, read type): where the training homes
showed a reading in a room type fewer than a few dozen times, it is mostly taken as read."""


def count_episode(env: Any, perception: Any, expert: Any, seed: int, counts: np.ndarray) -> None:
    """Run one expert episode; add its [room, true type, read type] pixel counts (index 0: none)
    to `counts` [len(ROOM_TYPES) + 1, N_TYPES + 1, N_TYPES + 1]."""
    base = env.unwrapped

    def grab() -> None:
        rgb, depth, seg = base._frame
        true_t, _ = base.world.oracle_labels(seg)
        read_t, read_c = perception(rgb, depth)
        cells, t, _, idx = base.smap.labelled_pixels(read_t, read_c, depth, base.world.pose())
        np.add.at(counts, (base.smap.room_index[cells], true_t.reshape(-1)[idx], t), 1)

    base.on_sense = grab
    try:
        env.reset(seed=seed)
        terminated = truncated = False
        while not (terminated or truncated):
            _, _, terminated, truncated, _ = env.step(expert.act(env))
    finally:
        base.on_sense = None


def _count_job(job: tuple[str, str, list[int]]) -> np.ndarray:
    import torch

    from agent.learned_policy import LearnedPolicy
    from sim.config import EnvConfig
    from sim.expert import Expert

    checkpoint, env_id, seeds = job
    torch.set_num_threads(1)
    perception = LearnedPolicy.load(checkpoint).perception()
    env = EnvConfig(id=env_id, split="train").make()  # oracle map: the expert needs none
    counts = np.zeros((len(ROOM_TYPES) + 1, N_TYPES + 1, N_TYPES + 1), np.int64)
    try:
        for seed in seeds:
            count_episode(env, perception, Expert(env), seed, counts)
    finally:
        env.close()
    return counts


def calibration_counts(checkpoint: str, episodes: int, seed: int = 0, workers: int = 1,
                       env_id: str = "Roomby/Mixed-v0", progress: bool = True) -> np.ndarray:
    """[room, true, read] pixel counts over `episodes` seeded expert episodes of `env_id` in
    training homes, the map filled by the checkpoint's perception."""
    from tqdm import tqdm

    seeds = list(range(seed, seed + episodes))
    jobs = [(checkpoint, env_id, seeds[i:i + 5]) for i in range(0, len(seeds), 5)]
    total = np.zeros((len(ROOM_TYPES) + 1, N_TYPES + 1, N_TYPES + 1), np.int64)
    bar = tqdm(total=episodes, desc="calibrate", unit="ep", file=sys.stderr,
               disable=not progress, mininterval=10)
    for counts, job in _map(jobs, workers):
        total += counts
        bar.update(len(job[2]))
    bar.close()
    return total


def _map(jobs: list[tuple[str, str, list[int]]], workers: int
         ) -> Iterator[tuple[np.ndarray, tuple[str, str, list[int]]]]:
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield _count_job(job), job
        return
    with mp.get_context("spawn").Pool(workers) as pool:
        yield from zip(pool.imap(_count_job, jobs), jobs, strict=True)


def type_matrix(counts: np.ndarray, prior: float = PRIOR) -> np.ndarray:
    """[room, true, read] counts (index 0: none) -> `SemanticMap`'s `type_given_room`
    [room, true type, read type] over the furniture types: P(true | read, room), with `prior`
    pseudo-counts on 'as read'; the share of readings that were no furniture is dropped."""
    c = np.asarray(counts, dtype=np.float64) + prior * np.eye(N_TYPES + 1)[None]
    p = c / c.sum(axis=1, keepdims=True)
    return p[:, 1:, 1:].astype(np.float32)


def type_given_room(meta: dict[str, Any]) -> np.ndarray | None:
    """A checkpoint's calibration (its metadata's `perception_calibration`), or None."""
    cal = meta.get("perception_calibration")
    if not cal:
        return None
    m = np.asarray(cal["type_given_room"], dtype=np.float32)
    want = (len(ROOM_TYPES) + 1, N_TYPES, N_TYPES)
    if m.shape != want:
        raise ValueError(f"the checkpoint's perception_calibration.type_given_room has shape "
                         f"{m.shape}, expected {want}: calibrate it again with "
                         f"scripts/calibrate_perception.py")
    return m
