"""Steps that go back to where the robot was: `return` and `previous_room`.

Their place is not in the command and not on the map: it is where the robot was earlier in the
episode, which only a memory of the episode knows (the map is a picture of the present). The
progress tracker (`sim.progress.GoalProgress`) resolves a step when its place is known and hands
the step's task the resolved goal:

- `{"task": "return"}` -> `{"task": "return", "xy": (x, y)}`: where the robot was when the
  command was given (where the user was: "..., then come back here").
- `{"task": "previous_room"}` -> `{"task": "previous_room", "room": name}`: the room the robot
  was in when the step before this one began ("go to the kitchen, then go back to the room you
  were just in": the room the command was given in; "A, then B, then back to the room you were
  just in": the room where A ended and B began).

They are steps only: a sequence's later steps, never a first step or a family of their own
(`sim.tasks.remembered` samples the families that use them).
"""

from __future__ import annotations

import numpy as np

from sim.grid import FINE, HomeGrid
from sim.home import Home
from sim.tasks.base import GOTO_RADIUS, Split, Task, TaskSample
from sim.tasks.goto_room import GoToRoom


class _Step(Task):
    def sample(self, rng: np.random.Generator, split: Split) -> TaskSample:
        raise TypeError(f"a {self.family!r} step is sampled inside a sequence "
                        f"(sim.tasks.remembered), not alone")

    def requirements(self, goal: dict, rng: np.random.Generator) -> TaskSample:
        return TaskSample(goal)


class ReturnStep(_Step):
    """Success: the robot stops within 0.5 m (the goto radius) of where it was when the command
    was given."""

    family = "return"

    def region(self, home: Home, grid: HomeGrid, goal: dict) -> np.ndarray:
        x, y = goal["xy"]
        rows, cols = np.indices(grid.floor.shape)
        cx, cy = FINE.to_world(rows, cols)
        return (np.hypot(cx - x, cy - y) <= GOTO_RADIUS) & grid.floor

    def achieved(self, home: Home, grid: HomeGrid, goal: dict, xy, cleaned) -> bool:
        return bool(np.hypot(xy[0] - goal["xy"][0], xy[1] - goal["xy"][1]) <= GOTO_RADIUS)


class PreviousRoomStep(_Step, GoToRoom):
    """Success: the robot's centre is inside the room it was in when the step before began,
    when it stops."""

    family = "previous_room"
