"""`roomby-agent-lifecycle-node` over real DDS: the standard lifecycle transitions through the
node's lifecycle services, with the robot driving between activate and deactivate."""

from __future__ import annotations

from pathlib import Path

import pytest

rclpy = pytest.importorskip("rclpy")
pytest.importorskip("rclpy.lifecycle")
from geometry_msgs.msg import Twist  # noqa: E402
from harness import Bus  # noqa: E402
from lifecycle_msgs.msg import State, Transition  # noqa: E402
from lifecycle_msgs.srv import ChangeState, GetState  # noqa: E402
from std_msgs.msg import String  # noqa: E402
from test_ros_loop import EPISODE, moving  # noqa: E402

from ros import topics  # noqa: E402


class Lifecycle:
    """The node's lifecycle services, called from the test's bus."""

    def __init__(self, bus: Bus, node: str = "/roomby_agent"):
        self.bus = bus
        self.get = bus.node.create_client(GetState, f"{node}/get_state")
        self.change = bus.node.create_client(ChangeState, f"{node}/change_state")
        assert bus.spin_until(lambda: self.get.service_is_ready()
                              and self.change.service_is_ready(), 60), bus.logs()

    def _call(self, client, request):
        future = client.call_async(request)
        assert self.bus.spin_until(future.done, 60), self.bus.logs()
        return future.result()

    def state(self) -> int:
        return self._call(self.get, GetState.Request()).current_state.id

    def set(self, transition: int) -> bool:
        return self._call(self.change, ChangeState.Request(
            transition=Transition(id=transition))).success


@pytest.mark.slow
def test_configure_activate_drive_deactivate_cleanup(bus: Bus, tmp_path: Path):
    rooms = tmp_path / "rooms.yaml"
    status = bus.record(String, topics.STATUS, topics.EVENTS)
    cmd_vel = bus.record(Twist, topics.CMD_VEL)
    sim_status = bus.record(String, topics.SIM_STATUS)
    bus.start("roomby-sim-node", rooms_file=rooms, **EPISODE)
    bus.start("roomby-agent-lifecycle-node", rooms_file=rooms)
    life = Lifecycle(bus)
    log = lambda: bus.json_log(topics.STATUS)  # noqa: E731

    assert life.state() == State.PRIMARY_STATE_UNCONFIGURED
    assert bus.node.count_publishers(topics.CMD_VEL) == 0 and not status

    assert life.set(Transition.TRANSITION_CONFIGURE)
    assert life.state() == State.PRIMARY_STATE_INACTIVE
    assert bus.spin_until(lambda: log() and log()[-1]["state"] == "inactive", 10)
    command = bus.publisher(String, topics.COMMAND, topics.EVENTS)
    assert bus.spin_until(lambda: command.get_subscription_count() and sim_status, 30)
    instruction = bus.json_log(topics.SIM_STATUS)[-1]["instruction"]
    command.publish(String(data=instruction))
    assert bus.spin_until(lambda: "not active" in log()[-1]["warning"], 10), log()[-1]
    assert log()[-1]["received"] == 1 and not cmd_vel  # refused: inactive nodes do not drive

    assert life.set(Transition.TRANSITION_ACTIVATE)
    assert life.state() == State.PRIMARY_STATE_ACTIVE
    command.publish(String(data=instruction))
    assert bus.spin_until(lambda: any(moving(m) for _, m in cmd_vel), 60), bus.logs()

    n = len(cmd_vel)
    assert life.set(Transition.TRANSITION_DEACTIVATE)
    assert life.state() == State.PRIMARY_STATE_INACTIVE
    # A velocity sent just before the transition may still be in flight; the last word on
    # /cmd_vel is a stop, and nothing follows it.
    assert bus.spin_until(lambda: len(cmd_vel) > n and not moving(cmd_vel[-1][1]), 5)
    k = len(cmd_vel)
    bus.spin_for(1.0)
    assert len(cmd_vel) == k and log()[-1]["state"] == "inactive"

    assert life.set(Transition.TRANSITION_CLEANUP)
    assert life.state() == State.PRIMARY_STATE_UNCONFIGURED
    assert bus.spin_until(lambda: bus.node.count_publishers(topics.CMD_VEL) == 0, 10)
    # Configured and activated again, it takes commands again.
    assert life.set(Transition.TRANSITION_CONFIGURE) and life.set(Transition.TRANSITION_ACTIVATE)
    command.publish(String(data=instruction))
    assert bus.spin_until(lambda: log()[-1]["state"] == "executing", 10), log()[-1]


def test_configure_fails_on_a_bad_bundle_and_stays_unconfigured(bus: Bus, tmp_path: Path):
    node = bus.start("roomby-agent-lifecycle-node", backend="onnx",
                     bundle=str(tmp_path / "missing"))
    life = Lifecycle(bus)
    assert not life.set(Transition.TRANSITION_CONFIGURE)
    assert life.state() == State.PRIMARY_STATE_UNCONFIGURED
    assert bus.spin_until(lambda: "configure failed" in node.log(), 5), node.log()
    assert node.alive
