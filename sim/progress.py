"""Progress through a goal's steps during an episode, and the episode's metrics.

Metrics (in every `info`):
- success: the goal held when the robot stopped (every earlier step held, in order, at the end of
  some decision or control period before).
- spl (Anderson et al. 2018): success * l / max(p, l), with l the shortest path from the start
  through the steps' regions (on the planner's grid) and p the distance the robot drove, less
  what it drove inside the region of a vacuum step it was on (cleaning is the work, not a
  detour).
- coverage: mean over steps of the fraction of the step's region (target footprint or room)
  whose reachable floor is clean.
- collisions: control periods in which the robot touched an obstacle.
- steps: decisions taken (skill env) or control periods (motor env).
"""

from __future__ import annotations

import numpy as np

from sim.grid import FINE, FINE_RES, HomeGrid
from sim.home import Home
from sim.skills.astar import astar, path_length
from sim.tasks import Task, goal_steps, task_for


class GoalProgress:
    """Which step of the goal is current, and the numbers the metrics need."""

    def __init__(self, home: Home, grid: HomeGrid, goal: dict, start_xy: tuple[float, float]):
        self.home, self.grid, self.goal = home, grid, goal
        self.steps = goal_steps(goal)
        self.tasks: list[Task] = [task_for(g) for g in self.steps]
        n = len(self.steps)
        # A step that goes back (sim.tasks.go_back) is scored on its resolved goal, known once
        # the step before it has begun; until then its region is empty.
        self.resolved: list[dict | None] = [None] * n
        self.regions: list[np.ndarray | None] = [None] * n
        # Flat indices of each region's reachable floor: coverage is a mean over these.
        self._reach: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * n
        self._approach: list[np.ndarray | None] = [None] * n
        self.start_xy = start_xy
        self.room = home.room_at(*start_xy)
        """The room the robot is in, or was last in (None only before it has been in one)."""
        self.began: list[str | None] = [self.room] + [None] * (n - 1)
        """The room the robot was in when each step began (None: not begun)."""
        self.index = 0
        self._resolve()
        self.distance = 0.0
        self.travel = 0.0  # distance that counts for SPL
        self.collisions = 0
        self.stopped = False
        self.success = False
        self._spl: float | None = None

    def _resolve(self) -> None:
        """Resolve every step whose place is known now, and compute its regions."""
        for k, step in enumerate(self.steps):
            if self.resolved[k] is not None:
                continue
            if step["task"] == "return":
                goal = {**step, "xy": tuple(self.start_xy)}
            elif step["task"] == "previous_room":
                if k == 0 or self.began[k - 1] is None:
                    continue
                goal = {**step, "room": self.began[k - 1]}
            else:
                goal = step
            self.resolved[k] = goal
            task = self.tasks[k]
            self.regions[k] = task.region(self.home, self.grid, goal)
            self._reach[k] = np.flatnonzero(self.regions[k] & self.grid.coverable)
            self._approach[k] = task.approach_region(self.home, self.grid, goal)

    @property
    def current(self) -> dict:
        """The current step's goal, resolved (a step that goes back names its place)."""
        return self.resolved[self.index] or self.steps[self.index]

    @property
    def is_last(self) -> bool:
        return self.index == len(self.steps) - 1

    def achieved(self, k: int, xy: tuple[float, float], cleaned: np.ndarray) -> bool:
        goal = self.resolved[k]
        if goal is None:  # a previous_room whose step before has not begun (or began nowhere)
            return False
        return self.tasks[k].achieved(self.home, self.grid, goal, xy, cleaned)

    def after_motion(self, xy: tuple[float, float], moved: float) -> None:
        """Account one control period of motion."""
        room = self.home.room_at(*xy)
        if room is not None:
            self.room = room
        self.distance += moved
        r, c = FINE.to_cell(*xy)
        approach = self._approach[self.index]
        cleaning = self.current["task"].startswith("vacuum") and approach is not None and \
            approach[r, c]
        if not cleaning:
            self.travel += moved

    def after_decision(self, xy: tuple[float, float], cleaned: np.ndarray) -> int:
        """Advance past steps (all but the last) that now hold; returns how many advanced."""
        n = 0
        while not self.is_last and self.achieved(self.index, xy, cleaned):
            self.index += 1
            self.began[self.index] = self.room
            self._resolve()
            n += 1
        return n

    def resume(self) -> None:
        """The robot drives on after a stop (a robot on /cmd_vel): its next stop is judged."""
        self.stopped, self.success, self._spl = False, False, None

    def stop(self, xy: tuple[float, float], cleaned: np.ndarray) -> bool:
        self.after_decision(xy, cleaned)
        self.stopped = True
        self.success = self.is_last and self.achieved(self.index, xy, cleaned)
        return self.success

    def _coverage(self, k: int, cleaned: np.ndarray) -> float:
        idx = self._reach[k]
        return np.count_nonzero(cleaned.reshape(-1)[idx]) / len(idx) if len(idx) else 0.0

    def coverage(self, cleaned: np.ndarray) -> float:
        return float(np.mean([self._coverage(k, cleaned) for k in range(len(self.steps))]))

    def region_coverage(self, cleaned: np.ndarray) -> float:
        """Coverage of the current step's region (for shaping rewards)."""
        return self._coverage(self.index, cleaned)

    def shortest_path(self) -> float:
        """Geodesic length from the start through each step's region, in order."""
        cell = self.grid.nearest_reachable(*self.start_xy)
        total = 0.0
        for approach in self._approach:
            if approach is None:
                return float("nan")
            if approach[cell]:
                continue
            path = astar(self.grid.reachable, cell, approach)
            if path is None:
                return float("nan")
            total += path_length(path, FINE_RES)
            cell = path[-1]
        return total

    def spl(self) -> float:
        if not self.success:
            return 0.0
        if self._spl is None:  # an A* search: computed once, after the stop
            self._spl = self._compute_spl()
        return self._spl

    def _compute_spl(self) -> float:
        shortest = self.shortest_path()
        p = self.travel
        if not np.isfinite(shortest) or max(p, shortest) <= 0:
            return 1.0
        return float(shortest / max(p, shortest))
