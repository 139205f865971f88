"""The agent node's viewer topics over real DDS, read by this process while `roomby-sim-node`
and `roomby-agent-node` run a command: shapes, frames and values (docs/viewer.md)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy")
from geometry_msgs.msg import PoseStamped  # noqa: E402
from harness import Bus  # noqa: E402
from nav_msgs.msg import OccupancyGrid  # noqa: E402
from nav_msgs.msg import Path as PathMsg  # noqa: E402
from sensor_msgs.msg import Image  # noqa: E402
from std_msgs.msg import String  # noqa: E402
from test_ros_loop import EPISODE  # noqa: E402
from visualization_msgs.msg import Marker, MarkerArray  # noqa: E402

from ros import topics  # noqa: E402
from sim.catalog import FURNITURE_TYPES  # noqa: E402
from sim.grid import EXTENT, MAP_RES, MAP_SIZE  # noqa: E402


def latest(bus: Bus, topic: str):
    got = bus.got.get(topic, [])
    return got[-1][1] if got else None


def check_grid(grid: OccupancyGrid) -> np.ndarray:
    assert grid.header.frame_id == topics.MAP_FRAME
    assert (grid.info.width, grid.info.height) == (MAP_SIZE, MAP_SIZE)
    assert math.isclose(grid.info.resolution, MAP_RES, rel_tol=1e-6)
    assert (grid.info.origin.position.x, grid.info.origin.position.y) == (0.0, 0.0)
    data = np.asarray(grid.data, dtype=np.int16)
    assert data.size == MAP_SIZE * MAP_SIZE and data.min() >= 0 and data.max() <= 100
    return data


@pytest.mark.slow
def test_viewer_topics_show_the_decision_the_robot_carries_out(bus: Bus, tmp_path: Path):
    rooms = tmp_path / "rooms.yaml"
    for topic, cls in ((topics.ATTENTION, OccupancyGrid), (topics.GOAL_MAP, OccupancyGrid),
                       (topics.SEMANTIC_MAP, MarkerArray), (topics.TARGET, PoseStamped),
                       (topics.PLAN, PathMsg)):
        bus.record(cls, topic, topics.MAP_QOS)
    bus.record(Image, topics.CAMERA_OVERLAY, topics.SENSOR_QOS)
    bus.record(String, topics.STATUS, topics.EVENTS)
    sim_status = bus.record(String, topics.SIM_STATUS)
    bus.start("roomby-sim-node", rooms_file=rooms, **EPISODE)
    bus.start("roomby-agent-node", rooms_file=rooms)
    command = bus.publisher(String, topics.COMMAND, topics.EVENTS)
    assert bus.spin_until(lambda: sim_status and command.get_subscription_count(), 60), \
        bus.logs()
    command.publish(String(data=bus.json_log(topics.SIM_STATUS)[-1]["instruction"]))
    status = lambda: bus.json_log(topics.STATUS)  # noqa: E731
    assert bus.spin_until(lambda: status() and status()[-1]["state"] == "succeeded", 90), \
        bus.logs()
    bus.spin_for(1.0)  # the last decision's views, published after its /cmd_vel
    final = status()[-1]

    # Attention: the pointer's distribution scaled to its mode; the chosen cell is the mode.
    attention = check_grid(latest(bus, topics.ATTENTION))
    assert attention.max() == 100 and attention[final["cell"]] == 100
    assert attention.sum() < 100 * MAP_SIZE * MAP_SIZE / 4  # a distribution, not a flat field
    check_grid(latest(bus, topics.GOAL_MAP))

    # Semantic map: a DELETEALL, then a cube list per object type the camera labelled.
    markers = latest(bus, topics.SEMANTIC_MAP).markers
    assert markers[0].action == Marker.DELETEALL
    cubes = markers[1:]
    assert cubes and all(m.type == Marker.CUBE_LIST and m.ns in FURNITURE_TYPES
                         and m.header.frame_id == topics.MAP_FRAME
                         and len(m.points) == len(m.colors) > 0 for m in cubes)
    for m in cubes:
        xy = np.array([(p.x, p.y) for p in m.points])
        assert xy.min() > 0 and xy.max() < EXTENT
        assert all(0.3 < c.a <= 1.0 for c in m.colors)

    # The plan of the last navigation ends at its target; both in the map frame.
    target, plan = latest(bus, topics.TARGET), latest(bus, topics.PLAN)
    assert target.header.frame_id == plan.header.frame_id == topics.MAP_FRAME
    assert len(plan.poses) >= 2 and all(p.header.frame_id == topics.MAP_FRAME
                                        for p in plan.poses)
    end = plan.poses[-1].pose.position
    assert math.hypot(end.x - target.pose.position.x, end.y - target.pose.position.y) < 0.3
    moved = [st for st in status() if st["skill"] in ("navigate", "clean")][-1]
    assert math.hypot(target.pose.position.x - moved["target"][0],
                      target.pose.position.y - moved["target"][1]) < 1e-6

    # The camera with the perception's classes: the policy's camera size, its frame.
    overlay = latest(bus, topics.CAMERA_OVERLAY)
    assert overlay is not None and overlay.encoding == "rgb8"
    assert (overlay.width, overlay.height) == (80, 60)
    assert overlay.header.frame_id == topics.CAMERA_FRAME


def test_viewer_parameter_selects_topics_and_names_a_wrong_one(bus: Bus):
    node = bus.start("roomby-agent-node", viewer="attention,plan")
    assert bus.spin_until(lambda: bus.node.count_publishers(topics.ATTENTION) == 1, 60), \
        bus.logs()
    assert bus.node.count_publishers(topics.PLAN) == 1
    assert bus.node.count_publishers(topics.SEMANTIC_MAP) == 0
    assert bus.node.count_publishers(topics.CAMERA_OVERLAY) == 0
    assert node.alive
    bad = bus.start("roomby-agent-node", viewer="attention,heatmap")
    assert bad.proc.wait(timeout=60) == 1
    assert "unknown topic name(s) ['heatmap']" in bad.log()
