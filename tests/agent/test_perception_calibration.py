"""Perception calibration counts what the map counts, against the simulator's segmentation."""

from __future__ import annotations

import gymnasium as gym
import numpy as np

import sim  # noqa: F401
from agent.model.calibration import type_given_room
from agent.train.calibration import count_episode, type_matrix
from sim.catalog import ROOM_TYPES
from sim.expert import Expert
from sim.semantic_map import N_TYPES


def _counts(shift: int) -> np.ndarray:
    """Counts over one expert episode with a perception that reads the true type `shift`
    types further on (0: the segmentation itself)."""
    env = gym.make("Roomby/GoToObject-OneRoom-v0")
    base = env.unwrapped

    def perception(rgb: np.ndarray, depth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t, c = base.world.oracle_labels(base._frame[2])
        return np.where(t > 0, (t - 1 + shift) % N_TYPES + 1, 0).astype(t.dtype), c

    counts = np.zeros((len(ROOM_TYPES) + 1, N_TYPES + 1, N_TYPES + 1))
    try:
        count_episode(env, perception, Expert(env), 3, counts)
    finally:
        env.close()
    return counts


def test_counts_pair_each_read_type_with_the_true_one() -> None:
    right = _counts(0)
    assert right[:, 1:, 1:].sum() > 1000
    assert right[:, 1:, 1:].sum() == np.trace(right[:, 1:, 1:], axis1=1, axis2=2).sum()
    shifted = _counts(1)
    assert shifted.sum() == right.sum()
    for t in range(1, N_TYPES + 1):  # true t is read as t + 1, and as nothing else
        read = (t % N_TYPES) + 1
        assert shifted[:, t, read].sum() == right[:, t, t].sum()
    m = type_matrix(shifted)
    seen = shifted[:, 1:, 1:].sum(axis=1) > 1000  # [room, read]: readings seen often
    r, k = np.nonzero(seen)
    true = (k - 1) % N_TYPES
    assert (m[r, true, k] > 0.95).all(), "often-seen readings are taken as their true type"
    unseen = shifted[:, 1:, 1:].sum(axis=1) == 0
    r, k = np.nonzero(unseen)
    assert np.allclose(m[r, k, k], 1.0), "readings never seen are taken as read"


def test_a_checkpoint_without_calibration_has_none() -> None:
    assert type_given_room({}) is None
    assert type_given_room({"perception_calibration": None}) is None


def test_the_calibration_is_drawn_as_one_heatmap_per_room(tmp_path) -> None:
    from agent.train.calibration import plot_calibration

    counts = np.random.default_rng(0).integers(0, 50, (len(ROOM_TYPES) + 1, N_TYPES + 1,
                                                       N_TYPES + 1))
    plot_calibration(type_matrix(counts), str(tmp_path / "cal.png"))
    png = (tmp_path / "cal.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
