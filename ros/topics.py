"""Topic names (from agent.viewer.topics) and QoS profiles shared by Roomby's nodes
(docs/architecture.md, docs/ros2.md)."""

from __future__ import annotations

from rclpy.qos import (
    DurabilityPolicy,
    HistoryPolicy,
    QoSProfile,
    ReliabilityPolicy,
    qos_profile_sensor_data,
)

from agent.viewer.topics import (  # noqa: F401  (names live where the recorder can use them)
    ATTENTION,
    BASE_FRAME,
    CAMERA_FRAME,
    CAMERA_INFO,
    CAMERA_OVERLAY,
    CMD_VEL,
    COMMAND,
    DEPTH,
    GOAL_MAP,
    IMAGE,
    MAP,
    MAP_FRAME,
    ODOM,
    ODOM_FRAME,
    PLAN,
    ROOMS,
    SEMANTIC_MAP,
    SIM_RESET,
    SIM_STATUS,
    STATUS,
    STOP,
    TARGET,
    VIEWER,
    VIEWER_NAMES,
)

SENSOR_QOS = qos_profile_sensor_data
"""Cameras: best effort, keep the last few (a late frame is worth nothing)."""
MAP_QOS = QoSProfile(depth=1, history=HistoryPolicy.KEEP_LAST,
                     reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)
"""/map as map_server publishes it: a late subscriber still gets the last map (and the room
labels on /roomby/rooms, which go with it)."""
RELIABLE = 10
"""Odometry and velocity: the default reliable profile, depth 10."""
EVENTS = QoSProfile(depth=100, history=HistoryPolicy.KEEP_LAST,
                    reliability=ReliabilityPolicy.RELIABLE)
"""Commands and status: reliable with a deep queue, so a burst of commands (an app retrying, a
script) is queued and each one answered, not overwritten before the node reads it."""
