"""The agent node's viewer topics (`agent.viewer.topics.VIEWER`): what the policy thinks, in
standard messages RViz2 and Foxglove draw (ament/roomby_ros/config/roomby.rviz and
roomby.foxglove.json). The numbers come from `agent.viewer.views`, the same as a recording's."""

from __future__ import annotations

from typing import Any

import numpy as np
from geometry_msgs.msg import PoseStamped
from nav_msgs.msg import OccupancyGrid, Path
from rclpy.node import Node
from sensor_msgs.msg import Image
from visualization_msgs.msg import MarkerArray

from agent.viewer import messages as m
from agent.viewer import views
from ros import topics
from ros.to_ros import to_ros
from sim.semantic_map import SEMANTIC_START

CLASSES = {"nav_msgs/msg/OccupancyGrid": OccupancyGrid, "nav_msgs/msg/Path": Path,
           "geometry_msgs/msg/PoseStamped": PoseStamped, "sensor_msgs/msg/Image": Image,
           "visualization_msgs/msg/MarkerArray": MarkerArray}


def viewer_topics(spec: str) -> list[str]:
    """The `viewer` parameter -> topics: 'all', 'none' (or empty), or a comma list of short
    names (attention, goal_map, semantic_map, target, plan, camera_overlay)."""
    spec = spec.strip()
    if spec == "all":
        return list(topics.VIEWER)
    if spec in ("", "none"):
        return []
    names = [n.strip() for n in spec.split(",") if n.strip()]
    unknown = [n for n in names if n not in topics.VIEWER_NAMES]
    if unknown:
        raise ValueError(f"parameter viewer: unknown topic name(s) {unknown}; use 'all', 'none' "
                         f"or some of {list(topics.VIEWER_NAMES)}")
    return [topics.VIEWER_NAMES[n] for n in names]


class ViewerTopics:
    """Publishers for the enabled viewer topics; each publish is skipped for a disabled one."""

    def __init__(self, node: Node, spec: str, create_publisher: Any = None):
        self.node = node
        self.pubs: dict[str, Any] = {}
        create = create_publisher or node.create_publisher
        for topic in viewer_topics(spec):
            qos = topics.SENSOR_QOS if topic == topics.CAMERA_OVERLAY else topics.MAP_QOS
            self.pubs[topic] = create(CLASSES[topics.VIEWER[topic]], topic, qos)
        self._plan: object = None
        self._decision = -1

    def _publish(self, topic: str, msg: dict) -> None:
        pub = self.pubs.get(topic)
        if pub is not None:
            pub.publish(to_ros(pub.msg_type, msg))

    def _now(self) -> int:
        return self.node.get_clock().now().nanoseconds

    def after_control(self, agent: Any) -> None:
        """After a control period: a new decision's views and a new plan, when there are."""
        if not self.pubs or agent is None:
            return
        if agent.decisions != self._decision and agent.last is not None:
            self._decision = agent.decisions
            self.decision(agent)
        plan = views.skill_plan(agent.skill)
        if plan is not None and plan is not self._plan and topics.PLAN in self.pubs:
            self._plan = plan
            self._publish(topics.PLAN, m.path(plan, self._now(), topics.MAP_FRAME))

    def decision(self, agent: Any) -> None:
        """The last decision's semantic map, attention, goal map and target."""
        ns, last = self._now(), agent.last
        attention = last.decision.attention
        if topics.SEMANTIC_MAP in self.pubs and agent.observation is not None:
            self._publish(topics.SEMANTIC_MAP, views.semantic_markers(
                agent.observation[SEMANTIC_START:], ns))
        if topics.ATTENTION in self.pubs and attention.get("pointer") is not None:
            self._publish(topics.ATTENTION, views.attention_grid(attention["pointer"], ns))
        if topics.GOAL_MAP in self.pubs and attention.get("goal_map") is not None:
            self._publish(topics.GOAL_MAP, views.goal_grid(attention["goal_map"], ns))
        if topics.TARGET in self.pubs and last.decision.skill_name != "stop":
            self._publish(topics.TARGET, views.decision_target(last.pose, last.target_xy, ns))

    def camera(self, rgb: np.ndarray, percept: Any) -> None:
        """The frame the perception just read, with its classes blended in."""
        if topics.CAMERA_OVERLAY in self.pubs and percept is not None:
            types, _ = percept.classes()
            self._publish(topics.CAMERA_OVERLAY, m.rgb_image(
                views.overlay(rgb, types), self._now(), topics.CAMERA_FRAME))
