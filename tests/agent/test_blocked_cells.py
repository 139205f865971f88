"""Cells that led nowhere: blocked when the robot did not move, never for a stop, forgotten at
the next command."""

from __future__ import annotations

from agent.runtime.blocked import STUCK, BlockedCells
from sim.actions import NAVIGATE, STOP


def test_a_skill_that_did_not_move_the_robot_blocks_its_cell():
    b = BlockedCells()
    assert b.update(1.0, 1.0) == set()
    b.chose(NAVIGATE, 7, 1.0, 1.0)
    assert b.update(1.0 + STUCK / 2, 1.0) == {7}  # stayed put: 7 led nowhere
    b.chose(NAVIGATE, 9, 1.0, 1.0)
    assert b.update(1.0, 1.0 + 2 * STUCK) == {7}  # moved: 9 did something
    b.chose(STOP, 0, 1.0, 1.1)
    assert b.update(1.0, 1.1) == {7}  # a stop has no cell to block
    b.reset()
    assert b.update(1.0, 1.1) == set()
