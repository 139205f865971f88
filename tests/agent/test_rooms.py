"""Room label files: what the agent node reads and the sim node writes."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import sim  # noqa: F401
from agent.runtime.rooms import RoomLabel, RoomsError, label_grid, load_rooms, save_rooms
from sim.catalog import ROOM_TYPES
from sim.grid import FINE


def test_rectangles_written_and_read_give_the_sims_room_labels(tmp_path: Path):
    env = gym.make("Roomby/GoToRoom-v0").unwrapped
    try:
        env.reset(seed=4)
        rooms = [RoomLabel.rectangle(r.name, r.rect) for r in env.home.rooms]
        save_rooms(tmp_path / "rooms.yaml", rooms)
        got = label_grid(load_rooms(tmp_path / "rooms.yaml"))
        assert np.array_equal(got, env.grid.room_label)
    finally:
        env.close()


def test_polygon_l_shape_and_spelling():
    # An L: the 4 x 4 m square less its top-right 2 x 2 m quarter; "living room" is accepted.
    doc_rooms = [RoomLabel("living_room", ((0, 0), (4, 0), (4, 2), (2, 2), (2, 4), (0, 4)))]
    grid = label_grid(doc_rooms)
    label = ROOM_TYPES.index("living_room") + 1
    cell = lambda x, y: grid[FINE.to_cell(x, y)]  # noqa: E731
    assert cell(1, 1) == cell(3, 1) == cell(1, 3) == label
    assert cell(3, 3) == 0 and cell(5, 1) == 0
    assert np.count_nonzero(grid) == pytest.approx(12 / FINE.res**2, rel=0.01)


@pytest.mark.parametrize("text, why", [
    ("rooms: [{name: garage, polygon: [[0, 0], [1, 0], [1, 1]]}]", "rooms[0]: room name 'garage'"),
    ("rooms: [{name: kitchen, polygon: [[0, 0], [1, 0]]}]", "rooms[0]: polygon needs at least 3"),
    ("rooms: [{name: kitchen, poly: [[0, 0], [1, 0], [1, 1]]}]", "exactly the keys"),
    ("frame: odom\nrooms: []", "'map' frame"),
    ("roms: []", "'rooms' list"),
    ("rooms: [{name: kitchen, polygon: [[0, 0], [1, 0], [1, .nan]]}]", "finite"),
    ("{{{", "not YAML"),
])
def test_bad_rooms_files_are_named(tmp_path: Path, text: str, why: str):
    path = tmp_path / "rooms.yaml"
    path.write_text(text)
    with pytest.raises(RoomsError, match="rooms.yaml") as e:
        load_rooms(path)
    assert why in str(e.value)
    with pytest.raises(RoomsError, match="cannot read"):
        load_rooms(tmp_path / "missing.yaml")


def test_living_room_with_a_space_is_the_living_room(tmp_path: Path):
    path = tmp_path / "rooms.json"
    path.write_text('{"rooms": [{"name": "Living Room", "polygon": [[0,0],[1,0],[1,1],[0,1]]}]}')
    assert load_rooms(path)[0].name == "living_room"
