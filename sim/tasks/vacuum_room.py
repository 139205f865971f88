"""vacuum_room: clean a whole room, then stop."""

from __future__ import annotations

from sim.grid import HomeGrid
from sim.home import Home
from sim.tasks.base import CLEAN_FRACTION
from sim.tasks.room_task import RoomTask


class VacuumRoom(RoomTask):
    """Success: >= 80 % of the room's reachable floor (under raised furniture included) is clean
    when the robot stops."""

    family = "vacuum_room"

    def achieved(self, home: Home, grid: HomeGrid, goal: dict, xy, cleaned) -> bool:
        return self.region_coverage(grid, self.region(home, grid, goal), cleaned) >= CLEAN_FRACTION
