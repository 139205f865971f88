"""The `env` section of a Roomby config: which env to build and how (see configs/env.yaml)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import gymnasium as gym

from sim.bounds import Ascending, Length, OneOf, Positive, Range
from sim.catalog import ROOM_TYPES
from sim.realism import PROFILES, Realism, realism_of
from sim.registration import ENV_SPECS
from sim.tasks.base import SPLITS


@dataclass
class EnvConfig:
    """Settings of the simulated environment."""

    id: Annotated[str, OneOf(tuple(ENV_SPECS))] = "Roomby/Mixed-v0"
    """Registered Gymnasium id (`sim.registration.ENV_SPECS`): task family and home size."""
    split: Annotated[str, OneOf(SPLITS)] = "train"
    """train | heldout (held-out homes) | heldout_phrasing | heldout_pairs (colour x object)."""
    perception: Literal["oracle"] = "oracle"
    """How the semantic layer is filled: 'oracle' (ground-truth segmentation)."""
    n_rooms: Annotated[list[Annotated[int, Range(ge=1, le=len(ROOM_TYPES))]],
                       Length((0, 2)), Ascending()] = field(default_factory=list)
    """[min, max] rooms per home; empty keeps the id's default (3-6, or 1 for -OneRoom)."""
    camera_width: Annotated[int, Range(ge=16, le=1280)] = 80
    """Camera image width in pixels."""
    camera_height: Annotated[int, Range(ge=16, le=960)] = 60
    """Camera image height in pixels."""
    hfov_deg: Annotated[float, Range(gt=0.0, lt=180.0)] = 90.0
    """Camera horizontal field of view, degrees."""
    reader: Literal["raw", "canonical"] = "raw"
    """How the policy reads the instruction: 'raw' (the tokens of the text as the sim states
    it) or 'canonical' (first rewritten by the free-text reader, sim/free_text.py, into the
    phrasings training used: what `roomby run` and the ROS agent node do with people's
    commands)."""
    render_every: Positive = 3
    """Skill env: control periods between camera frames while a skill runs."""
    realism: Annotated[str, OneOf(tuple(PROFILES))] = "ideal"
    """Sensor and actuation models (sim/realism/): 'ideal' (exact camera, wheels and pose) or
    'realistic' (noisy, holey depth; exposure, white balance, blur and noise; wheel slip;
    odometry drifting 2 cm per metre, re-localised every 5 m). Success is judged on the truth."""
    depth_noise: Annotated[float, Range(ge=0.0, le=10.0)] | None = None
    """Depth model strength (1 = the cited Kinect models); None: the realism profile's."""
    color_noise: Annotated[float, Range(ge=0.0, le=10.0)] | None = None
    """Colour camera model strength (1 = the documented spreads); None: the profile's."""
    wheel_slip: Annotated[float, Range(ge=0.0, le=10.0)] | None = None
    """Wheel slip strength (1 = the documented spreads); None: the profile's."""
    pose_drift: Annotated[float, Range(ge=0.0, le=1.0)] | None = None
    """Odometry drift, metres of position error per metre driven; None: the profile's."""

    def realism_model(self) -> Realism:
        """The profile with the strengths set here."""
        return realism_of(self.realism, depth=self.depth_noise, color=self.color_noise,
                          slip=self.wheel_slip, drift=self.pose_drift)

    @property
    def level(self) -> str:
        """'motor' for a -Motor id (wheel actions every period), else 'skill'."""
        import sim  # noqa: F401  (registers the ids)

        return "motor" if gym.spec(self.id).entry_point.endswith("RoombyMotorEnv") else "skill"

    def make(self, **overrides: Any) -> gym.Env:
        """Build the env (wrapped with its registered time limit)."""
        import sim  # noqa: F401  (registers the ids)

        kwargs: dict[str, Any] = {
            "split": self.split,
            "reader": self.reader,
            "realism": self.realism_model(),
            "perception": self.perception,
            "camera": {"width": self.camera_width, "height": self.camera_height,
                       "hfov_deg": self.hfov_deg},
        }
        if self.n_rooms:
            if len(self.n_rooms) != 2 or self.n_rooms[0] > self.n_rooms[1]:
                raise ValueError(f"env.n_rooms must be [min, max], got {self.n_rooms}")
            kwargs["n_rooms"] = tuple(self.n_rooms)
        if gym.spec(self.id).entry_point.endswith("RoombySkillEnv"):
            kwargs["render_every"] = self.render_every
        kwargs.update(overrides)
        return gym.make(self.id, **kwargs)
