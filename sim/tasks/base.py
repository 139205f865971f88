"""The task base class: what a family samples, what counts as success, and its goal region.

A goal is a dict in the sim's schema, e.g. ``{"task": "vacuum_under", "object": "couch",
"color": "red", "room": "living_room"}``. The furniture a goal refers to is every piece that
matches all attributes it gives, so a custom goal without a colour accepts any couch; generated
tasks always describe their target uniquely.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from sim.catalog import COLOR_NAMES, FURNITURE, HELDOUT_PAIRS, ROBOT_RADIUS, ROOM_FURNITURE
from sim.grid import FINE_RES, HomeGrid
from sim.home import Furniture, Home
from sim.home_generator import ItemRequest
from sim.language import render_instruction, templates_for
from sim.skills.coverage import dilate

SPLITS: tuple[str, ...] = ("train", "heldout", "heldout_phrasing", "heldout_pairs")
GOTO_RADIUS = 0.5  # goto_object: stop within this distance of the target's footprint
CLEAN_FRACTION = 0.8  # vacuum tasks: fraction of the region's reachable floor to clean


@dataclass(frozen=True)
class Split:
    """Which side of each train/held-out division an episode draws from."""

    homes: str
    phrasing: str
    pairs: str

    @classmethod
    def named(cls, split: str) -> Split:
        if split not in SPLITS:
            raise ValueError(f"split {split!r} is not one of {list(SPLITS)}")
        return {
            "train": cls("train", "train", "train"),
            "heldout": cls("heldout", "train", "train"),
            "heldout_phrasing": cls("heldout", "heldout", "train"),
            "heldout_pairs": cls("heldout", "train", "heldout"),
        }[split]


@dataclass(frozen=True)
class TaskSample:
    """A goal and what the home must contain for it."""

    goal: dict
    rooms: tuple[str, ...] = ()
    items: tuple[ItemRequest, ...] = ()


def host_rooms(type_: str) -> list[str]:
    return [r for r, items in ROOM_FURNITURE.items() if any(t == type_ for t, _, _ in items)]


def sample_target(rng: np.random.Generator, types: tuple[str, ...], split: Split
                  ) -> tuple[str, str, str]:
    """(type, colour, room) of a target, honouring the colour x object split."""
    while True:
        type_ = types[int(rng.integers(len(types)))]
        color = COLOR_NAMES[int(rng.integers(len(COLOR_NAMES)))]
        if ((color, type_) in HELDOUT_PAIRS) == (split.pairs == "heldout"):
            hosts = host_rooms(type_)
            return type_, color, hosts[int(rng.integers(len(hosts)))]


def distractor_requests(rng: np.random.Generator, type_: str, color: str, room: str
                        ) -> tuple[ItemRequest, ...]:
    """Optional furniture that makes both words of "red couch" matter."""
    other_colors = [c for c in COLOR_NAMES if c != color]
    other_types = [t for t in FURNITURE if t != type_]
    c2 = other_colors[int(rng.integers(len(other_colors)))]
    t2 = other_types[int(rng.integers(len(other_types)))]
    return (ItemRequest(type_, c2, room, required=False),
            ItemRequest(t2, color, None, required=False))


def matches(home: Home, goal: dict) -> list[Furniture]:
    return home.find(goal.get("object"), goal.get("color"), goal.get("room"))


class Task(ABC):
    """One task family: sampling, success and region."""

    family: ClassVar[str]

    @abstractmethod
    def sample(self, rng: np.random.Generator, split: Split) -> TaskSample:
        """A goal of this family and what the home must contain for it."""

    def requirements(self, goal: dict, rng: np.random.Generator) -> TaskSample:
        """What a home must contain for a given (custom) goal, with some distractors."""
        if goal.get("object") is None:
            return TaskSample(goal, (goal["room"],) if goal.get("room") else ())
        room = goal.get("room")
        if room is None:
            hosts = host_rooms(goal["object"])
            room = hosts[int(rng.integers(len(hosts)))]
        color = goal.get("color") or COLOR_NAMES[int(rng.integers(len(COLOR_NAMES)))]
        items = (ItemRequest(goal["object"], color, room),
                 *distractor_requests(rng, goal["object"], color, room))
        return TaskSample(goal, (room,), items)

    def finalize(self, home: Home, goal: dict, rng: np.random.Generator) -> dict:
        """Make a generated goal refer to exactly one piece of furniture (recolouring other
        pieces that would match) and decide whether the room is named. Returns the goal."""
        return goal

    def instruction(self, goal: dict, rng: np.random.Generator, split: Split) -> str:
        options = templates_for(goal, split.phrasing)
        if not options:  # this goal's slots fit no held-out phrasing: fall back to training
            options = templates_for(goal, "train")
        return render_instruction(goal, options[int(rng.integers(len(options)))])

    @abstractmethod
    def region(self, home: Home, grid: HomeGrid, goal: dict) -> np.ndarray:
        """Fine-grid floor the goal is about (target footprint or room), for coverage and SPL."""

    @abstractmethod
    def achieved(self, home: Home, grid: HomeGrid, goal: dict, xy: tuple[float, float],
                 cleaned: np.ndarray) -> bool:
        """Whether the goal holds with the robot at `xy` and `cleaned` floor."""

    def region_coverage(self, grid: HomeGrid, region: np.ndarray, cleaned: np.ndarray) -> float:
        reach = region & grid.coverable
        n = int(reach.sum())
        return float((cleaned & reach).sum() / n) if n else 0.0

    def approach_region(self, home: Home, grid: HomeGrid, goal: dict) -> np.ndarray:
        """Reachable cells where the robot has arrived at the goal's region, for SPL: inside it,
        or (for a region the robot's centre cannot enter) with its disc over it."""
        region = self.region(home, grid, goal)
        inside = region & grid.reachable
        if inside.any():
            return inside
        return dilate(region, ROBOT_RADIUS / FINE_RES) & grid.reachable
