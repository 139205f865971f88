"""The pose a robot believes: wheel odometry that drifts from the truth, corrected now and then
by re-localisation (as a SLAM stack's loop closures or scan matching do).

Odometry measures each period's motion in the robot's own frame with a per-episode scale error
(wheel radius) and a random heading error that grows with the distance driven; the believed
pose integrates those measurements. `drift` is the position error per metre driven (1 sigma,
m/m): the scale error's sigma is `drift`, and the heading random walk's sigma per metre is
`drift` rad (whose lateral error, after L m driven straight, has sigma drift * L^1.5 / sqrt(3)).
Every `relocalise_every` metres the belief is pulled back to the truth, to within
`residual` m: a jump the agent sees.
"""

from __future__ import annotations

import math

import numpy as np

Pose = tuple[float, float, float]


def _wrap(a: float) -> float:
    return math.atan2(math.sin(a), math.cos(a))


class DriftingOdometry:
    """The believed pose of one episode (see the module doc)."""

    def __init__(self, rng: np.random.Generator, drift: float, relocalise_every: float = 5.0,
                 residual: float = 0.02):
        self.rng, self.drift = rng, float(drift)
        self.relocalise_every, self.residual = float(relocalise_every), float(residual)
        self.scale = 1.0
        self.belief: Pose = (0.0, 0.0, 0.0)
        self._truth: Pose = (0.0, 0.0, 0.0)
        self.since = 0.0  # metres since the last re-localisation
        self.relocalised = 0

    def reset(self, truth: Pose) -> Pose:
        self.scale = 1.0 + (self.rng.normal(0.0, self.drift) if self.drift > 0 else 0.0)
        self.belief, self._truth, self.since, self.relocalised = truth, truth, 0.0, 0
        return self.belief

    def step(self, truth: Pose) -> Pose:
        """The robot moved to `truth`; returns the new belief."""
        x0, y0, t0 = self._truth
        x1, y1, t1 = truth
        self._truth = truth
        if self.drift <= 0:
            self.belief = truth
            return truth
        c, s = math.cos(t0), math.sin(t0)
        dx, dy = x1 - x0, y1 - y0
        fwd, side = c * dx + s * dy, -s * dx + c * dy  # the motion in the robot's frame
        dist = math.hypot(fwd, side)
        dth = _wrap(t1 - t0) + self.rng.normal(0.0, self.drift * math.sqrt(dist)) \
            if dist > 0 else _wrap(t1 - t0)
        fwd, side = fwd * self.scale, side * self.scale
        bx, by, bt = self.belief
        bc, bs = math.cos(bt), math.sin(bt)
        self.belief = (bx + bc * fwd - bs * side, by + bs * fwd + bc * side, _wrap(bt + dth))
        self.since += dist
        if self.relocalise_every > 0 and self.since >= self.relocalise_every:
            self.since = 0.0
            self.relocalised += 1
            ex, ey = self.rng.normal(0.0, self.residual, 2)
            self.belief = (x1 + ex, y1 + ey, _wrap(t1 + self.rng.normal(0.0, self.residual)))
        return self.belief
