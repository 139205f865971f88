"""Top-down rendering: frame geometry and that each layer lands where it should."""

from __future__ import annotations

import numpy as np
import pytest

from sim.catalog import COLOR_NAMES, COLORS, FURNITURE_TYPES
from sim.grid import FINE, FINE_SIZE, MAP, MAP_SIZE, HomeGrid
from sim.home import Door, Furniture, Home, Room
from sim.home_generator import generate_home
from sim.render import draw_topdown, world_to_pixel

PPM = 40


def small_home() -> Home:
    """Two rooms side by side with one door, a couch, a fridge and a rug."""
    rooms = [Room("living_room", (0.3, 0.3, 4.3, 4.3)), Room("kitchen", (4.3, 0.3, 8.3, 4.3))]
    doors = [Door(("living_room", "kitchen"), (4.3, 2.0), 0.9, "y")]
    furniture = [
        Furniture("couch_0", "couch", "red", "living_room", (2.0, 3.2), (2.0, 0.9), 0),
        Furniture("fridge_0", "fridge", "white", "kitchen", (7.9, 3.9), (0.7, 0.7), 0),
        Furniture("rug_0", "rug", "blue", "living_room", (2.0, 1.4), (1.6, 1.0), 0),
    ]
    return Home(rooms, doors, furniture)


@pytest.fixture(scope="module")
def scene() -> tuple[Home, HomeGrid]:
    home = small_home()
    return home, HomeGrid(home)


def px(img: np.ndarray, home: Home, x: float, y: float) -> np.ndarray:
    c, r = world_to_pixel(home, x, y, PPM)
    return img[r, c].astype(int)


def rgb255(name: str) -> np.ndarray:
    return np.round(np.asarray(COLORS[name]) * 255).astype(int)


def test_shape_dtype_and_north_up(scene):
    home, grid = scene
    img = draw_topdown(home, grid, None, None, None, None)
    # Bounds 8 m x 4 m plus a 0.3 m margin on each side.
    assert img.shape == (round(4.6 * PPM), round(8.6 * PPM), 3)
    assert img.dtype == np.uint8
    assert draw_topdown(home, grid, px_per_m=20).shape == (92, 172, 3)
    c0, r0 = world_to_pixel(home, 0.0, 0.0, PPM)  # the margin's lower-left corner
    assert (c0, r0) == (0, img.shape[0])
    assert world_to_pixel(home, 2.0, 4.0, PPM)[1] < world_to_pixel(home, 2.0, 1.0, PPM)[1]
    # Walls are drawn and the doorway is open.
    wall = px(img, home, 4.3, 3.5)
    door = px(img, home, 4.3, 2.0)
    assert abs(wall - door).sum() > 60


def test_robot_drawn_at_pose(scene):
    home, grid = scene
    bare = draw_topdown(home, grid)
    img = draw_topdown(home, grid, pose=(6.0, 2.0, 0.3))
    assert px(bare, home, 6.0, 2.0).sum() > 250  # floor
    assert px(img, home, 6.0, 2.0).max() < 40  # the dark disc
    # The white heading line points along the yaw.
    ahead = px(img, home, 6.0 + 0.12 * np.cos(0.3), 2.0 + 0.12 * np.sin(0.3))
    assert ahead.min() > 200
    behind = px(img, home, 6.0 - 0.12 * np.cos(0.3), 2.0 - 0.12 * np.sin(0.3))
    assert behind.max() < 40


def test_target_outline_is_yellow(scene):
    home, grid = scene
    couch = home.furniture[0]
    x0, y0, x1, y1 = couch.footprint
    img = draw_topdown(home, grid, targets=[couch])
    bare = draw_topdown(home, grid)
    for x, y in ((2.0, y1 + 0.04), (2.0, y0 - 0.04), (x0 - 0.04, 3.2), (x1 + 0.04, 3.2)):
        r, g, b = px(img, home, x, y)
        assert r > 220 and g > 200 and b < 60, (x, y, (r, g, b))
        r, g, b = px(bare, home, x, y)
        assert not (r > 220 and g > 200 and b < 60)


def test_furniture_colours(scene):
    home, grid = scene
    img = draw_topdown(home, grid)
    couch, fridge, rug = home.furniture
    # The raised couch: its colour on the outline inside the footprint.
    c0, r0 = world_to_pixel(home, couch.footprint[0], couch.footprint[3], PPM)
    c1, r1 = world_to_pixel(home, couch.footprint[2], couch.footprint[1], PPM)
    block = img[r0:r1, c0:c1].astype(int).reshape(-1, 3)
    assert (np.abs(block - rgb255("red")).max(axis=1) <= 2).sum() > 100
    # Its top is see-through: the middle is a mix of floor and red, not pure red.
    mid = px(img, home, 2.0, 3.2)
    assert mid[0] > mid[1] and np.abs(mid - rgb255("red")).max() > 20
    # Dark legs at the corners.
    assert px(img, home, couch.footprint[0] + 0.02, couch.footprint[1] + 0.02).max() < 50
    # The solid fridge is filled with its colour.
    assert np.abs(px(img, home, 7.9, 3.9) - rgb255("white")).max() <= 2
    # The rug is a lighter, bluish fill.
    r, g, b = px(img, home, 2.0, 1.4)
    assert b > r and b > 120


def test_cleaned_tint(scene):
    home, grid = scene
    cleaned = np.zeros((FINE_SIZE, FINE_SIZE), dtype=bool)
    r0, c0 = FINE.to_cell(5.0, 1.0)
    r1, c1 = FINE.to_cell(7.0, 3.0)
    cleaned[r0:r1, c0:c1] = True
    dirty = draw_topdown(home, grid, cleaned=np.zeros_like(cleaned))
    img = draw_topdown(home, grid, cleaned=cleaned)
    before, after = px(dirty, home, 6.0, 2.0), px(img, home, 6.0, 2.0)
    assert not np.array_equal(before, after)
    assert after[1] - after[0] > before[1] - before[0]  # greener
    assert np.array_equal(px(dirty, home, 2.0, 2.5), px(img, home, 2.0, 2.5))


def test_attention_reddens_cell(scene):
    home, grid = scene
    att = np.zeros((MAP_SIZE, MAP_SIZE), dtype=np.float32)
    r, c = MAP.to_cell(6.0, 2.0)
    att[r, c] = 3.0
    x, y = MAP.to_world(r, c)
    plain = draw_topdown(home, grid)
    img = draw_topdown(home, grid, attention=att)
    before, after = px(plain, home, x, y), px(img, home, x, y)
    assert after[0] > before[0] and after[1] < before[1] - 50
    assert np.array_equal(px(plain, home, 2.0, 2.5), px(img, home, 2.0, 2.5))


def test_seen_semantic_and_trail(scene):
    home, grid = scene
    plain = draw_topdown(home, grid)
    seen = np.zeros((MAP_SIZE, MAP_SIZE), dtype=np.float32)
    r, c = MAP.to_cell(6.0, 2.0)
    seen[r, c] = 1.0
    img = draw_topdown(home, grid, seen=seen)
    x, y = MAP.to_world(r, c)
    assert np.array_equal(px(img, home, x, y), px(plain, home, x, y))
    assert px(img, home, 2.0, 2.5).sum() < px(plain, home, 2.0, 2.5).sum() * 0.6

    sem = np.zeros((len(FURNITURE_TYPES) + len(COLOR_NAMES), MAP_SIZE, MAP_SIZE), np.float32)
    r, c = MAP.to_cell(6.1, 1.1)
    sem[FURNITURE_TYPES.index("plant"), r, c] = 0.9
    sem[len(FURNITURE_TYPES) + COLOR_NAMES.index("green"), r, c] = 0.8
    sem[len(FURNITURE_TYPES) + COLOR_NAMES.index("red"), r, c] = 0.3
    img = draw_topdown(home, grid, semantic=sem)
    x, y = MAP.to_world(r, c)
    assert np.abs(px(img, home, x, y) - rgb255("green")).max() <= 2
    sem[FURNITURE_TYPES.index("plant"), r, c] = 0.2  # below the threshold: no dot
    img = draw_topdown(home, grid, semantic=sem)
    assert np.array_equal(px(img, home, x, y), px(plain, home, x, y))

    img = draw_topdown(home, grid, trail=np.array([[5.0, 1.03], [7.5, 1.03]]))
    assert not np.array_equal(px(img, home, 6.0, 1.03), px(plain, home, 6.0, 1.03))
    assert np.array_equal(px(img, home, 6.0, 1.5), px(plain, home, 6.0, 1.5))


def test_bad_shapes_raise(scene):
    home, grid = scene
    with pytest.raises(ValueError, match="cleaned"):
        draw_topdown(home, grid, cleaned=np.zeros((48, 48), bool))
    with pytest.raises(ValueError, match="semantic"):
        draw_topdown(home, grid, semantic=np.zeros((10, 48, 48), np.float32))


def test_six_room_home_with_every_layer():
    home = generate_home(np.random.default_rng(0), n_rooms=6)
    grid = HomeGrid(home)
    rng = np.random.default_rng(1)
    kw = dict(pose=(1.0, 1.0, 0.0), cleaned=rng.random((FINE_SIZE, FINE_SIZE)) > 0.5,
              semantic=rng.random((18, MAP_SIZE, MAP_SIZE)).astype(np.float32),
              seen=rng.random((MAP_SIZE, MAP_SIZE)), targets=home.furniture[:1],
              trail=rng.uniform(1, 5, (200, 2)),
              attention=rng.random((MAP_SIZE, MAP_SIZE)))
    img = draw_topdown(home, grid, **kw)
    x0, y0, x1, y1 = home.bounds()
    h, w = (y1 - y0 + 0.6) * 40, (x1 - x0 + 0.6) * 40
    assert abs(img.shape[0] - h) <= 1 and abs(img.shape[1] - w) <= 1 and img.shape[2] == 3
    assert img.dtype == np.uint8 and img.std() > 10
