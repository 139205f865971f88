"""numpy <-> ROS message conversions: round trips, other encodings, and what is refused."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("rclpy")
from builtin_interfaces.msg import Time  # noqa: E402
from geometry_msgs.msg import TwistStamped  # noqa: E402

from ros.conversions import (  # noqa: E402
    camera_info,
    depth_image,
    image_to_depth,
    image_to_rgb,
    occupancy_grid,
    occupied_on_grid,
    odometry,
    pose_from_odometry,
    rgb_image,
    velocity,
)
from sim.camera import CameraSpec  # noqa: E402

T = Time(sec=1, nanosec=2)


def test_rgb_round_trip_and_bgr_rgba_with_row_padding():
    rgb = np.random.default_rng(0).integers(0, 256, (60, 80, 3), dtype=np.uint8)
    assert np.array_equal(image_to_rgb(rgb_image(rgb, T, "cam")), rgb)
    msg = rgb_image(rgb, T, "cam")
    bgra = np.concatenate([rgb[:, :, ::-1], np.full((60, 80, 1), 255, np.uint8)], axis=2)
    padded = np.zeros((60, 80 * 4 + 16), np.uint8)
    padded[:, : 80 * 4] = bgra.reshape(60, -1)
    msg.encoding, msg.step, msg.data = "bgra8", 80 * 4 + 16, padded.tobytes()
    assert np.array_equal(image_to_rgb(msg), rgb)


def test_depth_metres_millimetres_and_missing_readings():
    d = np.linspace(0.2, 5.0, 60 * 80, dtype=np.float32).reshape(60, 80)
    assert np.array_equal(image_to_depth(depth_image(d, T, "cam"), far=8.0), d)
    msg = depth_image(d, T, "cam")
    mm = np.round(d * 1000).astype(">u2")
    mm[0, 0] = 0  # no reading
    msg.encoding, msg.is_bigendian, msg.step, msg.data = "16UC1", 1, 160, mm.tobytes()
    got = image_to_depth(msg, far=8.0)
    assert got[0, 0] == 8.0
    np.testing.assert_allclose(got[1:], d[1:], atol=6e-4)
    nan = depth_image(np.full((2, 2), np.nan, np.float32), T, "cam")
    assert (image_to_depth(nan, far=8.0) == 8.0).all()


def test_odometry_round_trip_and_nan():
    for yaw in (0.0, 1.0, -2.5, math.pi - 1e-3):
        x, y, th = pose_from_odometry(odometry((1.5, -2.0, yaw), 0.1, 0.2, T, "odom", "base"))
        assert (x, y) == (1.5, -2.0) and th == pytest.approx(yaw, abs=1e-9)
    bad = odometry((1.0, 1.0, 0.0), 0.0, 0.0, T, "odom", "base")
    bad.pose.pose.orientation.z = float("inf")
    with pytest.raises(ValueError, match="NaN or infinite"):
        pose_from_odometry(bad)
    zero = odometry((1.0, 1.0, 0.0), 0.0, 0.0, T, "odom", "base")
    zero.pose.pose.orientation.w = 0.0
    with pytest.raises(ValueError, match="zero quaternion"):
        pose_from_odometry(zero)


def test_occupancy_round_trip_and_resampling():
    floor = np.zeros((240, 240), bool)
    floor[20:100, 40:200] = True
    msg = occupancy_grid(floor, 0.05, T, "map")
    assert np.array_equal(occupied_on_grid(msg, (240, 240), 0.05), ~floor)
    # A 10 cm map whose origin is at (-1, -1) m: the same floor, seen at half resolution.
    coarse = np.zeros((130, 130), bool)
    coarse[20:60, 30:110] = True  # y 1..5 m, x 2..10 m in the map frame
    msg = occupancy_grid(coarse, 0.10, T, "map")
    msg.info.origin.position.x = msg.info.origin.position.y = -1.0
    occ = occupied_on_grid(msg, (240, 240), 0.05)
    assert not occ[20:100, 40:200].any() and occ[:20].all() and occ[100:].all()
    msg.data = msg.data[:-1]
    with pytest.raises(ValueError, match="values"):
        occupied_on_grid(msg, (240, 240), 0.05)


def test_camera_info_and_velocity():
    spec = CameraSpec()
    info = camera_info(spec, T, "cam")
    assert (info.width, info.height) == (spec.width, spec.height)
    assert info.k[0] == pytest.approx(spec.fx) and info.k[2] == spec.width / 2
    stamped = velocity(0.2, -0.5, True, T, "base_link")
    assert isinstance(stamped, TwistStamped) and stamped.header.frame_id == "base_link"
    assert (stamped.twist.linear.x, stamped.twist.angular.z) == (0.2, -0.5)
