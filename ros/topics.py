"""Topic names and QoS profiles shared by Roomby's nodes (docs/architecture.md, docs/ros2.md)."""

from __future__ import annotations

from rclpy.qos import (
    DurabilityPolicy,
    HistoryPolicy,
    QoSProfile,
    ReliabilityPolicy,
    qos_profile_sensor_data,
)

COMMAND = "/roomby/command"
STATUS = "/roomby/status"
STOP = "/roomby/stop"
SIM_STATUS = "/roomby/sim_status"
SIM_RESET = "/roomby/sim_reset"
ROOMS = "/roomby/rooms"
IMAGE = "/camera/image_raw"
DEPTH = "/camera/depth/image_raw"
CAMERA_INFO = "/camera/camera_info"
ODOM = "/odom"
MAP = "/map"
CMD_VEL = "/cmd_vel"

ODOM_FRAME = "odom"
MAP_FRAME = "map"
BASE_FRAME = "base_link"
CAMERA_FRAME = "camera_color_optical_frame"

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
