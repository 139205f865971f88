"""Tests for sim.skills: A*, grid helpers, pure pursuit, coverage and the executors.

The executors are checked in closed loop with a kinematic unicycle (Euler steps of 0.1 s), the
same way the simulator drives them, on random room-like grids.
"""

from __future__ import annotations

import heapq
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.skills import (
    STOP,
    CleanSkill,
    GridFrame,
    NavigateSkill,
    PurePursuit,
    astar,
    coverage_waypoints,
    dilate,
    disc_cover,
    disc_offsets,
    nearest_free,
    path_length,
    reachable,
)

DT = 0.1
RES = 0.05
ROBOT_RADIUS = 0.17
CLEARANCE = 0.185

# Brute-force references ------------------------------------------------------------------------


def dijkstra(free: np.ndarray, start: tuple[int, int]) -> dict[tuple[int, int], float]:
    """Cost to every reachable cell under A*'s move rules, by plain Dijkstra over tuples."""
    rows, cols = free.shape
    dist = {start: 0.0}
    heap = [(0.0, start)]
    while heap:
        d, (r, c) = heapq.heappop(heap)
        if d > dist[(r, c)]:
            continue
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                nr, nc = r + dr, c + dc
                if (dr, dc) == (0, 0) or not (0 <= nr < rows and 0 <= nc < cols):
                    continue
                if not free[nr, nc]:
                    continue
                if dr and dc and not (free[r, nc] and free[nr, c]):
                    continue
                nd = d + (math.sqrt(2.0) if dr and dc else 1.0)
                if nd < dist.get((nr, nc), math.inf) - 1e-12:
                    dist[(nr, nc)] = nd
                    heapq.heappush(heap, (nd, (nr, nc)))
    return dist


def check_valid_path(free: np.ndarray, path: list[tuple[int, int]]) -> float:
    """Assert every step is a legal move; return the path's cost in cells."""
    cost = 0.0
    for (r, c), (nr, nc) in zip(path, path[1:], strict=False):
        dr, dc = nr - r, nc - c
        assert max(abs(dr), abs(dc)) == 1, f"not a neighbour step: {(r, c)} -> {(nr, nc)}"
        assert free[nr, nc]
        if dr and dc:
            assert free[r, nc] and free[nr, c], "diagonal step cuts a corner"
        cost += math.sqrt(2.0) if dr and dc else 1.0
    assert all(free[p] for p in path)
    return cost


grids = st.integers(0, 2**31 - 1).map(
    lambda seed: (
        np.random.default_rng(seed).random((3 + seed % 9, 3 + (seed // 9) % 9))
        > (0.15 + 0.35 * ((seed // 81) % 5) / 4)
    )
)

# A* ----------------------------------------------------------------------------------------------


@settings(max_examples=120, deadline=None)
@given(grids, st.integers(0, 10**6), st.integers(0, 10**6))
def test_astar_matches_dijkstra(free, a, b):
    cells = [tuple(int(v) for v in rc) for rc in np.argwhere(free)]
    if not cells:
        return
    start, goal = cells[a % len(cells)], cells[b % len(cells)]
    dist = dijkstra(free, start)
    path = astar(free, start, goal)
    if goal not in dist:
        assert path is None
        return
    assert path is not None and path[0] == start and path[-1] == goal
    assert check_valid_path(free, path) == pytest.approx(dist[goal], abs=1e-6)
    assert path_length(path, 0.05) == pytest.approx(dist[goal] * 0.05, abs=1e-6)


@settings(max_examples=80, deadline=None)
@given(grids, st.integers(0, 10**6), st.integers(0, 2**31 - 1))
def test_astar_mask_goal_reaches_nearest_goal_cell(free, a, mask_seed):
    cells = [tuple(int(v) for v in rc) for rc in np.argwhere(free)]
    if not cells:
        return
    start = cells[a % len(cells)]
    mask = np.random.default_rng(mask_seed).random(free.shape) < 0.15
    dist = dijkstra(free, start)
    targets = [dist[c] for c in dist if mask[c]]
    path = astar(free, start, mask)
    if not targets:
        assert path is None
        return
    assert path is not None and path[0] == start and mask[path[-1]]
    assert check_valid_path(free, path) == pytest.approx(min(targets), abs=1e-6)


def test_astar_walled_off_and_no_corner_cutting():
    free = np.ones((7, 7), bool)
    free[:, 3] = False
    assert astar(free, (0, 0), (6, 6)) is None
    # Two cells touching only at a corner are not connected.
    diag = np.array([[True, False], [False, True]])
    assert astar(diag, (0, 0), (1, 1)) is None
    # Round an obstacle's corner: the diagonal past it is forbidden, so 2 orthogonal steps.
    corner = np.ones((3, 3), bool)
    corner[1, 1] = False
    path = astar(corner, (0, 1), (1, 0))
    assert path == [(0, 1), (0, 0), (1, 0)]
    assert astar(free, (2, 2), (2, 2)) == [(2, 2)]
    assert astar(free, (0, 0), (0, 3)) is None  # goal not free
    assert astar(free, (0, 0), np.zeros_like(free)) is None


def test_astar_rejects_bad_start():
    free = np.ones((4, 4), bool)
    free[1, 1] = False
    with pytest.raises(ValueError, match="not free"):
        astar(free, (1, 1), (3, 3))
    with pytest.raises(ValueError, match="outside"):
        astar(free, (9, 0), (3, 3))


def test_astar_fast_on_large_grid():
    rng = np.random.default_rng(0)
    free = np.ones((240, 240), bool)
    for _ in range(40):
        r, c = rng.integers(0, 230, 2)
        free[r : r + rng.integers(3, 30), c : c + rng.integers(3, 30)] = False
    free[0, 0] = free[239, 239] = True
    best = math.inf
    for _ in range(3):
        t0 = time.perf_counter()
        path = astar(free, (0, 0), (239, 239))
        best = min(best, time.perf_counter() - t0)
    assert path is not None and path[-1] == (239, 239)
    assert best < 1.0  # typically ~30 ms; generous for loaded CI machines


# Grid helpers ------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(grids, st.integers(-3, 14), st.integers(-3, 14), st.floats(0, 8))
def test_nearest_free_matches_brute_force(free, r, c, radius):
    got = nearest_free(free, (r, c), radius)
    cands = [
        ((rr - r) ** 2 + (cc - c) ** 2, rr, cc)
        for rr, cc in np.argwhere(free).tolist()
        if (rr - r) ** 2 + (cc - c) ** 2 <= radius**2 + 1e-9
    ]
    expected = min(cands)[1:] if cands else None
    assert got == expected


@settings(max_examples=40, deadline=None)
@given(grids, st.floats(0, 5))
def test_dilate_and_disc_cover_match_brute_force(mask, radius):
    offsets = disc_offsets(radius)
    assert all(dr * dr + dc * dc <= radius**2 + 1e-9 for dr, dc in offsets)
    expected = np.zeros_like(mask)
    rows, cols = mask.shape
    for r, c in np.argwhere(mask):
        for dr, dc in offsets:
            if 0 <= r + dr < rows and 0 <= c + dc < cols:
                expected[r + dr, c + dc] = True
    assert (dilate(mask, radius) == expected).all()
    assert (disc_cover(mask.shape, np.argwhere(mask), radius) == expected).all()


def test_reachable_is_the_4_connected_component():
    free = np.ones((5, 5), bool)
    free[2, :] = False
    free[2, 4] = True
    assert reachable(free, (0, 0)).sum() == 21  # the gap joins both halves
    free[2, 4] = False
    assert reachable(free, (0, 0)).sum() == 10
    assert not reachable(free, (2, 0)).any()


# Pure pursuit ------------------------------------------------------------------------------------


def test_pursuit_straight_turn_and_done():
    pp = PurePursuit()
    path = np.stack([np.linspace(0, 1, 21), np.zeros(21)], axis=1)
    v, w, prog, done = pp.command((0.0, 0.0, 0.0), path, 0)
    assert v == pytest.approx(pp.v_max) and w == pytest.approx(0.0) and not done
    # Facing away: turn in place.
    v, w, _, done = pp.command((0.0, 0.0, math.pi), path, 0)
    assert v == 0.0 and abs(w) == pytest.approx(pp.w_max) and not done
    # Progress never goes back.
    _, _, prog, _ = pp.command((0.5, 0.0, 0.0), path, 15)
    assert prog >= 15
    v, w, prog, done = pp.command((0.98, 0.01, 0.0), path, 10)
    assert done and (v, w) == STOP and prog == 20


def unicycle(pose: np.ndarray, cmd: tuple[float, float]) -> None:
    v, w = cmd
    pose[0] += v * math.cos(pose[2]) * DT
    pose[1] += v * math.sin(pose[2]) * DT
    pose[2] += w * DT


def test_pursuit_stops_on_goal_without_overshoot():
    pp = PurePursuit()
    path = np.stack([np.linspace(0, 1, 21), np.zeros(21)], axis=1)
    pose = np.array([0.0, 0.0, 0.0])
    prog, done, max_x = 0, False, 0.0
    for _ in range(200):
        v, w, prog, done = pp.command(pose, path, prog)
        if done:
            break
        unicycle(pose, (v, w))
        max_x = max(max_x, pose[0])
    assert done
    assert math.hypot(pose[0] - 1.0, pose[1]) <= pp.goal_tolerance
    assert max_x <= 1.0


# Executors in closed loop ------------------------------------------------------------------------


def room(seed: int) -> tuple[np.random.Generator, np.ndarray]:
    """A walled room with a few box obstacles; free = cells CLEARANCE away from obstacles."""
    rng = np.random.default_rng(seed)
    rows, cols = rng.integers(30, 81, 2)
    obst = np.zeros((rows, cols), bool)
    obst[0, :] = obst[-1, :] = obst[:, 0] = obst[:, -1] = True
    for _ in range(rng.integers(1, 7)):
        h, w = rng.integers(2, 20, 2)
        r, c = rng.integers(0, rows), rng.integers(0, cols)
        obst[r : r + h, c : c + w] = True
    return rng, ~dilate(obst, CLEARANCE / RES - 1e-6)


def run_skill(skill, frame: GridFrame, free: np.ndarray, pose: np.ndarray, limit: int):
    """Drive ``skill`` to completion; return the visited poses, asserting they stay free."""
    poses = [pose.copy()]
    for _ in range(limit):
        cmd = skill.step(tuple(pose))
        if cmd is None:
            return poses
        unicycle(pose, cmd)
        poses.append(pose.copy())
        cell = frame.to_cell(pose[0], pose[1])
        assert frame.contains(pose[0], pose[1]) and free[cell], f"robot left free cells at {cell}"
    raise AssertionError("skill never finished")


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_navigate_reaches_random_goals(seed):
    rng, free = room(seed)
    cells = np.argwhere(free)
    if len(cells) == 0:
        return
    start = tuple(cells[rng.integers(len(cells))])
    goals = np.argwhere(reachable(free, start))
    goal = tuple(goals[rng.integers(len(goals))])
    frame = GridFrame((0.0, 0.0), RES, free.shape)
    sx, sy = frame.to_world(*start)
    gx, gy = frame.to_world(*goal)
    jitter = rng.uniform(-0.02, 0.02, 4)
    pose = np.array([sx + jitter[0], sy + jitter[1], rng.uniform(-math.pi, math.pi)])
    goal_xy = (gx + jitter[2], gy + jitter[3])
    nav = NavigateSkill(frame, free, goal_xy)
    run_skill(nav, frame, free, pose, 5000)
    assert nav.status == "reached"
    assert math.hypot(pose[0] - goal_xy[0], pose[1] - goal_xy[1]) <= nav.pursuit.goal_tolerance
    assert nav.path_xy[-1] == pytest.approx(goal_xy)
    assert nav.step(tuple(pose)) is None


def test_navigate_unreachable_goal():
    free = np.ones((20, 30), bool)
    free[:, 15] = False
    frame = GridFrame((1.0, -2.0), RES, free.shape)
    nav = NavigateSkill(frame, free, frame.to_world(10, 25))
    assert nav.step(np.array([*frame.to_world(10, 5), 0.0])) is None
    assert nav.status == "unreachable"


def test_grid_frame_round_trip():
    frame = GridFrame((1.0, -2.0), 0.05, (40, 60))
    assert frame.to_cell(*frame.to_world(7, 11)) == (7, 11)
    assert frame.to_cell(-100.0, 100.0) == (39, 0)
    assert frame.path_to_world([(0, 0), (1, 2)]) == pytest.approx(
        np.array([[1.025, -1.975], [1.125, -1.925]])
    )


def couch_scene():
    """A 3 m x 4 m room with a 2 m x 0.9 m couch standing on 4 legs at its corners."""
    rows, cols = 60, 80
    obst = np.zeros((rows, cols), bool)
    obst[0, :] = obst[-1, :] = obst[:, 0] = obst[:, -1] = True
    region = np.zeros((rows, cols), bool)
    r0, c0, h, w = 20, 20, 18, 40
    region[r0 : r0 + h, c0 : c0 + w] = True
    for r in (r0, r0 + h - 1):
        for c in (c0, c0 + w - 1):
            obst[r, c] = True
    free = ~dilate(obst, CLEARANCE / RES - 1e-6)
    return free, region


@pytest.mark.parametrize("start_xy", [(0.4, 0.4), (3.5, 2.5), (2.0, 1.4)])
def test_clean_covers_couch_footprint(start_xy):
    free, region = couch_scene()
    frame = GridFrame((0.0, 0.0), RES, free.shape)
    pose = np.array([*start_xy, 0.3])
    start = frame.to_cell(*start_xy)
    assert free[start]
    skill = CleanSkill(frame, free, region, ROBOT_RADIUS)
    poses = run_skill(skill, frame, free, pose, 20000)
    assert skill.status == "done" and not skill.skipped
    radius_cells = ROBOT_RADIUS / RES
    coverable = region & dilate(reachable(free, start), radius_cells)
    visited = np.array([frame.to_cell(p[0], p[1]) for p in poses])
    covered = disc_cover(free.shape, visited, radius_cells)
    assert coverable.sum() > 0.9 * region.sum()
    assert (covered & coverable).sum() >= 0.95 * coverable.sum()


def test_coverage_plan_covers_region_on_paper():
    free, region = couch_scene()
    radius = ROBOT_RADIUS / RES
    wps = coverage_waypoints(free, region, radius, 0.25 / RES, (5, 5))
    assert wps and all(free[w] for w in wps)
    # Straight lines between consecutive waypoints, as A* drives them on sweeps.
    centres = []
    for a, b in zip(wps, wps[1:], strict=False):
        n = max(abs(a[0] - b[0]), abs(a[1] - b[1])) + 1
        centres += list(zip(np.linspace(a[0], b[0], n), np.linspace(a[1], b[1], n), strict=True))
    coverable = region & dilate(reachable(free, (5, 5)), radius)
    covered = disc_cover(free.shape, np.array(centres), radius)
    assert (covered & coverable).sum() >= 0.98 * coverable.sum()


def test_clean_empty_when_region_unreachable():
    free = np.ones((30, 30), bool)
    free[:, 10] = False
    region = np.zeros_like(free)
    region[10:20, 25:29] = True
    frame = GridFrame((0.0, 0.0), RES, free.shape)
    skill = CleanSkill(frame, free, region, 0.1)
    assert skill.step((0.1, 0.1, 0.0)) is None
    assert skill.status == "empty"


def test_import_does_not_pull_pybullet():
    code = "import sys, sim.skills; assert 'pybullet' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
