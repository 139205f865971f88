"""Task families. `task_for(goal)` gives the Task that samples and scores a goal."""

from __future__ import annotations

from sim.tasks.base import CLEAN_FRACTION, GOTO_RADIUS, SPLITS, Split, Task, TaskSample
from sim.tasks.goto_object import GoToObject
from sim.tasks.goto_room import GoToRoom
from sim.tasks.sequence import Sequence
from sim.tasks.vacuum_room import VacuumRoom
from sim.tasks.vacuum_under import VacuumUnder

TASKS: dict[str, Task] = {
    t.family: t for t in (GoToObject(), GoToRoom(), VacuumUnder(), VacuumRoom(), Sequence())
}
FAMILIES: tuple[str, ...] = tuple(TASKS)


def task_for(goal: dict) -> Task:
    return TASKS[goal["task"]]


def goal_steps(goal: dict) -> list[dict]:
    """The single-task goals a goal consists of, in order."""
    return list(goal["steps"]) if goal["task"] == "sequence" else [goal]


__all__ = ["CLEAN_FRACTION", "FAMILIES", "GOTO_RADIUS", "SPLITS", "TASKS", "Split", "Task",
           "TaskSample", "goal_steps", "task_for"]
