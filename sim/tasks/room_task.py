"""Shared sampling for tasks about a room (goto_room, vacuum_room)."""

from __future__ import annotations

import numpy as np

from sim.catalog import ROOM_TYPES
from sim.grid import HomeGrid
from sim.home import Home
from sim.tasks.base import Split, Task, TaskSample


class RoomTask(Task):
    def sample(self, rng: np.random.Generator, split: Split) -> TaskSample:
        room = ROOM_TYPES[int(rng.integers(len(ROOM_TYPES)))]
        return TaskSample({"task": self.family, "object": None, "color": None, "room": room},
                          (room,))

    def region(self, home: Home, grid: HomeGrid, goal: dict) -> np.ndarray:
        return grid.room_mask(goal["room"]) & grid.floor
