"""Cells that led nowhere, masked out of the pointer for the rest of a command.

A navigate or clean after which the robot has not moved (it is already as close as it gets, or
the cell cannot be reached) changes nothing the policy sees, so a greedy policy would choose the
same cell again until the time limit. Such a cell is blocked for the rest of the command (the
expert does the same with the cells it tried). It needs only the robot's position, so the
simulated policy (`agent.policies.learned`) and the robot (`agent.runtime.robot`) share it.
"""

from __future__ import annotations

import math

from sim.actions import STOP

STUCK = 0.05
"""Metres: a navigate or clean that moved the robot less than this led nowhere."""


class BlockedCells:
    """The blocked cells of one command: `update` before each decision, `chose` after it."""

    def __init__(self) -> None:
        self.cells: set[int] = set()
        self._last: tuple[int, float, float] | None = None  # the last skill's cell, x, y

    def reset(self) -> None:
        """A new command: nothing blocked."""
        self.cells = set()
        self._last = None

    def update(self, x: float, y: float) -> set[int]:
        """The robot is at (x, y), about to decide: block the last skill's cell if it did not move
        the robot; -> the cells to mask."""
        if self._last is not None and \
                math.hypot(x - self._last[1], y - self._last[2]) < STUCK:
            self.cells.add(self._last[0])
        return self.cells

    def chose(self, skill: int, cell: int, x: float, y: float) -> None:
        """The decision just taken at (x, y); a stop has no cell to block."""
        self._last = None if skill == STOP else (int(cell), float(x), float(y))
