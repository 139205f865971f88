"""A checkpoint's perception calibration, read: how the semantic map corrects the learned
perception's type readings by room type (`agent.train.calibration` counts it).

From a camera 8.5 cm above the floor some types are the same box in the same colour (a fridge and
a bookshelf; a table and a desk) and no single frame tells them apart. Homes do: a fridge stands
in a kitchen, a bookshelf never does. The map knows each cell's room, so a hit read as type k in a
room of type r is counted as the true types that such hits were in the training homes,
`P(true | read k, room r)`, instead of as k.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.catalog import ROOM_TYPES
from sim.semantic_map import N_TYPES

CONFIDENCE_POWER = 4.0
"""Type readings count for the type head's top probability ^ 4 (`sim.semantic_map.
type_confidence`): on held-out frames that moves most of the weight to the right type where
argmax counts split it (docs/model.md)."""


def type_given_room(meta: dict[str, Any]) -> np.ndarray | None:
    """A checkpoint's calibration (its metadata's `perception_calibration`), or None."""
    cal = meta.get("perception_calibration")
    if not cal:
        return None
    m = np.asarray(cal["type_given_room"], dtype=np.float32)
    want = (len(ROOM_TYPES) + 1, N_TYPES, N_TYPES)
    if m.shape != want:
        raise ValueError(f"the checkpoint's perception_calibration.type_given_room has shape "
                         f"{m.shape}, expected {want}: calibrate it again with "
                         f"scripts/calibrate_perception.py")
    return m


def confidence_power(meta: dict[str, Any]) -> float:
    """The power of the type confidence the checkpoint's calibration was counted with (0: none,
    or no calibration)."""
    return float((meta.get("perception_calibration") or {}).get("confidence_power", 0.0))
