"""Pure-pursuit path following for a differential-drive (unicycle) robot.

The controller is stateless: the caller keeps ``progress`` (the index of the path point the robot
has passed) and feeds it back, so one instance can follow many paths.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def wrap_angle(a: float) -> float:
    """The angle ``a`` wrapped into [-pi, pi)."""
    return (a + math.pi) % (2.0 * math.pi) - math.pi


@dataclass
class PurePursuit:
    """Classic pure pursuit: steer along the circular arc through a point ``lookahead`` ahead.

    Attributes:
        lookahead: distance (m) from the robot to the point it steers at.
        v_max: top forward speed (m/s).
        w_max: top yaw rate (rad/s).
        goal_tolerance: the robot is done within this distance (m) of the path's last point.
        turn_in_place: heading error (rad) above which the robot rotates on the spot (v = 0);
            a differential drive turns without sweeping sideways, which is the safe way round
            obstacles it is hugging.
        dt: the control period (s) a command is held for; speeds are capped so that one period
            never overshoots the goal or the heading.
        goal_gain: speed per metre of remaining path (1/s) near the end: v <= goal_gain * remaining
            shrinks the gap by a fixed fraction each period, so the robot stops on the goal.
    """

    lookahead: float = 0.25
    v_max: float = 0.35
    w_max: float = 1.5
    goal_tolerance: float = 0.05
    turn_in_place: float = 0.9
    dt: float = 0.1
    goal_gain: float = 2.0

    def command(
        self, pose: tuple[float, float, float] | np.ndarray, path_xy: np.ndarray, progress: int
    ) -> tuple[float, float, int, bool]:
        """One control step towards the end of ``path_xy``.

        Args:
            pose: the robot's (x, y, theta).
            path_xy: (N, 2) array of path points in metres, N >= 1.
            progress: index of the path point the robot has already passed (0 at the start).

        Returns:
            ``(v, w, new_progress, done)``; ``new_progress >= progress`` and ``done`` is True
            (with v = w = 0) once the robot is within ``goal_tolerance`` of the last point.
        """
        pts = np.asarray(path_xy, dtype=float).reshape(-1, 2)
        n = len(pts)
        if n == 0:
            raise ValueError("path_xy is empty")
        x, y, th = float(pose[0]), float(pose[1]), float(pose[2])
        last = n - 1
        progress = min(max(int(progress), 0), last)

        dist = np.hypot(pts[:, 0] - x, pts[:, 1] - y)
        if dist[last] <= self.goal_tolerance:
            return 0.0, 0.0, last, True

        cum = np.concatenate(([0.0], np.cumsum(np.hypot(*np.diff(pts, axis=0).T))))
        # Advance to the nearest point within one lookahead of arc ahead: bounding the window
        # keeps a path that doubles back on itself from being skipped.
        window_end = int(np.searchsorted(cum, cum[progress] + self.lookahead, side="right"))
        window_end = min(max(window_end, progress + 2), n)
        progress += int(np.argmin(dist[progress:window_end]))

        ahead = np.nonzero(dist[progress + 1 :] >= self.lookahead)[0]
        target = progress + 1 + int(ahead[0]) if len(ahead) else last
        tx, ty = pts[target]
        dist_t = float(dist[target])
        alpha = wrap_angle(math.atan2(ty - y, tx - x) - th)
        remaining = dist_t + float(cum[last] - cum[target])

        if abs(alpha) > self.turn_in_place:
            # Rotate on the spot; |alpha| / dt makes the last period land on the heading.
            w = math.copysign(min(self.w_max, abs(alpha) / self.dt), alpha)
            return 0.0, w, progress, False

        # Slow down when turning (cos^2 is 1 straight ahead, ~0.4 at the turn-in-place limit).
        v = self.v_max * math.cos(alpha) ** 2
        # goal_gain * dt < 1 means one period never carries the robot past the goal.
        v = min(v, self.goal_gain * remaining, 0.5 * remaining / self.dt)
        w = v * 2.0 * math.sin(alpha) / max(dist_t, 1e-9)
        if abs(w) > self.w_max:
            # Keep the arc's curvature, just travel it more slowly.
            v *= self.w_max / abs(w)
            w = math.copysign(self.w_max, w)
        return v, w, progress, False
