"""The realistic profile through ROS: the sim node publishes noisy cameras and drifting,
re-localised odometry, the loop still carries out a command, and the agent node says when its
pose jumps."""

from __future__ import annotations

from pathlib import Path

import pytest

rclpy = pytest.importorskip("rclpy")
from harness import Bus  # noqa: E402
from nav_msgs.msg import Odometry  # noqa: E402
from std_msgs.msg import String  # noqa: E402
from test_ros_loop import EPISODE  # noqa: E402

from ros import topics  # noqa: E402
from ros.conversions import odometry  # noqa: E402


@pytest.mark.slow
def test_loop_with_the_realistic_profile(bus: Bus, tmp_path: Path):
    rooms = tmp_path / "rooms.yaml"
    sim_status = bus.record(String, topics.SIM_STATUS)
    bus.record(String, topics.STATUS, topics.EVENTS)
    bus.start("roomby-sim-node", rooms_file=rooms, realism="realistic", **EPISODE)
    bus.start("roomby-agent-node", rooms_file=rooms)
    command = bus.publisher(String, topics.COMMAND, topics.EVENTS)
    assert bus.spin_until(lambda: sim_status and command.get_subscription_count(), 60), \
        bus.logs()
    sim_log = lambda: bus.json_log(topics.SIM_STATUS)  # noqa: E731
    command.publish(String(data=sim_log()[-1]["instruction"]))
    assert bus.spin_until(lambda: any(s["success"] for s in sim_log()), 120), bus.logs()
    done = next(s for s in sim_log() if s["success"])
    # Judged on the truth while the odometry it published drifted from it.
    assert done["distance"] > 1.0 and done["pose_error"] > 0.0, done


def test_agent_says_when_its_pose_jumps(bus: Bus):
    bus.record(String, topics.STATUS, topics.EVENTS)
    agent = bus.start("roomby-agent-node")
    odom = bus.publisher(Odometry, topics.ODOM)
    assert bus.spin_until(lambda: bus.got.get(topics.STATUS) and
                          odom.get_subscription_count(), 60), bus.logs()
    log = lambda: bus.json_log(topics.STATUS)  # noqa: E731

    def send(x: float) -> None:
        stamp = bus.node.get_clock().now().to_msg()
        odom.publish(odometry((x, 1.0, 0.0), 0.0, 0.0, stamp, "odom", "base_link"))
        bus.spin_for(0.1)

    for x in (1.0, 1.02, 1.04):  # driving: no jump
        send(x)
    send(1.64)  # 0.6 m in 0.1 s: a re-localisation
    assert bus.spin_until(lambda: any("pose jumped 0.60 m" in s["warning"] for s in log()), 5), \
        log()[-3:]
    send(1.66)
    bus.spin_for(0.5)
    assert log()[-1]["pose_jumps"] == 1 and agent.alive
