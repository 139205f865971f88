"""Bad input never stops a node: malformed commands, images, odometry, maps and reset requests
are dropped with a warning on the status topic saying why; the node keeps working."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy")
from harness import Bus  # noqa: E402
from nav_msgs.msg import OccupancyGrid, Odometry  # noqa: E402
from sensor_msgs.msg import Image  # noqa: E402
from std_msgs.msg import String  # noqa: E402

from agent.runtime.rooms import RoomLabel, load_rooms, save_rooms  # noqa: E402
from ros.conversions import depth_image, occupancy_grid, odometry, rgb_image  # noqa: E402
from ros.topics import MAP_QOS, SENSOR_QOS  # noqa: E402


def _warnings(bus: Bus) -> list[str]:
    return [s["warning"] for s in bus.json_log("/roomby/status") if s["warning"]]


@pytest.mark.slow
def test_agent_node_reports_bad_input_and_keeps_working(bus: Bus, tmp_path: Path):
    rooms = tmp_path / "rooms.yaml"
    save_rooms(rooms, [RoomLabel("kitchen", ((1, 1), (5, 1), (5, 4), (1, 4)))])
    status = bus.record(String, "/roomby/status")
    agent = bus.start("roomby-agent-node", rooms_file=rooms)
    command = bus.publisher(String, "/roomby/command")
    image = bus.publisher(Image, "/camera/image_raw", SENSOR_QOS)
    depth = bus.publisher(Image, "/camera/depth/image_raw", SENSOR_QOS)
    odom = bus.publisher(Odometry, "/odom")
    grid = bus.publisher(OccupancyGrid, "/map", MAP_QOS)
    assert bus.spin_until(lambda: status and command.get_subscription_count()
                          and image.get_subscription_count(), 60), bus.logs()
    stamp = bus.node.get_clock().now().to_msg()
    bad_size = rgb_image(np.zeros((48, 64, 3), np.uint8), stamp, "cam")
    mono = rgb_image(np.zeros((60, 80, 3), np.uint8), stamp, "cam")
    mono.encoding = "mono16"
    short = rgb_image(np.zeros((60, 80, 3), np.uint8), stamp, "cam")
    short.data = bytes(100)
    nan_odom = odometry((float("nan"), 1.0, 0.0), 0.0, 0.0, stamp, "odom", "base_link")
    bad_map = occupancy_grid(np.ones((240, 240), bool), 0.05, stamp, "map")
    bad_map.data = [0] * 10
    cases = [  # (publisher, message, what the warning must say)
        (command, String(data=""), "empty command"),
        (command, String(data="go " * 35_000), "too long"),
        (command, String(data="florp the blorp"), "no object or room I know"),
        # Free text: the same answers as `roomby parse` and `roomby listen` give.
        (command, String(data="what's the weather like?"), "not a command: a question"),
        (command, String(data="go to the piano"), "'piano' is not furniture I know; I know"),
        (image, bad_size, "64 x 48 pixels; the policy's camera is 80 x 60"),
        (image, mono, "encoding 'mono16'"),
        (image, short, "bytes, got 100"),
        (depth, depth_image(np.ones((10, 10), np.float32), stamp, "cam"), "10 x 10 pixels"),
        (odom, nan_odom, "NaN"),
        (grid, bad_map, "has 10 values"),
    ]
    for pub, msg, why in cases:
        pub.publish(msg)
        assert bus.spin_until(lambda why=why: any(why in w for w in _warnings(bus)), 10), \
            (why, _warnings(bus), bus.logs())
        assert agent.alive, bus.logs()
    # Refused commands changed nothing; a good one (with a word it does not know) is taken.
    assert bus.json_log("/roomby/status")[-1]["state"] == "idle"
    command.publish(String(data="zorp, go to the kichen please"))  # typo and filler read
    assert bus.spin_until(lambda: bus.json_log("/roomby/status")[-1]["state"] == "executing", 10)
    last = bus.json_log("/roomby/status")[-1]
    assert last["goal"]["room"] == "kitchen" and last["unknown_words"] == ["zorp"]
    assert "waiting for /map" in last["message"]  # the bad map was dropped
    assert agent.alive


@pytest.mark.slow
def test_nodes_refuse_a_bad_configuration(bus: Bus, tmp_path: Path):
    missing = tmp_path / "no_bundle"
    bad = bus.start("roomby-agent-node", backend="onnx", bundle=missing)
    assert bad.proc.wait(timeout=60) == 1
    assert str(missing) in bad.log(), bad.log()
    wrong = bus.start("roomby-agent-node", backend="tensorflow")
    assert wrong.proc.wait(timeout=60) == 1
    assert "backend='tensorflow'" in wrong.log(), wrong.log()
    sim = bus.start("roomby-sim-node", goal="'not json'")
    assert sim.proc.wait(timeout=60) == 1
    assert "parameter goal='not json' is not JSON" in sim.log(), sim.log()
    sim = bus.start("roomby-sim-node", env_id="Roomby/Nope-v0")
    assert sim.proc.wait(timeout=60) == 1
    assert "Nope" in sim.log() and "Traceback" not in sim.log(), sim.log()


@pytest.mark.slow
def test_sim_node_refuses_bad_resets_and_cmd_vel(bus: Bus, tmp_path: Path):
    from geometry_msgs.msg import Twist

    rooms = tmp_path / "rooms.yaml"
    status = bus.record(String, "/roomby/sim_status")
    sim = bus.start("roomby-sim-node", env_id="Roomby/GoToRoom-v0", seed=1, rooms_file=rooms)
    reset = bus.publisher(String, "/roomby/sim_reset")
    cmd = bus.publisher(Twist, "/cmd_vel")
    assert bus.spin_until(lambda: status and reset.get_subscription_count(), 60), bus.logs()
    log = lambda: bus.json_log("/roomby/sim_status")  # noqa: E731
    first = log()[-1]
    for bad, why in (("{not json", "reset request refused"), ('{"colour": 1}', "keys seed"),
                     (json.dumps({"goal": {"task": "fly"}}), "reset request refused")):
        reset.publish(String(data=bad))
        assert bus.spin_until(lambda why=why: why in log()[-1]["error"], 10), (bad, log()[-1])
        assert sim.alive
    assert log()[-1]["instruction"] == first["instruction"]  # the episode went on
    nan = Twist()
    nan.linear.x = float("nan")
    cmd.publish(nan)
    bus.spin_for(0.5)
    assert sim.alive and log()[-1]["distance"] == 0.0
    reset.publish(String(data=json.dumps({"seed": 7})))
    assert bus.spin_until(lambda: log()[-1]["seed"] == 7 and not log()[-1]["error"], 20)
    assert "WARN" in sim.log() and "NaN" in sim.log()
    # A goal of one's own, with one's own words: the sim builds a home for it and scores it.
    goal = {"task": "goto_room", "room": "kitchen"}
    reset.publish(String(data=json.dumps({"seed": 8, "goal": goal,
                                          "instruction": "kitchen please"})))
    assert bus.spin_until(lambda: log()[-1]["seed"] == 8, 20), log()[-1]
    assert log()[-1]["instruction"] == "kitchen please"
    assert log()[-1]["goal"]["room"] == "kitchen" and log()[-1]["state"] == "waiting"
    assert "kitchen" in {r.name for r in load_rooms(rooms)}


@pytest.mark.slow
def test_sim_node_runs_a_home_file_with_a_goal_parameter(bus: Bus, tmp_path: Path):
    from sim.home_generator import generate_home_and_grid

    home, _ = generate_home_and_grid(np.random.default_rng(5), 3, ["bedroom"], [])
    home.save(tmp_path / "flat.json")
    status = bus.record(String, "/roomby/sim_status")
    grid = bus.record(OccupancyGrid, "/map", MAP_QOS)
    bus.start("roomby-sim-node", home=tmp_path / "flat.json", env_id="Roomby/GoToRoom-v0",
              # Quoted: ROS reads a -p value as YAML, and bare JSON is a YAML mapping.
              goal="'" + json.dumps({"task": "goto_room", "room": "bedroom"}) + "'",
              instruction="go to the bedroom")
    assert bus.spin_until(lambda: status and grid, 60), bus.logs()
    s = bus.json_log("/roomby/sim_status")[-1]
    assert s["goal"]["room"] == "bedroom" and s["instruction"] == "go to the bedroom"
    msg = grid[-1][1]
    assert (msg.info.width, msg.info.height) == (240, 240)
    assert msg.info.resolution == pytest.approx(0.05)
    free = np.asarray(msg.data) == 0
    assert 0 < free.sum() < free.size
