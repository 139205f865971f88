"""The robot's forward RGB-D camera: intrinsics, mounting, and the projection of pixels into the
map frame. Numpy only (the robot runtime projects its own camera's depth the same way)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class CameraSpec:
    """A pinhole camera on the robot, looking forward and tilted up."""

    width: int = 80
    height: int = 60
    hfov_deg: float = 90.0
    near: float = 0.03
    far: float = 8.0
    forward: float = 0.15  # metres ahead of the robot's centre
    mount_height: float = 0.085  # metres above the floor
    pitch_deg: float = 10.0  # upward tilt
    max_range: float = 4.5  # depth beyond this is not projected (like a real depth camera)
    # Project every n-th pixel along each axis: at 25 cm map cells, neighbouring pixels land in
    # the same cell anyway (a pixel spans ~2 cm at 2 m), so this costs no map detail.
    project_stride: int = 2

    @property
    def fx(self) -> float:
        return (self.width / 2) / np.tan(np.radians(self.hfov_deg) / 2)

    @property
    def fy(self) -> float:
        return self.fx  # square pixels

    @property
    def vfov_deg(self) -> float:
        return float(np.degrees(2 * np.arctan((self.height / 2) / self.fy)))

    def intrinsics(self) -> np.ndarray:
        """K as in sensor_msgs/CameraInfo (optical frame: x right, y down, z forward)."""
        return np.array([[self.fx, 0, self.width / 2], [0, self.fy, self.height / 2], [0, 0, 1]])

    def eye(self, pose: tuple[float, float, float]) -> np.ndarray:
        x, y, th = pose
        return np.array([x + self.forward * np.cos(th), y + self.forward * np.sin(th),
                         self.mount_height])

    def look_at(self, pose: tuple[float, float, float]) -> tuple[np.ndarray, np.ndarray]:
        """(eye, target) points for a view matrix."""
        _, _, th = pose
        p = np.radians(self.pitch_deg)
        d = np.array([np.cos(th) * np.cos(p), np.sin(th) * np.cos(p), np.sin(p)])
        e = self.eye(pose)
        return e, e + d

    @cached_property
    def rays(self) -> np.ndarray:
        """Per-pixel direction in the robot frame (x forward, y left, z up) for unit depth along
        the optical axis; shape (H*W, 3)."""
        u = (np.arange(self.width) + 0.5 - self.width / 2) / self.fx  # right
        v = (self.height / 2 - np.arange(self.height) - 0.5) / self.fy  # up
        uu, vv = np.meshgrid(u, v)
        p = np.radians(self.pitch_deg)
        fwd = np.array([np.cos(p), 0.0, np.sin(p)])
        up = np.array([-np.sin(p), 0.0, np.cos(p)])
        left = np.array([0.0, 1.0, 0.0])
        rays = fwd[None, :] - uu.reshape(-1, 1) * left[None, :] + vv.reshape(-1, 1) * up[None, :]
        return rays.astype(np.float32)

    @cached_property
    def _sampled(self) -> np.ndarray:
        """Flat indices of the pixels that are projected."""
        k = self.project_stride
        rows = np.arange(k // 2, self.height, k)
        cols = np.arange(k // 2, self.width, k)
        return (rows[:, None] * self.width + cols[None, :]).reshape(-1)

    @cached_property
    def _ray_xy(self) -> tuple[np.ndarray, np.ndarray]:
        r = self.rays[self._sampled]
        return np.ascontiguousarray(r[:, 0]), np.ascontiguousarray(r[:, 1])

    def project_xy(self, depth: np.ndarray, pose: tuple[float, float, float]
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`project` without heights: world x, y of the sampled valid pixels, and their indices
        (the map update's hot path)."""
        d = depth.reshape(-1)[self._sampled]
        valid = np.flatnonzero((d > self.near) & (d < self.max_range))
        dv = d[valid]
        rx, ry = self._ray_xy
        rx, ry = rx[valid] * dv, ry[valid] * dv
        x, y, th = pose
        c, s = math.cos(th), math.sin(th)
        ex, ey = x + self.forward * c, y + self.forward * s
        return ex + c * rx - s * ry, ey + s * rx + c * ry, self._sampled[valid]

    @cached_property
    def _ray_xyz(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r = self.rays[self._sampled]
        return (np.ascontiguousarray(r[:, 0]), np.ascontiguousarray(r[:, 1]),
                np.ascontiguousarray(r[:, 2]))

    def project(self, depth: np.ndarray, pose: tuple[float, float, float]
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """World x, y, z of the sampled pixels with valid depth, and their flat pixel indices.

        `depth` is metres along the optical axis, shape (H, W)."""
        d = depth.reshape(-1)[self._sampled]
        valid = np.flatnonzero((d > self.near) & (d < self.max_range))
        dv = d[valid]
        rx, ry, rz = (a[valid] * dv for a in self._ray_xyz)
        valid = self._sampled[valid]
        x, y, th = pose
        c, s = float(np.cos(th)), float(np.sin(th))
        e = self.eye(pose)
        wx = e[0] + c * rx - s * ry
        wy = e[1] + s * rx + c * ry
        wz = e[2] + rz
        return wx, wy, wz, valid
