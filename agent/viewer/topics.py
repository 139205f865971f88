"""Topic names, frames and message types of Roomby's nodes and recordings (no ROS needed: the
recorder writes the same topics without rclpy; `ros.topics` adds the QoS profiles)."""

from __future__ import annotations

COMMAND = "/roomby/command"
STATUS = "/roomby/status"
STOP = "/roomby/stop"
SIM_STATUS = "/roomby/sim_status"
SIM_RESET = "/roomby/sim_reset"
ROOMS = "/roomby/rooms"
SIM_HOME = "/roomby/sim_home"
"""A simulated episode's home as JSON (sim.home.Home): what the world really holds, for pictures
of a recording (a real robot has no such topic)."""
IMAGE = "/camera/image_raw"
DEPTH = "/camera/depth/image_raw"
CAMERA_INFO = "/camera/camera_info"
ODOM = "/odom"
MAP = "/map"
CMD_VEL = "/cmd_vel"

# What the policy thinks, for RViz2 and Foxglove (the agent node's viewer topics).
ATTENTION = "/roomby/attention"
GOAL_MAP = "/roomby/goal_map"
SEMANTIC_MAP = "/roomby/semantic_map"
TARGET = "/roomby/target"
PLAN = "/roomby/plan"
CAMERA_OVERLAY = "/roomby/camera_overlay"

ODOM_FRAME = "odom"
MAP_FRAME = "map"
BASE_FRAME = "base_link"
CAMERA_FRAME = "camera_color_optical_frame"

VIEWER: dict[str, str] = {
    ATTENTION: "nav_msgs/msg/OccupancyGrid",
    GOAL_MAP: "nav_msgs/msg/OccupancyGrid",
    SEMANTIC_MAP: "visualization_msgs/msg/MarkerArray",
    TARGET: "geometry_msgs/msg/PoseStamped",
    PLAN: "nav_msgs/msg/Path",
    CAMERA_OVERLAY: "sensor_msgs/msg/Image",
}
"""The viewer topics and their types. All but the overlay are latched (transient local): a
viewer started later still sees the last decision's."""

VIEWER_NAMES: dict[str, str] = {topic.rsplit("/", 1)[1]: topic for topic in VIEWER}
"""Short names (the agent node's `viewer` parameter): attention, goal_map, ..."""

RECORDED: dict[str, str] = {
    MAP: "nav_msgs/msg/OccupancyGrid",
    ROOMS: "std_msgs/msg/String",
    SIM_HOME: "std_msgs/msg/String",
    ODOM: "nav_msgs/msg/Odometry",
    CMD_VEL: "geometry_msgs/msg/Twist",
    IMAGE: "sensor_msgs/msg/Image",
    DEPTH: "sensor_msgs/msg/Image",
    CAMERA_INFO: "sensor_msgs/msg/CameraInfo",
    STATUS: "std_msgs/msg/String",
    **VIEWER,
}
"""What `roomby run --record` writes: the robot's inputs and outputs and the viewer topics."""
