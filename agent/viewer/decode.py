"""Messages from the wire as numpy: images, depth, odometry and occupancy grids, from any
message with the standard fields as attributes (rclpy messages, or ones decoded from an MCAP
recording). A bad message raises ValueError saying what is wrong, which the nodes log and
report."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

COLOR_ENCODINGS = {"rgb8": (3, [0, 1, 2]), "bgr8": (3, [2, 1, 0]), "rgba8": (4, [0, 1, 2]),
                   "bgra8": (4, [2, 1, 0])}
DEPTH_ENCODINGS = {"32FC1": (np.float32, 1.0), "16UC1": (np.uint16, 1e-3)}
"""Depth as metres (float) or millimetres (uint16, what most RGB-D drivers publish)."""


def _rows(msg: Any, channels: int, itemsize: int) -> np.ndarray:
    """The image's bytes as [H, W * channels * itemsize] without row padding."""
    h, w, step = int(msg.height), int(msg.width), int(msg.step)
    row = w * channels * itemsize
    if h == 0 or w == 0:
        raise ValueError(f"{msg.encoding} image has no pixels ({w} x {h})")
    if step < row:
        raise ValueError(f"{msg.encoding} image step {step} is shorter than a row ({row} bytes)")
    data = np.frombuffer(bytes(msg.data), dtype=np.uint8)
    if data.size < step * h:
        raise ValueError(f"{msg.encoding} image of {w} x {h} (step {step}) needs {step * h} "
                         f"bytes, got {data.size}")
    return data[: step * h].reshape(h, step)[:, :row]


def image_to_rgb(msg: Any) -> np.ndarray:
    """sensor_msgs/Image (rgb8, bgr8, rgba8, bgra8) -> [H, W, 3] uint8 RGB."""
    if msg.encoding not in COLOR_ENCODINGS:
        raise ValueError(f"colour image encoding {msg.encoding!r} is not one of "
                         f"{sorted(COLOR_ENCODINGS)}")
    channels, order = COLOR_ENCODINGS[msg.encoding]
    px = _rows(msg, channels, 1).reshape(int(msg.height), int(msg.width), channels)
    return np.ascontiguousarray(px[:, :, order])


def image_to_depth(msg: Any, far: float) -> np.ndarray:
    """sensor_msgs/Image (32FC1 metres, 16UC1 millimetres) -> [H, W] float32 metres. Pixels
    without a reading (0, NaN, inf) become `far`: beyond the projection's range, so unused."""
    if msg.encoding not in DEPTH_ENCODINGS:
        raise ValueError(f"depth image encoding {msg.encoding!r} is not one of "
                         f"{sorted(DEPTH_ENCODINGS)}")
    dtype, scale = DEPTH_ENCODINGS[msg.encoding]
    dt = np.dtype(dtype).newbyteorder(">" if msg.is_bigendian else "<")
    raw = _rows(msg, 1, dt.itemsize).copy().view(dt).reshape(int(msg.height), int(msg.width))
    depth = raw.astype(np.float32) * np.float32(scale)
    depth[~np.isfinite(depth) | (depth <= 0)] = far
    return depth


def pose_from_odometry(msg: Any) -> tuple[float, float, float]:
    """(x, y, yaw) of the base in the odometry frame; ValueError on NaN/inf or a zero
    quaternion."""
    p, q = msg.pose.pose.position, msg.pose.pose.orientation
    values = [p.x, p.y, q.x, q.y, q.z, q.w]
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"odometry with NaN or infinite values: position ({p.x}, {p.y}), "
                         f"orientation ({q.x}, {q.y}, {q.z}, {q.w})")
    if q.x * q.x + q.y * q.y + q.z * q.z + q.w * q.w < 1e-12:
        raise ValueError("odometry with a zero quaternion")
    yaw = math.atan2(2.0 * (q.w * q.z + q.x * q.y), 1.0 - 2.0 * (q.y * q.y + q.z * q.z))
    return float(p.x), float(p.y), yaw


def occupied_on_grid(msg: Any, shape: tuple[int, int], res: float) -> np.ndarray:
    """The grid as bool [rows, cols] on a grid of `shape` and `res` anchored at (0, 0) (nearest
    cell; unknown (-1), >= 50 and outside the message count as occupied). The map's origin may
    be anywhere but not rotated."""
    info = msg.info
    h, w, r = int(info.height), int(info.width), float(info.resolution)
    if h == 0 or w == 0 or not (math.isfinite(r) and r > 0):
        raise ValueError(f"occupancy grid of {w} x {h} cells at {r} m per cell is empty")
    data = np.asarray(msg.data, dtype=np.int16)
    if data.size != h * w:
        raise ValueError(f"occupancy grid of {w} x {h} cells has {data.size} values")
    q = info.origin.orientation
    if abs(q.z) > 1e-6 or abs(q.x) > 1e-6 or abs(q.y) > 1e-6:
        raise ValueError("occupancy grid with a rotated origin is not supported")
    grid = data.reshape(h, w)
    occupied = (grid < 0) | (grid >= 50)
    centres = (np.arange(shape[0]) + 0.5) * res
    rows = np.floor((centres - info.origin.position.y) / r).astype(int)
    cols = np.floor((((np.arange(shape[1]) + 0.5) * res) - info.origin.position.x) / r
                    ).astype(int)
    out = np.ones(shape, dtype=bool)
    rin, cin = (rows >= 0) & (rows < h), (cols >= 0) & (cols < w)
    out[np.ix_(rin, cin)] = occupied[np.ix_(rows[rin], cols[cin])]
    return out
