"""Physics, camera and skills in the real PyBullet world."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.camera import CameraSpec
from sim.catalog import CLEAN_RADIUS, FURNITURE_TYPES, ROBOT_RADIUS
from sim.dirt import Dirt
from sim.grid import FINE, FINE_RES, HomeGrid
from sim.home import Door, Furniture, Home, Room
from sim.home_generator import generate_home_and_grid
from sim.skills import CleanSkill, GridFrame, NavigateSkill
from sim.world import World

FRAME = GridFrame(origin=(0.0, 0.0), res=FINE_RES, shape=FINE.shape)
SETTINGS = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def room_with_couch() -> Home:
    return Home([Room("living_room", (0.3, 0.3, 5.3, 4.3)), Room("kitchen", (5.3, 0.3, 8.3, 4.3))],
                [Door(("living_room", "kitchen"), (5.3, 2.3), 0.9, "y")],
                [Furniture("couch_0", "couch", "red", "living_room", (2.5, 2.0), (2.0, 0.9), 0)])


@pytest.fixture()
def world():
    w = World(CameraSpec())
    yield w
    w.close()


def test_robot_never_passes_through_a_wall(world: World):
    home = room_with_couch()
    world.build(home)
    world.set_pose(1.0, 3.5, math.pi / 2)  # facing the north wall (inner face at y = 4.25)
    for _ in range(100):
        world.apply(0.4, 0.0)
    x, y, _ = world.pose()
    assert y <= 4.25 - ROBOT_RADIUS + 0.01
    assert world.apply(0.4, 0.0) is True  # pressing on the wall is a contact


def test_robot_never_passes_through_a_leg(world: World):
    home = room_with_couch()
    world.build(home)
    leg = home.furniture[0].leg_rects()[0]  # south-west leg
    lx, ly = (leg[0] + leg[2]) / 2, (leg[1] + leg[3]) / 2
    world.set_pose(lx - 1.0, ly, 0.0)
    for _ in range(60):
        world.apply(0.4, 0.0)
    x, y, _ = world.pose()
    assert lx - x >= ROBOT_RADIUS + 0.02 - 0.01


def test_robot_drives_under_the_couch_between_the_legs(world: World):
    world.build(room_with_couch())
    world.set_pose(2.5, 0.9, math.pi / 2)
    for _ in range(30):
        world.apply(0.3, 0.0)
    x, y, _ = world.pose()
    assert abs(y - 1.8) < 0.01 and abs(x - 2.5) < 0.01  # under the couch, not deflected


def test_twist_semantics(world: World):
    world.build(room_with_couch())
    world.set_pose(1.0, 1.0, 0.0)
    world.apply(0.3, 0.0)
    x, y, th = world.pose()
    assert abs(x - 1.03) < 2e-3 and abs(y - 1.0) < 1e-3
    world.apply(0.0, 1.0)
    assert abs(world.pose()[2] - 0.1) < 2e-3


def test_camera_depth_and_segmentation(world: World):
    home = room_with_couch()
    world.build(home)
    cam = world.camera
    # Facing the east wall of the kitchen (inner face x = 8.25) from x = 7.0.
    world.set_pose(7.0, 1.2, 0.0)
    rgb, depth, seg = world.render_camera()
    assert rgb.shape == (cam.height, cam.width, 3) and rgb.dtype == np.uint8
    d_center = depth[cam.height // 2, cam.width // 2]
    expected = (8.25 - (7.0 + cam.forward)) / math.cos(math.radians(cam.pitch_deg))
    # Depth is along the optical axis: the wall point hit by the centre ray.
    assert abs(d_center * math.cos(math.radians(cam.pitch_deg)) -
               (8.25 - 7.0 - cam.forward)) < 0.03, (d_center, expected)
    # Facing the couch: its pixels carry its type and colour.
    world.set_pose(2.5, 0.8, math.pi / 2)
    _, depth, seg = world.render_camera()
    types, colors = world.oracle_labels(seg)
    assert (types == FURNITURE_TYPES.index("couch") + 1).sum() > 50
    assert set(np.unique(colors[types > 0])) == {1}  # red is colour index 0 -> label 1
    # Projected couch pixels land on the couch's footprint (within a few centimetres).
    wx, wy, _, idx = cam.project(depth, world.pose())
    on = types.reshape(-1)[idx] > 0
    x0, y0, x1, y1 = home.furniture[0].footprint
    assert ((wx[on] > x0 - 0.05) & (wx[on] < x1 + 0.05) & (wy[on] > y0 - 0.05)
            & (wy[on] < y1 + 0.05)).mean() > 0.97


@given(seed=st.integers(0, 10_000))
@SETTINGS
def test_navigate_reaches_reachable_cells_in_physics(seed: int):
    rng = np.random.default_rng(seed)
    home, grid = generate_home_and_grid(rng, (3, 4))
    world = World(CameraSpec())
    try:
        world.build(home)
        cells = np.argwhere(grid.reachable)
        start = FINE.to_world(*cells[rng.integers(len(cells))])
        world.set_pose(*start, float(rng.uniform(-np.pi, np.pi)))
        for _ in range(2):
            goal = FINE.to_world(*cells[rng.integers(len(cells))])
            skill = NavigateSkill(FRAME, grid.reachable, goal)
            for _ in range(3000):
                cmd = skill.step(world.pose())
                if cmd is None:
                    break
                world.apply(*cmd)
            x, y, _ = world.pose()
            assert skill.status == "reached", skill.status
            assert math.hypot(x - goal[0], y - goal[1]) < 0.08
    finally:
        world.close()


@given(seed=st.integers(0, 10_000))
@SETTINGS
def test_clean_covers_a_footprint_in_physics(seed: int):
    rng = np.random.default_rng(seed)
    home, grid = generate_home_and_grid(rng, (3, 4))
    raised = [f for f in home.furniture if f.kind == "raised"]
    if not raised:
        return
    f = raised[int(rng.integers(len(raised)))]
    world = World(CameraSpec())
    try:
        world.build(home)
        dirt = Dirt(grid, rng)
        cells = np.argwhere(grid.reachable)
        world.set_pose(*FINE.to_world(*cells[rng.integers(len(cells))]), 0.0)
        region = grid.footprint_mask(f) & grid.floor
        skill = CleanSkill(FRAME, grid.reachable, region, radius=CLEAN_RADIUS)
        for _ in range(6000):
            cmd = skill.step(world.pose())
            if cmd is None:
                break
            world.apply(*cmd)
            dirt.clean_at(*world.pose()[:2])
        reach = region & grid.coverable
        assert (dirt.cleaned & reach).sum() >= 0.95 * reach.sum(), f
    finally:
        world.close()


def test_many_worlds_in_one_process():
    worlds = [World(CameraSpec()) for _ in range(4)]
    try:
        assert len({w.client for w in worlds}) == 4
        home = room_with_couch()
        for i, w in enumerate(worlds):
            w.build(home)
            w.set_pose(1.0 + i * 0.5, 1.0, 0.0)
        for w in worlds:
            w.apply(0.3, 0.0)
        xs = [w.pose()[0] for w in worlds]
        assert np.allclose(np.diff(xs), 0.5, atol=1e-3)
    finally:
        for w in worlds:
            w.close()


def test_grid_of_hand_home(world: World):
    g = HomeGrid(room_with_couch())
    assert g.reachable[FINE.to_cell(2.5, 2.0)]  # under the couch
