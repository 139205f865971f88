"""`roomby_agent` as a managed (lifecycle) node: `roomby-agent-lifecycle-node`.

The same node as `roomby-agent-node` (ros/agent_node.py: topics, parameters, status), driven
through the standard lifecycle (design.ros2.org/articles/node_lifecycle.html), as Nav2's nodes
are, e.g. by a lifecycle manager or by hand:

    ros2 lifecycle set /roomby_agent configure    # loads the bundle or checkpoint, subscribes
    ros2 lifecycle set /roomby_agent activate     # /cmd_vel and the viewer topics on; commands run
    ros2 lifecycle set /roomby_agent deactivate   # zero velocity, the task is dropped
    ros2 lifecycle set /roomby_agent cleanup      # releases the policy and the topics

- unconfigured: nothing but the lifecycle services.
- inactive: sensors are read and the status is published (state "inactive"); commands are
  answered on the status as refused until the node is active; /cmd_vel is silent.
- active: as the plain node. `/roomby/stop` works as there.
A configure that cannot load the policy (bad bundle, missing checkpoint) fails with the reason
logged and the node stays unconfigured. Needs rclpy's lifecycle support (Humble and later);
where rclpy lacks it, run the plain `roomby-agent-node`.
"""

from __future__ import annotations

import sys

from ros.agent_node import PARAMETERS, AgentLogic
from ros.node_base import spin_node

try:
    from rclpy.lifecycle import LifecycleNode, LifecycleState, TransitionCallbackReturn
except ImportError:  # rclpy before Humble
    LifecycleNode = None  # type: ignore[assignment,misc]

from agent.runtime import BundleError

CONFIG_ERRORS = (ValueError, BundleError, OSError)

if LifecycleNode is not None:

    class ManagedAgentNode(AgentLogic, LifecycleNode):
        """The agent node under the lifecycle state machine (see the module doc)."""

        def __init__(self):
            LifecycleNode.__init__(self, "roomby_agent")
            for key, default in PARAMETERS.items():
                self.declare_parameter(key, default)
            self.active = False
            self.timer = None
            self._subs: list = []
            self._pubs: list = []
            self._managed: list = []
            self.get_logger().info("unconfigured: 'configure' loads the policy")

        def close(self) -> None:
            """Nothing beyond ROS to release (spin_node's hook)."""

        def on_configure(self, state: LifecycleState) -> TransitionCallbackReturn:
            subs, pubs = set(self.subscriptions), set(self.publishers)
            self._managed: list = []

            def managed(*args, **kwargs):
                pub = self.create_lifecycle_publisher(*args, **kwargs)
                self._managed.append(pub)
                return pub

            try:
                self._build(managed)
            except CONFIG_ERRORS as e:
                self.get_logger().error(f"configure failed: {e}")
                self._release(set(self.subscriptions) - subs, set(self.publishers) - pubs)
                return TransitionCallbackReturn.FAILURE
            self._subs = [s for s in self.subscriptions if s not in subs]
            self._pubs = [p for p in self.publishers if p not in pubs]
            self._set_state("inactive", "configured: activate to take commands")
            return super().on_configure(state)

        def on_activate(self, state: LifecycleState) -> TransitionCallbackReturn:
            result = super().on_activate(state)  # the lifecycle publishers speak from here
            self.active = True
            self.state, self.message = "idle", "active: waiting for a command"
            self._start_control()
            return result

        def on_deactivate(self, state: LifecycleState) -> TransitionCallbackReturn:
            self._halt()
            self._set_state("inactive", "deactivated: the robot is stopped")
            return super().on_deactivate(state)

        def on_cleanup(self, state: LifecycleState) -> TransitionCallbackReturn:
            self._release(self._subs, self._pubs)
            self.get_logger().info("cleaned up: unconfigured")
            return super().on_cleanup(state)

        def on_shutdown(self, state: LifecycleState) -> TransitionCallbackReturn:
            if self.active:
                self._halt()
            self._release(self._subs, self._pubs)
            return super().on_shutdown(state)

        def _halt(self) -> None:
            """Zero velocity while /cmd_vel can still speak, then no more control."""
            self._send(0.0, 0.0)
            if self.agent is not None:
                self.agent.done = True
            self.pending = False
            self.active = False
            if self.timer is not None:
                self.destroy_timer(self.timer)
                self.timer = None

        def _release(self, subs, pubs) -> None:
            for sub in list(subs):
                self.destroy_subscription(sub)
            for pub in list(pubs):
                if pub in self._managed:
                    self.destroy_lifecycle_publisher(pub)
                else:
                    self.destroy_publisher(pub)
            self._subs, self._pubs = [], []
            self.policy = None
            self.agent = None


def main(args: list[str] | None = None) -> int:
    if LifecycleNode is None:
        print("roomby-agent-lifecycle-node: this rclpy has no lifecycle support (Humble and "
              "later do); run roomby-agent-node instead", file=sys.stderr)
        return 1
    return spin_node(ManagedAgentNode, "roomby-agent-lifecycle-node", CONFIG_ERRORS, args)


if __name__ == "__main__":
    sys.exit(main())
