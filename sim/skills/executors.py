"""Stateful skills that turn a goal into velocity commands, one control period at a time.

A skill holds no simulator: each period the caller passes the robot's pose to ``step``, applies
the returned (v, w) for one period, and calls again, until ``step`` returns None; ``status`` then
says how it ended. There is no stop skill: stopping is simply publishing zero velocity, ``STOP``.

``NavigateSkill`` lives in ``sim.skills.navigate`` and ``GridFrame`` in ``sim.skills.frame``;
both are re-exported here.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sim.skills.astar import Cell
from sim.skills.coverage import coverage_waypoints
from sim.skills.frame import STOP, GridFrame, Pose
from sim.skills.navigate import NavigateSkill
from sim.skills.pursuit import PurePursuit

__all__ = ["STOP", "CleanSkill", "GridFrame", "NavigateSkill"]


class CleanSkill:
    """Cover ``region`` with a boustrophedon plan, driving to each waypoint with NavigateSkill.

    At the first ``step`` the coverage waypoints are planned from the pose's cell
    (``coverage_waypoints`` with the radius and spacing converted to cells); an unreachable or
    timed-out waypoint is skipped (its index lands in ``skipped``). ``status``: "running", "done",
    "timeout" (``max_periods`` ran out; by default about 3x the tour's driving time), or "empty"
    (no reachable free cell lets the robot's disc reach the region).
    """

    def __init__(
        self,
        frame: GridFrame,
        free: np.ndarray,
        region: np.ndarray,
        radius: float,
        spacing: float = 0.25,
        pursuit: PurePursuit | None = None,
        max_periods: int | None = None,
    ) -> None:
        self.frame = frame
        self.free = np.asarray(free, dtype=bool)
        self.region = np.asarray(region, dtype=bool)
        if self.free.shape != tuple(frame.shape) or self.region.shape != self.free.shape:
            raise ValueError("free and region must both have the frame's shape")
        self.radius = float(radius)
        self.spacing = float(spacing)
        base = pursuit if pursuit is not None else PurePursuit()
        # The plan counts on the robot's centre reaching each waypoint's own cell: some edge
        # cells are in reach from that cell only, so stop within 0.4 cells of its centre.
        tol = min(base.goal_tolerance, 0.4 * frame.res)
        self.pursuit = replace(base, goal_tolerance=tol)
        self.max_periods = max_periods
        self.status = "running"
        self.waypoints: list[Cell] = []
        self.waypoints_xy = np.empty((0, 2))
        self.index = 0
        self.skipped: list[int] = []
        self.periods = 0
        self.nav: NavigateSkill | None = None
        self._planned = False
        self._deadline = 0

    def step(self, pose: Pose | np.ndarray) -> tuple[float, float] | None:
        """The (v, w) command for the next period, or None once finished (see ``status``)."""
        if self.status != "running":
            return None
        if not self._planned:
            self._planned = True
            self._plan(pose)
            if not self.waypoints:
                self.status = "empty"
                return None
        if self.periods >= self._deadline:
            self.status = "timeout"
            return None
        while self.index < len(self.waypoints):
            if self.nav is None:
                goal = tuple(self.waypoints_xy[self.index])
                self.nav = NavigateSkill(self.frame, self.free, goal, self.pursuit)
            cmd = self.nav.step(pose)
            if cmd is not None:
                self.periods += 1
                return cmd
            if self.nav.status != "reached":
                self.skipped.append(self.index)
            self.index += 1
            self.nav = None
        self.status = "done"
        return None

    def _plan(self, pose: Pose | np.ndarray) -> None:
        res = self.frame.res
        start = self.frame.to_cell(pose[0], pose[1])
        self.waypoints = coverage_waypoints(
            self.free, self.region, self.radius / res, self.spacing / res, start
        )
        self.waypoints_xy = self.frame.path_to_world(self.waypoints)
        if self.max_periods is not None:
            self._deadline = self.max_periods
        elif self.waypoints:
            pts = np.vstack(([pose[0], pose[1]], self.waypoints_xy))
            length = float(np.hypot(*np.diff(pts, axis=0).T).sum())
            p = self.pursuit
            # Driving time x3, plus a turn in place at every waypoint.
            self._deadline = int(3.0 * length / p.v_max / p.dt) + 30 * len(self.waypoints) + 100
