"""ROS 2 messages as plain dicts, field for field: what the agent node publishes (`ros.to_ros`
turns a dict into the rclpy message) and what `roomby run --record` writes to MCAP without ROS
installed (mcap-ros2 encodes dicts). One builder per message, so a recording holds exactly
what the node would have sent.

Stamps are integer nanoseconds. Grids are [row, col] = [y, x] with the origin at (0, 0) of the
map frame, as the sim's grids (REP 105: x forward/east, y left/north, z up)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from sim.camera import CameraSpec

Msg = dict
"""A message as a dict of its fields (nested messages are dicts, sequences lists)."""


def stamp(ns: int) -> Msg:
    return {"sec": int(ns // 1_000_000_000), "nanosec": int(ns % 1_000_000_000)}


def stamp_ns(msg_stamp: Msg) -> int:
    return int(msg_stamp["sec"]) * 1_000_000_000 + int(msg_stamp["nanosec"])


def header(ns: int, frame: str) -> Msg:
    return {"stamp": stamp(ns), "frame_id": frame}


def f32(x: float) -> float:
    """A float as a float32 field stores it: what comes back from the wire or a recording."""
    return float(np.float32(x))


def string(text: str) -> Msg:
    return {"data": text}


def rgb_image(rgb: np.ndarray, ns: int, frame: str) -> Msg:
    h, w, _ = rgb.shape
    return {"header": header(ns, frame), "height": h, "width": w, "encoding": "rgb8",
            "is_bigendian": 0, "step": 3 * w,
            "data": np.ascontiguousarray(rgb, dtype=np.uint8).tobytes()}


def depth_image(depth: np.ndarray, ns: int, frame: str) -> Msg:
    h, w = depth.shape
    return {"header": header(ns, frame), "height": h, "width": w, "encoding": "32FC1",
            "is_bigendian": 0, "step": 4 * w,
            "data": np.ascontiguousarray(depth, dtype="<f4").tobytes()}


def camera_info(spec: CameraSpec, ns: int, frame: str) -> Msg:
    k = spec.intrinsics()
    return {"header": header(ns, frame), "height": spec.height, "width": spec.width,
            "distortion_model": "plumb_bob", "d": [0.0] * 5, "k": k.reshape(-1).tolist(),
            "r": np.eye(3).reshape(-1).tolist(),
            "p": np.hstack([k, np.zeros((3, 1))]).reshape(-1).tolist()}


def quaternion(yaw: float) -> Msg:
    return {"x": 0.0, "y": 0.0, "z": math.sin(yaw / 2), "w": math.cos(yaw / 2)}


def yaw_of(q: Msg) -> float:
    return math.atan2(2.0 * (q["w"] * q["z"] + q["x"] * q["y"]),
                      1.0 - 2.0 * (q["y"] * q["y"] + q["z"] * q["z"]))


def pose(x: float, y: float, yaw: float) -> Msg:
    return {"position": {"x": float(x), "y": float(y), "z": 0.0}, "orientation": quaternion(yaw)}


def twist(v: float, w: float) -> Msg:
    return {"linear": {"x": float(v), "y": 0.0, "z": 0.0},
            "angular": {"x": 0.0, "y": 0.0, "z": float(w)}}


def odometry(xy_yaw: tuple[float, float, float], v: float, w: float, ns: int, frame: str,
             child: str) -> Msg:
    return {"header": header(ns, frame), "child_frame_id": child,
            "pose": {"pose": pose(*xy_yaw)}, "twist": {"twist": twist(v, w)}}


def twist_stamped(v: float, w: float, ns: int, frame: str) -> Msg:
    return {"header": header(ns, frame), "twist": twist(v, w)}


def occupancy_grid(values: np.ndarray, res: float, ns: int, frame: str) -> Msg:
    """int grid [rows = y, cols = x] of -1 (unknown) or 0..100 as OccupancyGrid."""
    h, w = values.shape
    info = {"map_load_time": stamp(ns), "resolution": f32(res), "width": w, "height": h,
            "origin": pose(0.0, 0.0, 0.0)}
    return {"header": header(ns, frame), "info": info,
            "data": np.asarray(values, dtype=np.int8).reshape(-1).tolist()}


def floor_grid(floor: np.ndarray, res: float, ns: int, frame: str) -> Msg:
    """A bool floor grid as /map: 0 free, 100 occupied (walls, furniture, outside)."""
    return occupancy_grid(np.where(floor, 0, 100), res, ns, frame)


def pose_stamped(x: float, y: float, yaw: float, ns: int, frame: str) -> Msg:
    return {"header": header(ns, frame), "pose": pose(x, y, yaw)}


def path(points_xy: np.ndarray, ns: int, frame: str) -> Msg:
    """Waypoints [K, 2] (m) as a Path; each pose faces the next point (the last, the one before
    it)."""
    pts = np.asarray(points_xy, dtype=float).reshape(-1, 2)
    yaws, yaw = [], 0.0
    for i in range(len(pts)):
        if i + 1 < len(pts):
            yaw = math.atan2(pts[i + 1, 1] - pts[i, 1], pts[i + 1, 0] - pts[i, 0])
        yaws.append(yaw)
    return {"header": header(ns, frame),
            "poses": [{"header": header(ns, frame), "pose": pose(x, y, a)}
                      for (x, y), a in zip(pts, yaws, strict=True)]}


ADD, DELETEALL = 0, 3
CUBE_LIST, TEXT_VIEW_FACING = 6, 9


def color(r: float, g: float, b: float, a: float = 1.0) -> Msg:
    return {"r": f32(r), "g": f32(g), "b": f32(b), "a": f32(a)}


def cube_list(ns_name: str, marker_id: int, centers_xy: np.ndarray, colors: list[Msg],
              size: float, height: float, ns: int, frame: str) -> Msg:
    """One CUBE_LIST marker: a cube of `size` x `size` x `height` at each centre."""
    points = [{"x": float(x), "y": float(y), "z": height / 2} for x, y in centers_xy]
    return {"header": header(ns, frame), "ns": ns_name, "id": marker_id, "type": CUBE_LIST,
            "action": ADD, "pose": pose(0.0, 0.0, 0.0),
            "scale": {"x": size, "y": size, "z": height}, "color": color(1, 1, 1, 1),
            "points": points, "colors": colors, "frame_locked": False}


def delete_all(ns: int, frame: str) -> Msg:
    return {"header": header(ns, frame), "ns": "", "id": 0, "action": DELETEALL}


def as_message(value: object) -> object:
    """A dict message as an object with attributes (nested), like rclpy's and a recording's
    decoded messages: what readers of messages (`agent.viewer.scene`) take."""
    if isinstance(value, dict):
        return SimpleNamespace(**{k: as_message(v) for k, v in value.items()})
    if isinstance(value, list):
        return [as_message(v) for v in value]
    return value
