"""Families whose last step goes back to where the robot was (see `sim.tasks.go_back`).

- `return`: something to do, then back to where the command was given: "vacuum under the red
  couch, then come back here". The robot starts outside the first step's room.
- `previous_room`: "go to the kitchen, then go back to the room you were just in" (the room the
  command was given in: the robot starts outside the first step's room), or three steps, "clean
  under the blue bed, then go to the office, then go back to the room you were just in" (the
  room where the first step ended, which differs from the second step's).

Neither place is in the command or on the map: which room came before, and where the robot
started, is the episode's past.
"""

from __future__ import annotations

import numpy as np

from sim.language import normalize_goal
from sim.tasks.base import Split, TaskSample
from sim.tasks.goto_room import GoToRoom
from sim.tasks.sequence import FIRST, SECOND, Sequence, joined, sample_steps

ANY_FIRST = (*FIRST, GoToRoom())
RETURN = normalize_goal({"task": "return"})
PREVIOUS_ROOM = normalize_goal({"task": "previous_room"})


class ComeBack(Sequence):
    """[a step of any single task, return]."""

    family = "return"

    def sample(self, rng: np.random.Generator, split: Split) -> TaskSample:
        return joined(sample_steps(rng, split, [ANY_FIRST]), (RETURN,))


class BackToPreviousRoom(Sequence):
    """[a step, previous_room] or [a step, a step in another room, previous_room], half each."""

    family = "previous_room"

    def sample(self, rng: np.random.Generator, split: Split) -> TaskSample:
        if rng.random() < 0.5:
            return joined(sample_steps(rng, split, [ANY_FIRST]), (PREVIOUS_ROOM,))
        while True:
            parts = sample_steps(rng, split, [ANY_FIRST, SECOND])
            if parts[0].goal["room"] != parts[1].goal["room"]:
                return joined(parts, (PREVIOUS_ROOM,))
