"""NavigateSkill: drive to a point along an A* path with pure pursuit, one period at a time."""

from __future__ import annotations

import math

import numpy as np

from sim.skills.astar import Cell, astar, nearest_free
from sim.skills.frame import STOP, GridFrame, Pose, segment_distance
from sim.skills.pursuit import PurePursuit, wrap_angle


class NavigateSkill:
    """Drive to ``goal_xy`` along an A* path over ``free``, with pure pursuit.

    The path is planned at the first ``step`` from the pose's cell to the goal's cell (each
    snapped to the nearest free cell within ``snap_radius`` metres when not free); its last point
    is ``goal_xy`` itself when the goal's cell is free.

    Pure pursuit cuts corners, and A* paths hug walls, so every command's motion over one period
    is checked against ``free`` first. When it would leave the free cells the skill drives
    carefully for a while: it turns to face the next path cell and goes straight to its centre,
    which from a path cell never leaves the free cells; when it has drifted off the path it
    replans from its own cell ("soft" replans, at most ``max_soft_replans``). So in a kinematic
    world that starts on a free cell the robot's centre stays on free cells. With no progress
    for ``stuck_periods`` periods (a turn in place counts half) it marks the stretch of path
    ahead as blocked and replans, at most ``max_replans`` times.

    ``status``: "running"; "reached" (within the pursuit's goal tolerance of the last path point,
    which is the snapped goal when the goal's cell was not free); "unreachable" (no path, or
    still stuck after the last replan); "timeout" (``max_periods`` periods ran out; by default
    3x the path's driving time at ``v_max`` plus 5 s, extended by replans).
    """

    stuck_periods = 20
    max_replans = 3
    snap_radius = 1.0  # metres
    progress_epsilon = 0.005  # metres of path that count as progress
    careful_periods = 15  # periods of cell-by-cell driving after pursuit would clip a wall
    careful_turn = 0.3  # rad; heading error above which careful driving turns in place
    max_soft_replans = 20  # replans from the robot's cell when it is off the path (no blocking)

    def __init__(
        self,
        frame: GridFrame,
        free: np.ndarray,
        goal_xy: tuple[float, float],
        pursuit: PurePursuit | None = None,
        max_periods: int | None = None,
    ) -> None:
        self.frame = frame
        self.free = np.asarray(free, dtype=bool)
        if self.free.shape != tuple(frame.shape):
            raise ValueError(f"free has shape {self.free.shape}, frame says {frame.shape}")
        self.goal_xy = (float(goal_xy[0]), float(goal_xy[1]))
        self.pursuit = pursuit if pursuit is not None else PurePursuit()
        self.max_periods = max_periods
        self.status = "running"
        self.path_xy = np.empty((0, 2))
        self.path_cells: list[Cell] = []
        self.periods = 0
        self.replans = 0
        self._planned = False
        self._deadline = max_periods if max_periods is not None else 0
        self._blocked = np.zeros_like(self.free)
        self._progress = 0
        self._to_go = np.empty(0)
        self._best = math.inf
        self._since_best = 0.0
        self._last_weight = 0.0
        self._careful = 0
        self._soft_replans = 0

    def step(self, pose: Pose | np.ndarray) -> tuple[float, float] | None:
        """The (v, w) command for the next period, or None once finished (see ``status``)."""
        if self.status != "running":
            return None
        if not self._planned:
            self._planned = True
            if not self._plan(pose):
                self.status = "unreachable"
                return None
        v, w, progress, done = self.pursuit.command(pose, self.path_xy, self._progress)
        if done:
            self.status = "reached"
            return None
        if self.periods >= self._deadline:
            self.status = "timeout"
            return None
        self._progress = progress
        if self._stuck(pose):
            if self.replans >= self.max_replans:
                self.status = "unreachable"
                return None
            self.replans += 1
            self._block_ahead(pose)
            if not self._plan(pose):
                self.status = "unreachable"
                return None
            v, w, self._progress, done = self.pursuit.command(pose, self.path_xy, 0)
            if done:
                self.status = "reached"
                return None
        cmd = self._safe(pose, v, w)
        # Turns in place always end, so they count half towards being stuck.
        self._last_weight = 0.5 if cmd[0] == 0.0 and cmd[1] != 0.0 else 1.0
        self.periods += 1
        return cmd

    # Planning -----------------------------------------------------------------------------

    def _plan(self, pose: Pose | np.ndarray) -> bool:
        """Plan from the pose to the goal, around blocked cells if possible; False if no path."""
        snap = self.snap_radius / self.frame.res
        here = self.frame.to_cell(pose[0], pose[1])
        there = self.frame.to_cell(*self.goal_xy)
        cells: list[Cell] | None = None
        goal: Cell | None = None
        for use_blocks in (True, False) if self._blocked.any() else (False,):
            grid = self.free & ~self._blocked if use_blocks else self.free
            start = nearest_free(grid, here, snap)
            goal = nearest_free(grid, there, snap)
            if start is not None and goal is not None:
                cells = astar(grid, start, goal)
            if cells is not None:
                break
            # The blocks may have cut the only way through: forget them and try once more.
            self._blocked[:] = False
        if cells is None or goal is None:
            return False
        path = self.frame.path_to_world(cells)
        gx, gy = self.goal_xy
        if self.frame.contains(gx, gy) and self.frame.to_cell(gx, gy) == goal:
            path[-1] = (gx, gy)
        self.path_cells, self.path_xy = cells, path
        steps = np.hypot(*np.diff(path, axis=0).T) if len(path) > 1 else np.zeros(0)
        self._to_go = np.concatenate((np.cumsum(steps[::-1])[::-1], [0.0]))
        self._progress, self._best, self._since_best = 0, math.inf, 0.0
        self._last_weight, self._careful = 0.0, 0
        if self.max_periods is None:
            p = self.pursuit
            budget = int(3.0 * float(self._to_go[0]) / p.v_max / p.dt) + 50
            self._deadline = max(self._deadline, self.periods + budget)
        return True

    def _stuck(self, pose: Pose | np.ndarray) -> bool:
        """Track progress along the path; True after ``stuck_periods`` periods without any."""
        k = self._progress
        to_go = float(self._to_go[k]) + math.hypot(
            self.path_xy[k, 0] - pose[0], self.path_xy[k, 1] - pose[1]
        )
        if to_go < self._best - self.progress_epsilon:
            self._best, self._since_best = to_go, 0.0
        else:
            self._since_best += self._last_weight
        return self._since_best >= self.stuck_periods

    def _block_ahead(self, pose: Pose | np.ndarray) -> None:
        """Mark the path just ahead as blocked, so the replan looks for another way."""
        cells = self.path_cells
        if len(cells) < 3:
            return
        here = self.frame.to_cell(pose[0], pose[1])
        ahead = min(self._progress + 3, len(cells) - 2)
        r, c = cells[ahead]
        rows, cols = self.free.shape
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                cell = (r + dr, c + dc)
                if cell in (here, cells[-1]) or not (0 <= cell[0] < rows and 0 <= cell[1] < cols):
                    continue
                self._blocked[cell] = True

    # Safety -------------------------------------------------------------------------------

    def _free_at(self, x: float, y: float) -> bool:
        return self.frame.contains(x, y) and bool(self.free[self.frame.to_cell(x, y)])

    def _motion_ok(self, pose: Pose | np.ndarray, v: float, w: float) -> bool:
        """Whether (v, w) held for one period keeps the centre on free cells."""
        x, y, th = float(pose[0]), float(pose[1]), float(pose[2])
        dt = self.pursuit.dt
        # The Euler end point (what a simple integrator does) plus points on the exact arc.
        points = [(x + v * math.cos(th) * dt, y + v * math.sin(th) * dt)]
        for f in (0.25, 0.5, 0.75, 1.0):
            t = f * dt
            if abs(w) < 1e-9:
                points.append((x + v * math.cos(th) * t, y + v * math.sin(th) * t))
            else:
                points.append(
                    (
                        x + v / w * (math.sin(th + w * t) - math.sin(th)),
                        y - v / w * (math.cos(th + w * t) - math.cos(th)),
                    )
                )
        return all(self._free_at(px, py) for px, py in points)

    def _safe(self, pose: Pose | np.ndarray, v: float, w: float) -> tuple[float, float]:
        """The pursuit command, or careful cell-by-cell driving when it would leave free cells."""
        if self._careful > 0:
            pass
        elif v == 0.0 or not self._free_at(pose[0], pose[1]) or self._motion_ok(pose, v, w):
            # Turning in place cannot leave a cell; off the free cells, pursuit leads back.
            return v, w
        else:
            # Stay careful for a while (counting only periods that drive): handing back during a
            # careful turn would let pursuit's turn in place undo it, for ever.
            self._careful = self.careful_periods
        on_path = self._on_path(pose)
        cmd = self._careful_command(pose, on_path) if on_path else None
        if cmd is None and self._soft_replans < self.max_soft_replans:
            # Off the path, or no straight way on along it: a path from this very cell has one.
            self._soft_replans += 1
            careful = self._careful
            if self._plan(pose):
                self._careful = careful
                cmd = self._careful_command(pose, self._on_path(pose))
        elif cmd is None:
            cmd = self._careful_command(pose, on_path)
        if cmd is None:
            return STOP
        if cmd[0] > 0.0:
            self._careful -= 1
        return cmd

    def _on_path(self, pose: Pose | np.ndarray) -> bool:
        """Whether the robot is in a path cell next to its progress point, or near the path."""
        t, cells, pts = self._progress, self.path_cells, self.path_xy
        here = self.frame.to_cell(pose[0], pose[1])
        if here in cells[max(t - 1, 0) : t + 2]:
            return True
        near = [
            segment_distance(pts[i], pts[i + 1], pose[0], pose[1])
            for i in (t - 1, t)
            if 0 <= i < len(pts) - 1
        ]
        return bool(near) and min(near) < 0.5 * self.frame.res

    def _careful_command(
        self, pose: Pose | np.ndarray, on_path: bool
    ) -> tuple[float, float] | None:
        """Drive to the path point after the nearest one: face it, then go straight (or None).

        From within a path cell, the straight line to the centre of the next path cell stays in
        the two cells (or, for a diagonal step, in the free 2x2 block A* demands), so this gets
        through gaps and round corners where pure pursuit's arcs would clip the walls. Off the
        path it heads back to the nearest path point instead.
        """
        p = self.pursuit
        x, y, th = float(pose[0]), float(pose[1]), float(pose[2])
        pts = self.path_xy
        last = len(pts) - 1
        t = min(self._progress + 1, last) if on_path else self._progress
        d = math.hypot(pts[t, 0] - x, pts[t, 1] - y)
        if d < 0.25 * self.frame.res and t < last:
            t += 1
            d = math.hypot(pts[t, 0] - x, pts[t, 1] - y)
        alpha = wrap_angle(math.atan2(pts[t, 1] - y, pts[t, 0] - x) - th)
        turn = (0.0, math.copysign(min(p.w_max, abs(alpha) / p.dt), alpha))
        if d < 1e-6:
            return None
        if abs(alpha) > self.careful_turn:
            return turn
        # Half the gap per period at most: never overshoots the point.
        v = min(0.5 * p.v_max, 0.5 * d / p.dt)
        w = v * 2.0 * math.sin(alpha) / d
        if abs(w) > p.w_max:
            v *= p.w_max / abs(w)
            w = math.copysign(p.w_max, w)
        if self._motion_ok(pose, v, w):
            return v, w
        return turn if abs(alpha) > 1e-3 else None
