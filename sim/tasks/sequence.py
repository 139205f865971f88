"""sequence: two steps in order, e.g. "vacuum under the red couch, then go to the kitchen"."""

from __future__ import annotations

import numpy as np

from sim.grid import HomeGrid
from sim.home import Home
from sim.language import TEMPLATES, render_instruction, templates_for
from sim.tasks.base import Split, Task, TaskSample
from sim.tasks.goto_object import GoToObject
from sim.tasks.goto_room import GoToRoom
from sim.tasks.vacuum_room import VacuumRoom
from sim.tasks.vacuum_under import VacuumUnder

FIRST: tuple[Task, ...] = (VacuumUnder(), GoToObject(), VacuumRoom())
SECOND: tuple[Task, ...] = (GoToRoom(), GoToObject())
_BY_FAMILY = {t.family: t for t in (*FIRST, *SECOND)}


def _plain(template: str) -> bool:
    """Templates that read well inside a longer sentence."""
    t = template.lower()
    return not (t.startswith(("roomby", "could", "please", "the ")) or t.endswith(("?", "!")))


class Sequence(Task):
    """Success: each step's goal held at the end of some decision, in order, and the last one
    holds when the robot stops."""

    family = "sequence"

    def sample(self, rng: np.random.Generator, split: Split) -> TaskSample:
        while True:
            a = FIRST[int(rng.integers(len(FIRST)))].sample(rng, split)
            b = SECOND[int(rng.integers(len(SECOND)))].sample(rng, split)
            ga, gb = a.goal, b.goal
            same_target = ga.get("object") and (ga["object"], ga["color"]) == \
                (gb.get("object"), gb.get("color"))
            same_room = gb["task"] == "goto_room" and gb["room"] == ga["room"]
            # Two large pieces of one type in one room often do not fit: draw again.
            crowded = ga.get("object") and ga["object"] == gb.get("object") and \
                ga["room"] == gb["room"]
            if not (same_target or same_room or crowded):
                break
        rooms = tuple(dict.fromkeys((*a.rooms, *b.rooms)))
        return TaskSample({"task": "sequence", "steps": [ga, gb]}, rooms, (*a.items, *b.items))

    def requirements(self, goal: dict, rng: np.random.Generator) -> TaskSample:
        parts = [step_task(g).requirements(g, rng) for g in goal["steps"]]
        rooms = tuple(dict.fromkeys(r for p in parts for r in p.rooms))
        return TaskSample(goal, rooms, tuple(i for p in parts for i in p.items))

    def finalize(self, home: Home, goal: dict, rng: np.random.Generator) -> dict:
        return {"task": "sequence",
                "steps": [step_task(g).finalize(home, g, rng) for g in goal["steps"]]}

    def instruction(self, goal: dict, rng: np.random.Generator, split: Split) -> str:
        parts = []
        for g in goal["steps"]:
            options = [t for t in templates_for(g, "train") if _plain(t)]
            parts.append(render_instruction(g, options[int(rng.integers(len(options)))]))
        outer = TEMPLATES["sequence"][split.phrasing]
        return outer[int(rng.integers(len(outer)))].format(a=parts[0], b=parts[1])

    def region(self, home: Home, grid: HomeGrid, goal: dict) -> np.ndarray:
        last = goal["steps"][-1]
        return step_task(last).region(home, grid, last)

    def achieved(self, home: Home, grid: HomeGrid, goal: dict, xy, cleaned) -> bool:
        last = goal["steps"][-1]
        return step_task(last).achieved(home, grid, last, xy, cleaned)


def step_task(goal: dict) -> Task:
    return _BY_FAMILY[goal["task"]]
