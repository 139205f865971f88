from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.catalog import COLOR_NAMES, FURNITURE, ROBOT_RADIUS
from sim.grid import FINE, FINE_RES, HomeGrid, flood
from sim.home import Door, Furniture, Home, HomeError, Room, validate_home
from sim.home_generator import generate_home

SETTINGS = settings(max_examples=12, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def two_rooms(**kw) -> Home:
    rooms = [Room("living_room", (0.3, 0.3, 4.3, 4.3)), Room("kitchen", (4.3, 0.3, 8.3, 4.3))]
    doors = [Door(("living_room", "kitchen"), (4.3, 2.0), kw.pop("door", 0.9), "y")]
    furniture = kw.pop("furniture", [
        Furniture("couch_0", "couch", "red", "living_room", (2.0, 1.5), (2.0, 0.9), 0),
        Furniture("fridge_0", "fridge", "white", "kitchen", (7.9, 3.9), (0.7, 0.7), 0),
    ])
    return Home(rooms, doors, furniture)


@given(seed=st.integers(0, 2**31 - 1))
@SETTINGS
def test_generated_homes_are_valid_and_reachable(seed: int):
    home = generate_home(np.random.default_rng(seed))
    assert 3 <= len(home.rooms) <= 6
    validate_home(home)  # raises on any problem
    g = HomeGrid(home)
    # Every place the robot fits is reachable from every other.
    seed_mask = np.zeros_like(g.free)
    seed_mask[tuple(np.argwhere(g.free)[0])] = True
    assert np.array_equal(flood(g.free, seed_mask), g.free)
    # The disc can clean nearly all the floor (only concave-corner slivers escape it).
    assert g.coverable.sum() >= 0.98 * g.floor.sum()
    # Doorways are at least 0.8 m.
    assert all(d.width >= 0.8 for d in home.doors)
    types = [f.type for f in home.furniture]
    assert set(types) <= set(FURNITURE) and all(f.color in COLOR_NAMES for f in home.furniture)


def test_homes_have_repeated_types_and_colours():
    rng = np.random.default_rng(0)
    rep_type = rep_color = 0
    for _ in range(20):
        home = generate_home(rng)
        types = [f.type for f in home.furniture]
        colors = [f.color for f in home.furniture]
        rep_type += len(set(types)) < len(types)
        rep_color += len(set(colors)) < len(colors)
    assert rep_type >= 18 and rep_color >= 18


def test_generation_is_deterministic_under_a_seed():
    a = generate_home(np.random.default_rng(42))
    b = generate_home(np.random.default_rng(42))
    assert a.to_dict() == b.to_dict()
    assert generate_home(np.random.default_rng(43)).to_dict() != a.to_dict()


def test_json_round_trip(tmp_path):
    home = generate_home(np.random.default_rng(5))
    path = tmp_path / "h.json"
    home.save(path)
    back = Home.load(path)
    assert back.to_dict() == home.to_dict()
    assert back.furniture == home.furniture and back.rooms == home.rooms


def test_hand_written_home_is_valid():
    validate_home(two_rooms())


@pytest.mark.parametrize("mutate,needle", [
    (lambda d: d["furniture"][0].update(type="piano"), "unknown furniture type 'piano'"),
    (lambda d: d["furniture"][0].update(color="mauve"), "unknown colour 'mauve'"),
    (lambda d: d["rooms"][0].update(name="garage"), "unknown room type 'garage'"),
    (lambda d: d["furniture"][1].update(center=[2.2, 1.6], room="living_room"),
     "furniture overlaps: couch_0"),
    (lambda d: d["furniture"][0].update(center=[9.5, 1.5]), "is not inside room"),
    (lambda d: d["doors"][0].update(width=0.6), "doorways need >= 0.8 m"),
    (lambda d: d["doors"].clear(), "cannot be reached"),
    (lambda d: d["furniture"][1].update(center=[3.9, 2.0], room="living_room"),
     "cannot be reached"),  # a fridge in front of the door
    (lambda d: d.pop("rooms"), "malformed home"),
])
def test_invalid_homes_say_what_and_where(tmp_path, mutate, needle: str):
    d = two_rooms().to_dict()
    mutate(d)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(d))
    with pytest.raises(HomeError) as e:
        Home.load(path)
    assert needle in str(e.value)
    assert str(path) in str(e.value)


def test_gap_too_narrow_for_the_robot_is_rejected():
    # A fridge 0.2 m from the wall leaves a strip the robot cannot reach.
    fridge = Furniture("fridge_0", "fridge", "white", "kitchen", (4.35 + 0.05 + 0.2 + 0.35, 3.0),
                       (0.7, 0.7), 0)
    home = two_rooms(furniture=[fridge])
    with pytest.raises(HomeError, match="cannot be reached by the robot"):
        validate_home(home)


def test_unreadable_and_non_json_files(tmp_path):
    with pytest.raises(HomeError, match="cannot read home file"):
        Home.load(tmp_path / "missing.json")
    p = tmp_path / "x.json"
    p.write_text("{nope")
    with pytest.raises(HomeError, match="not valid JSON"):
        Home.load(p)


def test_grid_geometry_matches_the_home():
    home = two_rooms()
    g = HomeGrid(home)
    # The robot's centre never gets closer to an obstacle than its radius.
    assert (g.dist[g.free] >= ROBOT_RADIUS).all()
    # Under the couch (between its legs) is free; inside the fridge is not floor.
    assert g.free[FINE.to_cell(2.0, 1.5)]
    assert not g.floor[FINE.to_cell(7.9, 3.9)]
    # The doorway is passable, the wall beside it is not.
    assert g.reachable[FINE.to_cell(4.3, 2.0)]
    assert not g.floor[FINE.to_cell(4.3, 3.5)]
    assert abs(FINE_RES - 0.05) < 1e-9
