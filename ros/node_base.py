"""What every Roomby node shares: parameters declared from one dict, and `main`'s life cycle."""

from __future__ import annotations

import sys
from collections.abc import Callable

import rclpy
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node
from rclpy.subscription import Subscription


class RoombyNode(Node):
    """A Node whose parameters and defaults are one dict (the launch-file test reads it)."""

    def __init__(self, name: str, parameters: dict[str, object]):
        super().__init__(name)
        for key, default in parameters.items():
            self.declare_parameter(key, default)

    def param(self, name: str):
        return self.get_parameter(name).value

    def close(self) -> None:
        """Release what the node holds besides ROS (before destroy_node)."""


def subscribe_stamped(node: Node, msg_type, topic: str, handler, qos) -> None:
    """Subscribe with handler(msg, stamp): the publisher's send time in ns where rclpy passes
    message info to callbacks (Iron and later), else -1 (Humble)."""
    if hasattr(Subscription, "CallbackType"):
        node.create_subscription(msg_type, topic, lambda m, info: handler(
            m, int(info.get("source_timestamp", -1))), qos)
    else:
        node.create_subscription(msg_type, topic, lambda m: handler(m, -1), qos)


def spin_node(make: Callable[[], RoombyNode], script: str,
              config_errors: tuple[type[Exception], ...], args: list[str] | None = None) -> int:
    """Init, build the node, spin until Ctrl-C or shutdown, clean up (Humble and Jazzy: no
    context manager). A configuration error while building exits 1 with one line saying why."""
    rclpy.init(args=args)
    node = None
    try:
        try:
            node = make()
        except config_errors as e:
            print(f"{script}: {e}", file=sys.stderr)
            return 1
        rclpy.spin(node)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        if node is not None:
            node.close()
            node.destroy_node()
        if rclpy.ok():
            rclpy.shutdown()
    return 0
