"""Goals <-> class indices for the auxiliary goal heads (and `roomby parse` from the model).

A goal is one to `slots` steps (a `sequence` has two or three); each step has four fields, each
a class with "none" at index 0: task, object type, colour, room. A goal with fewer steps leaves
the later slots all "none". How many slots a model's goal head has, and which step tasks it
knows, is its config's (`model.goal_slots`, `model.goal_memory_tasks`): `GoalCodec.of(cfg)`.
`LEGACY` is what checkpoints from before the memory families read: two steps of the four single
tasks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agent.model.config import LEGACY_GOAL, ModelConfig
from sim.catalog import COLOR_NAMES, FURNITURE_TYPES, ROOM_TYPES
from sim.language import STEP_TASKS, TASKS, normalize_goal
from sim.tasks import goal_steps


@dataclass(frozen=True)
class GoalCodec:
    slots: int
    """Step slots: the most steps of a command the goal head reads."""
    tasks: tuple[str, ...] = TASKS
    """Step tasks the task field knows."""

    @classmethod
    def of(cls, cfg) -> GoalCodec:
        """The codec of a `ModelConfig`."""
        return cls(int(cfg.goal_slots), STEP_TASKS if cfg.goal_memory_tasks else TASKS)

    @property
    def fields(self) -> dict[str, tuple[str, ...]]:
        return {"task": self.tasks, "object": FURNITURE_TYPES, "color": COLOR_NAMES,
                "room": ROOM_TYPES}

    @property
    def sizes(self) -> tuple[int, ...]:
        """Classes per field (+ "none")."""
        return tuple(len(v) + 1 for v in self.fields.values())

    def fits(self, goal: dict) -> str | None:
        """Why this codec cannot state `goal` (None: it can)."""
        return self._misfit(goal_steps(normalize_goal(goal)))

    def _misfit(self, steps: list[dict]) -> str | None:
        if len(steps) > self.slots:
            return (f"{len(steps)} steps; this model's goal head reads at most {self.slots} "
                    f"(model.goal_slots)")
        unknown = [s["task"] for s in steps if s["task"] not in self.tasks]
        if unknown:
            return (f"step task {unknown[0]!r} is not one this model's goal head knows "
                    f"({', '.join(self.tasks)}; model.goal_memory_tasks adds the steps that go "
                    f"back)")
        return None

    def encode(self, goal: dict) -> np.ndarray:
        """[slots, 4] int64 class indices (0 = none) of a goal in the sim's schema; ValueError
        for a goal it cannot state."""
        steps = goal_steps(normalize_goal(goal))
        why = self._misfit(steps)
        if why is not None:
            raise ValueError(f"goal {goal} cannot be a training target: {why}")
        out = np.zeros((self.slots, 4), dtype=np.int64)
        for s, step in enumerate(steps):
            for f, (name, values) in enumerate(self.fields.items()):
                v = step.get(name)
                out[s, f] = 0 if v is None else values.index(v) + 1
        return out

    def decode(self, classes: np.ndarray) -> dict | None:
        """Inverse of `encode`; None when the first slot has no task."""
        steps = []
        for s in range(self.slots):
            row = classes[s]
            if row[0] == 0:
                break
            steps.append({name: (None if row[f] == 0 else values[int(row[f]) - 1])
                          for f, (name, values) in enumerate(self.fields.items())})
        if not steps:
            return None
        return steps[0] if len(steps) == 1 else {"task": "sequence", "steps": steps}


LEGACY = GoalCodec.of(ModelConfig(**LEGACY_GOAL))
"""Two steps of the four single tasks: checkpoints written before three-step commands."""
DEFAULT_CODEC = GoalCodec.of(ModelConfig())
"""The default model's: three steps, the steps that go back included."""
