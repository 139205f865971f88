"""The `env` section of a Roomby config: which env to build and how (see configs/env.yaml)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym


@dataclass
class EnvConfig:
    """Settings of the simulated environment."""

    id: str = "Roomby/Mixed-v0"
    """Registered Gymnasium id (`sim.registration.ENV_SPECS`): task family and home size."""
    split: str = "train"
    """train | heldout (held-out homes) | heldout_phrasing | heldout_pairs (colour x object)."""
    perception: str = "oracle"
    """How the semantic layer is filled: 'oracle' (ground-truth segmentation)."""
    n_rooms: list[int] = field(default_factory=list)
    """[min, max] rooms per home; empty keeps the id's default (3-6, or 1 for -OneRoom)."""
    camera_width: int = 80
    """Camera image width in pixels."""
    camera_height: int = 60
    """Camera image height in pixels."""
    hfov_deg: float = 90.0
    """Camera horizontal field of view, degrees."""
    render_every: int = 3
    """Skill env: control periods between camera frames while a skill runs."""

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
