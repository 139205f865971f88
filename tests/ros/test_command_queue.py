"""The agent node's command queue over DDS: every command acknowledged, an e-stop overrides the
commands queued before it, a command after the stop runs. The agent node runs alone here, so an
accepted command waits for its map ("executing", pending): what it must not do after a stop."""

from __future__ import annotations

import pytest

rclpy = pytest.importorskip("rclpy")
from harness import Bus  # noqa: E402
from std_msgs.msg import Empty, String  # noqa: E402

from ros import topics  # noqa: E402


def test_a_stop_overrides_the_commands_queued_before_it(bus: Bus):
    bus.start("roomby-agent-node")
    bus.record(String, topics.STATUS, topics.EVENTS)
    command = bus.publisher(String, topics.COMMAND, topics.EVENTS)
    stop = bus.publisher(Empty, topics.STOP, 10)

    def log() -> list[dict]:
        return bus.json_log(topics.STATUS)

    assert bus.spin_until(lambda: bool(log()), 90), bus.logs()
    bus.spin_for(1.0)  # both publishers matched
    for _ in range(100):
        command.publish(String(data="go to the kitchen"))
    stop.publish(Empty())
    assert bus.spin_until(lambda: max(s["received"] for s in log()) == 100
                          and any(s["state"] == "stopped" for s in log()), 30), log()[-3:]
    bus.spin_for(1.0)
    states = [s["state"] for s in log()]
    after = states[states.index("stopped"):]
    assert set(after) == {"stopped"}, "a command sent before the stop ran after it"
    dropped = [s for s in log() if "sent before the emergency stop" in s["warning"]]
    assert len(dropped) + states.count("executing") >= 100 - 5  # each answered, one way or other

    command.publish(String(data="go to the bedroom"))
    assert bus.spin_until(lambda: log()[-1]["received"] == 101
                          and log()[-1]["state"] == "executing", 10), log()[-3:]
    assert log()[-1]["instruction"] == "go to the bedroom"
