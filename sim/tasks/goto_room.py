"""goto_room: drive into a named room and stop there."""

from __future__ import annotations

from sim.grid import HomeGrid
from sim.home import Home
from sim.tasks.room_task import RoomTask


class GoToRoom(RoomTask):
    """Success: the robot's centre is inside the room when it stops."""

    family = "goto_room"

    def achieved(self, home: Home, grid: HomeGrid, goal: dict, xy, cleaned) -> bool:
        return home.room_at(*xy) == goal["room"]
