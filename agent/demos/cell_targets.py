"""Every map cell that would do: the pointer's label when the expert goes for the target.

The expert picks one cell, but for "go to the red couch" every cell whose landing point ends
within the goal's radius of the couch (and no nearer another couch) is as right, and for
"vacuum under the couch" every cell a clean at covers the couch. Training the pointer towards the
expert's single cell punishes right answers; training it to put its mass on the set
(-log sum of p over the set) does not. Decisions that search (frontiers, rooms) keep the
expert's cell, smoothed (`agent.train.imitation.gaussian_cell_targets`).

Sets are stored beside a shard as `NAME.cells.npz`: `accept` (bit-packed [N, 2304] masks) and
`has_set` [N] (False: use the expert's cell).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from sim.actions import CLEAN, NAVIGATE, OBJECT_SNAP
from sim.grid import MAP, MAP_SIZE
from sim.tasks import GOTO_RADIUS, task_for
from sim.tasks.goto_object import footprint_distance

N_CELLS = MAP_SIZE * MAP_SIZE
MARGIN = 0.1  # metres: the robot stops within a few centimetres of its landing point


def _cells_near(footprint: tuple[float, float, float, float], m: float) -> np.ndarray:
    x0, y0, x1, y1 = footprint
    r0, c0 = MAP.to_cell(x0 - m, y0 - m)
    r1, c1 = MAP.to_cell(x1 + m, y1 + m)
    rr, cc = np.mgrid[max(r0, 0):min(r1, MAP_SIZE - 1) + 1, max(c0, 0):min(c1, MAP_SIZE - 1) + 1]
    return (rr * MAP_SIZE + cc).reshape(-1)


def acceptable_cells(env: Any, step: dict, skill: int) -> np.ndarray | None:
    """[2304] bool: the cells where `skill` fulfils an object `step` (goto_object with
    navigate, vacuum_under with clean); None for other steps."""
    base = env.unwrapped
    home, grid = base.home, base.grid
    targets = home.find(step["object"], step.get("color"), step.get("room")) \
        if step.get("object") else []
    mask = np.zeros(N_CELLS, dtype=bool)
    if step["task"] == "goto_object" and skill == NAVIGATE:
        task = task_for(step)
        for f in targets:
            for k in _cells_near(f.footprint, GOTO_RADIUS + 0.25):
                xy = base.landing(int(k))
                d = footprint_distance(f.footprint, xy)
                if d <= GOTO_RADIUS - MARGIN and task.achieved(home, grid, step, xy, None):
                    mask[k] = True
        return mask
    if step["task"] == "vacuum_under" and skill == CLEAN:
        for f in targets:
            for k in _cells_near(f.footprint, OBJECT_SNAP):
                x, y = base.cell_center(int(k))
                if footprint_distance(f.footprint, (x, y)) <= OBJECT_SNAP - 0.05:
                    mask[k] = True
        return mask
    return None


def label_episode(env: Any, step_index: list[int], actions: list[np.ndarray]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """For one episode's decisions (the env set up for it): (accept [N, 2304], has_set [N]).
    A set is used only when the expert's own cell is in it (it went for the target)."""
    from sim.tasks import goal_steps

    steps = goal_steps(env.unwrapped.goal)
    n = len(actions)
    accept = np.zeros((n, N_CELLS), dtype=bool)
    has = np.zeros(n, dtype=bool)
    cache: dict[tuple[int, int], np.ndarray | None] = {}
    for i, (si, a) in enumerate(zip(step_index, actions, strict=True)):
        key = (si, int(a[0]))
        if key not in cache:
            cache[key] = acceptable_cells(env, steps[min(si, len(steps) - 1)], int(a[0]))
        m = cache[key]
        if m is not None and m[int(a[1])]:
            accept[i], has[i] = m, True
    return accept, has


def sets_path(shard: str | Path) -> Path:
    shard = Path(shard)
    return shard.with_name(shard.name.removesuffix(".npz") + ".cells.npz")


def write_sets(shard: str | Path, accept: np.ndarray, has_set: np.ndarray) -> Path:
    """Sets for a shard written before collection labelled them (its sidecar file)."""
    path = sets_path(shard)
    np.savez_compressed(path, accept=np.packbits(accept, axis=1), has_set=has_set)
    return path


def read_sets(shard: str | Path) -> dict[str, np.ndarray] | None:
    """A shard's sidecar sets as stored arrays ({"accept": packed, "has_set"}), or None."""
    path = sets_path(shard)
    if not path.exists():
        return None
    with np.load(path) as z:
        return {"accept": z["accept"], "has_set": z["has_set"].astype(bool)}


def unpack_sets(packed: np.ndarray) -> np.ndarray:
    return np.unpackbits(packed, axis=-1, count=N_CELLS).astype(bool)
