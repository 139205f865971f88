"""Goals <-> class indices for the auxiliary goal heads (and `roomby parse` from the model).

A goal is one or two steps (a `sequence` has two); each step has four fields, each a class with
"none" at index 0: task (the four step tasks), object type, colour, room. A single goal leaves
the second slot all "none".
"""

from __future__ import annotations

import numpy as np

from sim.catalog import COLOR_NAMES, FURNITURE_TYPES, ROOM_TYPES
from sim.language import TASKS, normalize_goal

SLOTS = 2
FIELDS: dict[str, tuple[str, ...]] = {
    "task": TASKS,
    "object": FURNITURE_TYPES,
    "color": COLOR_NAMES,
    "room": ROOM_TYPES,
}
SIZES: tuple[int, ...] = tuple(len(v) + 1 for v in FIELDS.values())  # + "none"


def encode_goal(goal: dict) -> np.ndarray:
    """[SLOTS, 4] int64 class indices (0 = none) of a goal in the sim's schema."""
    goal = normalize_goal(goal)
    steps = goal["steps"] if goal["task"] == "sequence" else [goal]
    assert len(steps) <= SLOTS, f"goals have at most {SLOTS} steps, got {len(steps)}"
    out = np.zeros((SLOTS, len(FIELDS)), dtype=np.int64)
    for s, step in enumerate(steps):
        for f, (name, values) in enumerate(FIELDS.items()):
            v = step.get(name)
            out[s, f] = 0 if v is None else values.index(v) + 1
    return out


def decode_goal(classes: np.ndarray) -> dict | None:
    """Inverse of `encode_goal`; None when the first slot has no task."""
    steps = []
    for s in range(SLOTS):
        row = classes[s]
        if row[0] == 0:
            break
        steps.append({name: (None if row[f] == 0 else values[int(row[f]) - 1])
                      for f, (name, values) in enumerate(FIELDS.items())})
    if not steps:
        return None
    return steps[0] if len(steps) == 1 else {"task": "sequence", "steps": steps}
