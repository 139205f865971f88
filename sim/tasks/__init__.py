"""Task families (what `roomby eval --families` names) and the tasks of a goal's steps.

`TASKS[family]` samples a family's goals; `task_for(goal)` gives the Task that scores a goal
(a sequence, or one step's task); `family_of(goal)` names the family a goal belongs to.
"""

from __future__ import annotations

from sim.tasks.base import CLEAN_FRACTION, GOTO_RADIUS, SPLITS, Split, Task, TaskSample
from sim.tasks.goto_object import GoToObject
from sim.tasks.goto_room import GoToRoom
from sim.tasks.remembered import BackToPreviousRoom, ComeBack
from sim.tasks.sequence import STEP_TASKS, Sequence, Sequence3
from sim.tasks.vacuum_room import VacuumRoom
from sim.tasks.vacuum_under import VacuumUnder

TASKS: dict[str, Task] = {
    t.family: t for t in (GoToObject(), GoToRoom(), VacuumUnder(), VacuumRoom(), Sequence(),
                          Sequence3(), ComeBack(), BackToPreviousRoom())
}
FAMILIES: tuple[str, ...] = tuple(TASKS)
MEMORY_FAMILIES: tuple[str, ...] = ("return", "previous_room")
"""Families whose success depends on where the robot was earlier in the episode."""
_SEQUENCE = Sequence()


def task_for(goal: dict) -> Task:
    """The Task that scores `goal`: the sequence's, or its single step's."""
    return _SEQUENCE if goal["task"] == "sequence" else STEP_TASKS[goal["task"]]


def goal_steps(goal: dict) -> list[dict]:
    """The single-task goals a goal consists of, in order."""
    return list(goal["steps"]) if goal["task"] == "sequence" else [goal]


def family_of(goal: dict) -> str:
    """The family a goal belongs to: its task, or for a sequence the family of its kind (a step
    that goes back names it; else sequence or sequence3 by its length)."""
    if goal["task"] != "sequence":
        return goal["task"]
    tasks = [s["task"] for s in goal["steps"]]
    for family in ("previous_room", "return"):
        if family in tasks:
            return family
    return "sequence" if len(tasks) == 2 else "sequence3"


__all__ = ["CLEAN_FRACTION", "FAMILIES", "GOTO_RADIUS", "MEMORY_FAMILIES", "SPLITS", "TASKS",
           "Split", "Task", "TaskSample", "family_of", "goal_steps", "task_for"]
