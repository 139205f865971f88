"""Wheel slip and velocity noise: the motion a differential-drive base makes for a commanded
(v, w) differs from it, a little each control period (the actuation noise Habitat adopted from
LoCoBot measurements: Murali et al., "PyRobot", 2019, whose base moved with a few per cent
error in distance and heading per step)."""

from __future__ import annotations

import numpy as np

LINEAR_SIGMA = 0.05
"""Relative error of the linear speed per period (1 sigma), at strength 1."""
ANGULAR_SIGMA = 0.08
"""Relative error of the turn rate per period (1 sigma), at strength 1."""
ANGULAR_BIAS = 0.02
"""Turn rate (rad/s) a slipping wheel adds while driving at full speed (1 sigma), at strength 1."""


def slip(v: float, w: float, rng: np.random.Generator, strength: float = 1.0,
         v_max: float = 0.35) -> tuple[float, float]:
    """The (v, w) the base actually makes for a commanded (v, w): multiplicative errors and a
    small turn while driving; a base at rest stays at rest."""
    if strength <= 0 or (v == 0.0 and w == 0.0):
        return v, w
    e = rng.normal(0.0, 1.0, 3) * strength
    v2 = v * (1.0 + LINEAR_SIGMA * e[0])
    w2 = w * (1.0 + ANGULAR_SIGMA * e[1]) + ANGULAR_BIAS * e[2] * abs(v) / v_max
    return float(v2), float(w2)
