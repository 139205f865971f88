"""What a real robot's sensors and wheels do to the simulation: one profile of strengths
(`Realism`, named in `PROFILES`) and, per env, the `Rig` that applies it each episode, drawing
from the env's `np_random`. With the `ideal` profile the rig changes nothing and draws nothing,
so ideal episodes are what they were without it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np

from sim.realism.color import ColorLook, noisy_rgb
from sim.realism.depth import noisy_depth
from sim.realism.motion import slip
from sim.realism.odometry import DriftingOdometry, Pose


@dataclass(frozen=True)
class Realism:
    """Strengths of each model (0 = exact)."""

    depth: float = 0.0
    """Depth camera errors (sim/realism/depth.py): 1 = the cited models."""
    color: float = 0.0
    """Colour camera errors (sim/realism/color.py): 1 = the documented spreads."""
    slip: float = 0.0
    """Wheel slip and velocity noise (sim/realism/motion.py): 1 = the documented spreads."""
    drift: float = 0.0
    """Odometry drift, metres of position error per metre driven (sim/realism/odometry.py)."""
    relocalise_every: float = 5.0
    """Metres driven between re-localisations (0: never)."""

    @property
    def ideal(self) -> bool:
        return self.depth == self.color == self.slip == self.drift == 0.0

    def to_dict(self) -> dict:
        return asdict(self)


PROFILES: dict[str, Realism] = {
    "ideal": Realism(),
    "realistic": Realism(depth=1.0, color=1.0, slip=1.0, drift=0.02),
}
"""`env.realism`: ideal (the default: exactness where it is the point) or realistic (what a
robot vacuum with a consumer RGB-D camera and wheel odometry sees: 2 cm of drift per metre)."""


def realism_of(profile: str | Realism | dict | None, **overrides: float | None) -> Realism:
    """A profile by name (or as given), with the strengths `overrides` set (None: keep)."""
    if profile is None:
        base = PROFILES["ideal"]
    elif isinstance(profile, Realism):
        base = profile
    elif isinstance(profile, dict):
        base = Realism(**profile)
    elif profile in PROFILES:
        base = PROFILES[profile]
    else:
        raise ValueError(f"realism {profile!r} is not one of {list(PROFILES)}")
    changes = {k: float(v) for k, v in overrides.items() if v is not None}
    bad = [k for k, v in changes.items() if not np.isfinite(v) or v < 0]
    if bad:
        raise ValueError(f"realism strengths must be finite and >= 0: {bad}")
    return replace(base, **changes)


class Rig:
    """Applies a `Realism` to one env's episodes (see the module doc)."""

    def __init__(self, realism: Realism):
        self.realism = realism
        self.rng: np.random.Generator | None = None
        self.look = ColorLook()
        self.odometry: DriftingOdometry | None = None
        self._belief: Pose | None = None

    def reset(self, rng: np.random.Generator, truth: Pose) -> None:
        self.rng = rng
        r = self.realism
        if r.ideal:
            self._belief = None
            return
        self.look = ColorLook.draw(rng, r.color)
        self.odometry = DriftingOdometry(rng, r.drift, r.relocalise_every)
        self._belief = self.odometry.reset(truth)

    def command(self, v: float, w: float) -> tuple[float, float]:
        """The (v, w) the wheels make for a commanded one."""
        if self.realism.slip <= 0 or self.rng is None:
            return v, w
        return slip(v, w, self.rng, self.realism.slip)

    def moved(self, truth: Pose) -> None:
        if self.odometry is not None and self._belief is not None:
            self._belief = self.odometry.step(truth)

    def belief(self, truth: Pose) -> Pose:
        """The pose the robot believes it has (the truth when there is no drift)."""
        return truth if self._belief is None else self._belief

    @property
    def relocalised(self) -> int:
        return self.odometry.relocalised if self.odometry is not None else 0

    def camera(self, rgb: np.ndarray, depth: np.ndarray, *, fx: float, near: float, far: float
               ) -> tuple[np.ndarray, np.ndarray]:
        """The images the cameras report for clean ones."""
        r = self.realism
        if self.rng is None or (r.depth <= 0 and r.color <= 0):
            return rgb, depth
        depth = noisy_depth(depth, rgb, self.rng, fx=fx, near=near, far=far, strength=r.depth)
        rgb = noisy_rgb(rgb, self.rng, self.look, strength=r.color)
        return rgb, depth
