"""The shipped checkpoint: it loads, drives with its own learned perception in homes it never
saw, and beats a floor an instruction-blind robot cannot reach.

The floor. With the words ignored, a robot told "go to the kitchen" can do no better than pick
one of the rooms it does not start in: in these homes (3-6 rooms, the start outside the named
room) that succeeds with probability 1 / (rooms - 1) per episode, computed here for each
episode from its home. The shipped policy must beat twice that chance on held-out homes.
"""

from __future__ import annotations

import numpy as np
import pytest

from agent.model.checkpoint import DEFAULT_CHECKPOINT
from agent.policies.episode import env_overrides, make_policy, run_episode
from sim.config import EnvConfig

EPISODES = 8


@pytest.fixture(scope="module")
def goto_room_results() -> tuple[list[dict], list[float]]:
    env = EnvConfig(id="Roomby/GoToRoom-v0", split="heldout").make(
        **env_overrides("learned", None))
    results, chance = [], []
    try:
        policy = make_policy("learned", env)
        for seed in range(EPISODES):
            results.append(run_episode(env, policy, seed))
            chance.append(1.0 / max(len(env.unwrapped.home.rooms) - 1, 1))
    finally:
        env.close()
    return results, chance


def test_the_checkpoint_ships_and_records_how_it_was_made() -> None:
    from agent.model.checkpoint import load_checkpoint

    assert DEFAULT_CHECKPOINT.exists()
    assert DEFAULT_CHECKPOINT.stat().st_size < 5_000_000
    _, meta = load_checkpoint(DEFAULT_CHECKPOINT)
    assert meta["command"].startswith("roomby train")
    assert meta["train_seconds"] > 0


def test_shipped_policy_beats_the_instruction_blind_floor(goto_room_results) -> None:
    results, chance = goto_room_results
    success = float(np.mean([r["success"] for r in results]))
    floor = 2 * float(np.mean(chance))
    assert success > floor, (success, floor, [r["instruction"] for r in results])
