"""numpy <-> ROS messages for the nodes. Outgoing messages are `agent.viewer.messages`' dicts
made rclpy messages (what a recording holds, field for field); incoming ones are decoded and
checked by `agent.viewer.decode` (a bad message raises ValueError saying what is wrong, which
the nodes log and report)."""

from __future__ import annotations

import numpy as np
from builtin_interfaces.msg import Time
from geometry_msgs.msg import Twist, TwistStamped
from nav_msgs.msg import OccupancyGrid, Odometry
from sensor_msgs.msg import CameraInfo, Image

from agent.viewer import messages as m
from agent.viewer.decode import (  # noqa: F401  (the nodes' and tests' import point)
    COLOR_ENCODINGS,
    DEPTH_ENCODINGS,
    image_to_depth,
    image_to_rgb,
    occupied_on_grid,
    pose_from_odometry,
)
from ros.to_ros import to_ros
from sim.camera import CameraSpec


def _ns(stamp: Time) -> int:
    return int(stamp.sec) * 1_000_000_000 + int(stamp.nanosec)


def rgb_image(rgb: np.ndarray, stamp: Time, frame: str) -> Image:
    return to_ros(Image, m.rgb_image(rgb, _ns(stamp), frame))


def depth_image(depth: np.ndarray, stamp: Time, frame: str) -> Image:
    return to_ros(Image, m.depth_image(depth, _ns(stamp), frame))


def camera_info(spec: CameraSpec, stamp: Time, frame: str) -> CameraInfo:
    return to_ros(CameraInfo, m.camera_info(spec, _ns(stamp), frame))


def odometry(pose: tuple[float, float, float], v: float, w: float, stamp: Time,
             frame: str, child: str) -> Odometry:
    return to_ros(Odometry, m.odometry(pose, v, w, _ns(stamp), frame, child))


def velocity(v: float, w: float, stamped: bool, stamp: Time, frame: str
             ) -> Twist | TwistStamped:
    if not stamped:
        return to_ros(Twist, m.twist(v, w))
    return to_ros(TwistStamped, m.twist_stamped(v, w, _ns(stamp), frame))


def occupancy_grid(floor: np.ndarray, res: float, stamp: Time, frame: str) -> OccupancyGrid:
    """A bool floor grid ([row, col] = [y, x], origin at (0, 0)) as OccupancyGrid: 0 free,
    100 occupied (walls, furniture, outside)."""
    return to_ros(OccupancyGrid, m.floor_grid(floor, res, _ns(stamp), frame))
