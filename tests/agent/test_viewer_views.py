"""The viewer's numbers (agent.viewer.views), message builders and schemas: what the agent node
publishes and a recording holds."""

from __future__ import annotations

import numpy as np
import pytest

from agent.viewer import messages as m
from agent.viewer import schemas, topics, views
from sim.catalog import COLOR_NAMES, FURNITURE_TYPES
from sim.grid import MAP, MAP_SIZE

N = MAP_SIZE * MAP_SIZE


def test_attention_grid_is_the_pointer_distribution_scaled_to_its_mode():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, N)
    p = np.exp(logits - logits.max())
    p /= p.sum()
    grid = views.attention_grid(p, 5)
    data = np.asarray(grid["data"], dtype=np.float64)
    assert grid["info"]["width"] == grid["info"]["height"] == MAP_SIZE
    assert data.max() == 100 and data.argmax() == p.argmax() and data.min() >= 0
    # Each cell is its probability relative to the mode's, to the nearest percent: the grid is
    # the distribution up to its scale and that rounding, and keeps the cells' order.
    assert np.abs(data - 100 * p / p.max()).max() <= 0.5 + 1e-9
    order = np.argsort(p)
    assert (np.diff(data[order]) >= 0).all()
    flat = views.attention_grid(np.zeros(N), 5)
    assert set(flat["data"]) == {0}
    with pytest.raises(ValueError, match="attention has 10 cells"):
        views.attention_grid(np.ones(10), 5)


def test_goal_grid_clips_and_survives_nan():
    g = np.linspace(-0.5, 1.5, N)
    g[7] = np.nan
    data = np.asarray(views.goal_grid(g, 1)["data"])
    assert data.min() == 0 and data.max() == 100 and data[7] == 0


def _namespace(d):
    return m.as_message(d)


def test_semantic_markers_hold_each_labelled_cell_once_and_read_back():
    sem = np.zeros((len(FURNITURE_TYPES) + len(COLOR_NAMES), MAP_SIZE, MAP_SIZE), np.float32)
    couch, table = FURNITURE_TYPES.index("couch"), FURNITURE_TYPES.index("table")
    red = len(FURNITURE_TYPES) + COLOR_NAMES.index("red")
    sem[couch, 10, 12] = 0.9
    sem[red, 10, 12] = 0.8
    sem[table, 10, 12] = 0.5  # weaker than the couch there: the cell is the couch's
    sem[table, 30, 5] = 0.6  # no colour read: grey
    sem[couch, 40, 40] = 0.2  # below the threshold: no cube
    arr = views.semantic_markers(sem, 3)
    markers = arr["markers"]
    assert markers[0]["action"] == m.DELETEALL
    by_ns = {mk["ns"]: mk for mk in markers[1:]}
    assert set(by_ns) == {"couch", "table"}
    assert len(by_ns["couch"]["points"]) == 1 and len(by_ns["table"]["points"]) == 1
    x, y = MAP.to_world(10, 12)
    p = by_ns["couch"]["points"][0]
    assert (p["x"], p["y"]) == (x, y)
    assert by_ns["couch"]["colors"][0]["a"] == pytest.approx(0.9)
    assert by_ns["table"]["colors"][0] == dict(views.NO_COLOR, a=m.f32(0.6))
    back = views.semantic_from_markers([_namespace(mk) for mk in markers])
    assert back[couch, 10, 12] == pytest.approx(0.9) and back[red, 10, 12] == 1.0
    assert back[table, 30, 5] == pytest.approx(0.6)
    assert back[len(FURNITURE_TYPES):, 30, 5].sum() == 0
    assert back[couch, 40, 40] == 0 and back[table, 10, 12] == 0


def test_overlay_blends_labelled_pixels_only():
    rgb = np.full((6, 8, 3), 100, np.uint8)
    types = np.zeros((6, 8), np.uint8)
    types[2:4, 3:5] = 1 + FURNITURE_TYPES.index("bed")
    out = views.overlay(rgb, types)
    assert np.array_equal(out[types == 0], rgb[types == 0])
    assert not np.array_equal(out[types > 0], rgb[types > 0])
    with pytest.raises(ValueError, match="do not match"):
        views.overlay(rgb, types[:3])


def test_path_poses_face_the_next_point():
    pts = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
    poses = m.path(pts, 9, "map")["poses"]
    yaws = [m.yaw_of(p["pose"]["orientation"]) for p in poses]
    assert yaws == pytest.approx([0.0, np.pi / 2, np.pi / 2])
    assert all(p["header"]["frame_id"] == "map" for p in poses)


def test_schemas_compose_each_dependency_once():
    text = schemas.definition("nav_msgs/msg/Odometry")
    deps = [line[5:] for line in text.splitlines() if line.startswith("MSG: ")]
    assert len(deps) == len(set(deps))
    assert {"std_msgs/Header", "builtin_interfaces/Time", "geometry_msgs/PoseWithCovariance",
            "geometry_msgs/Quaternion", "geometry_msgs/Vector3"} <= set(deps)
    with pytest.raises(ValueError, match="no message definition"):
        schemas.definition("tf2_msgs/msg/TFMessage")
    with pytest.raises(ValueError, match="not a ROS 2 message type name"):
        schemas.definition("Odometry")


def test_every_recorded_type_round_trips_through_mcap(tmp_path):
    pytest.importorskip("mcap_ros2")
    from agent.viewer.recording import Recorder, read_recording
    from sim.camera import CameraSpec

    t, rng = 1_234_567_890_123, np.random.default_rng(1)
    sem = (rng.random((len(FURNITURE_TYPES) + len(COLOR_NAMES), MAP_SIZE, MAP_SIZE)) ** 6
           ).astype(np.float32)
    sample = {
        topics.MAP: m.floor_grid(rng.random((240, 240)) > 0.5, 0.05, t, "map"),
        topics.ROOMS: m.string('{"rooms": []}'),
        topics.SIM_HOME: m.string('{"rooms": [], "furniture": []}'),
        topics.ODOM: m.odometry((1.0, 2.0, 0.5), 0.2, -0.1, t, "odom", "base_link"),
        topics.CMD_VEL: m.twist(0.2, -0.1),
        topics.IMAGE: m.rgb_image(rng.integers(0, 255, (60, 80, 3), np.uint8), t, "cam"),
        topics.DEPTH: m.depth_image(rng.random((60, 80)).astype(np.float32), t, "cam"),
        topics.CAMERA_INFO: m.camera_info(CameraSpec(), t, "cam"),
        topics.STATUS: m.string('{"state": "idle"}'),
        topics.ATTENTION: views.attention_grid(rng.random(N), t),
        topics.GOAL_MAP: views.goal_grid(rng.random(N), t),
        topics.SEMANTIC_MAP: views.semantic_markers(sem, t),
        topics.TARGET: m.pose_stamped(3.0, 4.0, 1.0, t, "map"),
        topics.PLAN: m.path(rng.random((5, 2)) * 10, t, "map"),
        topics.CAMERA_OVERLAY: m.rgb_image(rng.integers(0, 255, (60, 80, 3), np.uint8), t,
                                           "cam"),
    }
    assert set(sample) == set(topics.RECORDED)
    path = tmp_path / "all.mcap"
    with Recorder(path) as rec:
        for i, (topic, msg) in enumerate(sample.items()):
            rec(topic, t + i, msg)
    back = {topic: msg for topic, _, _, msg in read_recording(path)}
    assert back[topics.TARGET].pose.position.x == 3.0
    assert bytes(back[topics.IMAGE].data) == sample[topics.IMAGE]["data"]
    assert list(back[topics.ATTENTION].data) == sample[topics.ATTENTION]["data"]
    assert back[topics.CAMERA_INFO].k == pytest.approx(sample[topics.CAMERA_INFO]["k"])
    assert views.semantic_from_markers(back[topics.SEMANTIC_MAP].markers) == pytest.approx(
        views.semantic_from_markers([m.as_message(x) for x in sample[topics.SEMANTIC_MAP]
                                     ["markers"]]))
