"""The whole robot loop over real DDS: `roomby-sim-node` and `roomby-agent-node` as separate
processes, a command from this process, the episode judged by the sim; then the emergency stop
and the watchdog."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy")
from geometry_msgs.msg import Twist  # noqa: E402
from harness import Bus  # noqa: E402
from std_msgs.msg import Empty, String  # noqa: E402

from agent.runtime.rooms import load_rooms  # noqa: E402

CONTROL_PERIOD = 0.1  # s, the agent's control_rate 10 Hz
SENSOR_TIMEOUT = 0.5
# A held-out home where the shipped policy reaches the named room in 2 decisions (13 s of robot
# time): the test is about the loop, not about the policy's success rate (benchmarks measure it).
EPISODE = {"env_id": "Roomby/GoToRoom-v0", "seed": 3, "split": "heldout"}


def moving(twist: Twist) -> bool:
    return abs(twist.linear.x) > 1e-6 or abs(twist.angular.z) > 1e-6


@pytest.mark.slow
def test_command_over_dds_succeeds_then_estop_and_watchdog_stop_the_robot(bus: Bus,
                                                                          tmp_path: Path):
    rooms = tmp_path / "rooms.yaml"
    sim_status = bus.record(String, "/roomby/sim_status")
    status = bus.record(String, "/roomby/status")
    cmd_vel = bus.record(Twist, "/cmd_vel")
    sim = bus.start("roomby-sim-node", rooms_file=rooms, **EPISODE)
    agent = bus.start("roomby-agent-node", rooms_file=rooms, control_rate=10.0,
                      sensor_timeout=SENSOR_TIMEOUT)
    command = bus.publisher(String, "/roomby/command")
    stop = bus.publisher(Empty, "/roomby/stop")
    assert bus.spin_until(lambda: sim_status and status and command.get_subscription_count(),
                          60), bus.logs()
    sim_log = lambda: bus.json_log("/roomby/sim_status")  # noqa: E731
    agent_log = lambda: bus.json_log("/roomby/status")  # noqa: E731
    first = sim_log()[-1]
    assert first["state"] == "waiting" and not first["success"]

    # 1. The command the sim scores, typed by a person: the robot gets there and stops.
    command.publish(String(data=first["instruction"]))
    assert bus.spin_until(lambda: any(s["success"] for s in sim_log()), 90), bus.logs()
    done = next(s for s in sim_log() if s["success"])
    assert done["state"] == "stopped" and done["distance"] > 1.0 and done["collisions"] <= 3
    assert bus.spin_until(lambda: agent_log()[-1]["state"] == "succeeded", 5), agent_log()[-1]
    assert agent_log()[-1]["goal"] == first["goal"] and agent_log()[-1]["step"] >= 2
    # What the fast-weight memory read back at the last decision: a share per earlier one.
    assert len(agent_log()[-1]["memory_read"]) == agent_log()[-1]["step"] - 1
    assert any(moving(m) for _, m in cmd_vel)

    # 2. Emergency stop while driving: zero velocity within one control period, and it stays.
    other = next(r.name for r in load_rooms(rooms) if r.name != first["goal"]["room"])
    go = f"go to the {other.replace('_', ' ')}"
    n = len(cmd_vel)
    command.publish(String(data=go))
    assert bus.spin_until(lambda: any(moving(m) for _, m in cmd_vel[n:]), 20), bus.logs()
    # A new command pre-empts the one under way: fresh decisions for the new goal.
    command.publish(String(data=first["instruction"]))
    assert bus.spin_until(lambda: agent_log()[-1]["instruction"] == first["instruction"], 5)
    assert agent_log()[-1]["state"] == "executing" and agent_log()[-1]["step"] <= 1
    command.publish(String(data=go))
    assert bus.spin_until(lambda: agent_log()[-1]["instruction"] == go, 5)
    t_stop = time.monotonic()
    stop.publish(Empty())
    assert bus.spin_until(lambda: any(t > t_stop and not moving(m) for t, m in cmd_vel), 2)
    t_zero = next(t for t, m in cmd_vel if t > t_stop and not moving(m))
    assert t_zero - t_stop < CONTROL_PERIOD, t_zero - t_stop
    bus.spin_for(1.0)
    assert not any(moving(m) for t, m in cmd_vel if t > t_zero)
    assert agent_log()[-1]["state"] == "stopped"

    # 3. Watchdog: driving again, the sim dies; zero velocity once its data is stale.
    n = len(cmd_vel)
    command.publish(String(data=go))
    assert bus.spin_until(lambda: any(moving(m) for _, m in cmd_vel[n:]), 20), bus.logs()
    sim.stop(kill=True)
    t_kill = time.monotonic()
    assert bus.spin_until(lambda: any(t > t_kill and not moving(m) for t, m in cmd_vel), 3)
    t_zero = next(t for t, m in cmd_vel if t > t_kill and not moving(m))
    assert t_zero - t_kill <= SENSOR_TIMEOUT + 2 * CONTROL_PERIOD, t_zero - t_kill
    bus.spin_for(1.0)
    assert not any(moving(m) for t, m in cmd_vel if t > t_zero)
    assert agent.alive and "watchdog" in agent_log()[-1]["message"], agent_log()[-1]


@pytest.mark.slow
def test_two_plain_processes_carry_out_a_room_command(bus: Bus):
    """No parameters at all: the sim node publishes its rooms beside its map, the agent node
    labels its map with them, and a typed room command takes the robot there."""
    from nav_msgs.msg import Odometry

    from ros.topics import MAP_QOS

    rooms_log = bus.record(String, "/roomby/rooms", MAP_QOS)
    status = bus.record(String, "/roomby/status")
    odom = bus.record(Odometry, "/odom")
    bus.start("roomby-sim-node")
    bus.start("roomby-agent-node")
    command = bus.publisher(String, "/roomby/command")
    assert bus.spin_until(lambda: rooms_log and status and odom
                          and command.get_subscription_count(), 60), bus.logs()
    rooms = {r["name"]: np.asarray(r["polygon"]) for r in
             json.loads(rooms_log[-1][1].data)["rooms"]}
    name = "kitchen" if "kitchen" in rooms else sorted(rooms)[0]
    command.publish(String(data=f"go to the {name.replace('_', ' ')}"))
    agent_log = lambda: bus.json_log("/roomby/status")  # noqa: E731
    assert bus.spin_until(lambda: agent_log()[-1]["state"] == "succeeded", 120), \
        (agent_log()[-3:], bus.logs())
    assert agent_log()[-1]["goal"]["room"] == name
    p = odom[-1][1].pose.pose.position
    (x0, y0), (x1, y1) = rooms[name].min(axis=0), rooms[name].max(axis=0)
    assert x0 <= p.x <= x1 and y0 <= p.y <= y1, (name, p.x, p.y, rooms[name])
