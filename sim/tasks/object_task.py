"""Shared sampling for tasks about one piece of furniture (goto_object, vacuum_under)."""

from __future__ import annotations

import numpy as np

from sim.catalog import COLOR_NAMES
from sim.grid import HomeGrid
from sim.home import Home
from sim.home_generator import ItemRequest
from sim.tasks.base import Split, Task, TaskSample, distractor_requests, matches, sample_target


class ObjectTask(Task):
    """A task whose goal names an object, a colour and maybe a room."""

    target_types: tuple[str, ...] = ()

    def sample(self, rng: np.random.Generator, split: Split) -> TaskSample:
        type_, color, room = sample_target(rng, self.target_types, split)
        goal = {"task": self.family, "object": type_, "color": color, "room": room}
        items = (ItemRequest(type_, color, room), *distractor_requests(rng, type_, color, room))
        return TaskSample(goal, (room,), items)

    def finalize(self, home: Home, goal: dict, rng: np.random.Generator) -> dict:
        target = home.find(goal["object"], goal["color"], goal["room"])[0]
        # Another piece of the same type and colour elsewhere would make the words ambiguous.
        for i, f in enumerate(home.furniture):
            if f is not target and f.type == target.type and f.color == target.color:
                taken = {g.color for g in home.find(type=f.type)}
                free = [c for c in COLOR_NAMES if c not in taken] or \
                    [c for c in COLOR_NAMES if c != target.color]
                home.furniture[i] = type(f)(f.id, f.type, free[int(rng.integers(len(free)))],
                                            f.room, f.center, f.size, f.yaw)
        if len(home.rooms) > 1 and rng.random() < 0.5:
            return {**goal, "room": None}
        return goal

    def targets(self, home: Home, goal: dict):
        return matches(home, goal)

    def region(self, home: Home, grid: HomeGrid, goal: dict) -> np.ndarray:
        mask = np.zeros_like(grid.floor)
        for f in self.targets(home, goal):
            mask |= grid.footprint_mask(f)
        return mask
