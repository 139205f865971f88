"""sequence: steps in order, e.g. "vacuum under the red couch, then go to the kitchen".

`sequence` samples two steps, `sequence3` three ("A, then B, then C"); both are goals
`{"task": "sequence", "steps": [...]}`, and a custom goal may have two or three steps, of which
the later ones may go back to where the robot was (`sim.tasks.go_back`).
"""

from __future__ import annotations

import numpy as np

from sim.grid import HomeGrid
from sim.home import Home
from sim.language import MEMORY_TASKS, TEMPLATES, render_instruction, templates_for
from sim.tasks.base import Split, Task, TaskSample
from sim.tasks.go_back import PreviousRoomStep, ReturnStep
from sim.tasks.goto_object import GoToObject
from sim.tasks.goto_room import GoToRoom
from sim.tasks.vacuum_room import VacuumRoom
from sim.tasks.vacuum_under import VacuumUnder

FIRST: tuple[Task, ...] = (VacuumUnder(), GoToObject(), VacuumRoom())
SECOND: tuple[Task, ...] = (GoToRoom(), GoToObject())
STEP_TASKS: dict[str, Task] = {t.family: t for t in (
    VacuumUnder(), GoToObject(), VacuumRoom(), GoToRoom(), ReturnStep(), PreviousRoomStep())}
"""Every task a step of a goal can have, by name."""
OUTER = {2: "sequence", 3: "sequence3"}
"""Template family joining n steps."""


def _plain(template: str) -> bool:
    """Templates that read well inside a longer sentence."""
    t = template.lower()
    return not (t.startswith(("roomby", "could", "please", "the ")) or t.endswith(("?", "!")))


def compatible(ga: dict, gb: dict) -> bool:
    """Whether step b can follow step a: another target, another room for a room step, and not
    two large pieces of one type in one room (they often do not fit)."""
    same_target = ga.get("object") and (ga["object"], ga["color"]) == \
        (gb.get("object"), gb.get("color"))
    same_room = ga["room"] == gb["room"]
    crowded = ga.get("object") and ga["object"] == gb.get("object") and same_room
    return not (same_target or (gb["task"] in ("goto_room", "vacuum_room") and same_room)
                or crowded)


def sample_steps(rng: np.random.Generator, split: Split, pools: list[tuple[Task, ...]]
                 ) -> list[TaskSample]:
    """One step from each pool in turn, each compatible with the one before (redrawn until)."""
    while True:
        parts = [pool[int(rng.integers(len(pool)))].sample(rng, split) for pool in pools]
        if all(compatible(a.goal, b.goal) for a, b in zip(parts, parts[1:], strict=False)):
            return parts


def joined(parts: list[TaskSample], tail: tuple[dict, ...] = ()) -> TaskSample:
    """The sequence of the sampled steps (then `tail`, steps that need nothing in the home)."""
    rooms = tuple(dict.fromkeys(r for p in parts for r in p.rooms))
    return TaskSample({"task": "sequence", "steps": [p.goal for p in parts] + list(tail)},
                      rooms, tuple(i for p in parts for i in p.items))


class Sequence(Task):
    """Success: each step's goal held at the end of some decision, in order, and the last one
    holds when the robot stops. Samples two steps: something to do, then a place to go."""

    family = "sequence"
    pools: tuple[tuple[Task, ...], ...] = (FIRST, SECOND)

    def sample(self, rng: np.random.Generator, split: Split) -> TaskSample:
        return joined(sample_steps(rng, split, list(self.pools)))

    def requirements(self, goal: dict, rng: np.random.Generator) -> TaskSample:
        needs = joined([step_task(g).requirements(g, rng) for g in goal["steps"]])
        return TaskSample(goal, needs.rooms, needs.items)

    def finalize(self, home: Home, goal: dict, rng: np.random.Generator) -> dict:
        return {"task": "sequence",
                "steps": [step_task(g).finalize(home, g, rng) for g in goal["steps"]]}

    def instruction(self, goal: dict, rng: np.random.Generator, split: Split) -> str:
        parts = []
        for g in goal["steps"]:
            # A step that goes back is phrased from the split (its words are the family's);
            # the others from the training phrasings that read well inside a sentence.
            phrasing = split.phrasing if g["task"] in MEMORY_TASKS else "train"
            options = [t for t in templates_for(g, phrasing) if _plain(t)]
            parts.append(render_instruction(g, options[int(rng.integers(len(options)))]))
        outer = TEMPLATES[OUTER[len(parts)]][split.phrasing]
        return outer[int(rng.integers(len(outer)))].format(**dict(zip("abc", parts, strict=False)))

    def region(self, home: Home, grid: HomeGrid, goal: dict) -> np.ndarray:
        last = goal["steps"][-1]
        return step_task(last).region(home, grid, last)

    def achieved(self, home: Home, grid: HomeGrid, goal: dict, xy, cleaned) -> bool:
        last = goal["steps"][-1]
        return step_task(last).achieved(home, grid, last, xy, cleaned)


class Sequence3(Sequence):
    """Three steps: something to do, a place to go, then another thing to do or place."""

    family = "sequence3"
    pools = (FIRST, SECOND, (*FIRST, GoToRoom()))


def step_task(goal: dict) -> Task:
    return STEP_TASKS[goal["task"]]
