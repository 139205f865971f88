"""The PyBullet world of one home: bodies, the robot's motion and its camera.

One physics client per World (`physicsClientId` on every call), so many worlds live in one
process. The robot is a rigid disc moved by velocity commands held for one control period, like
a ROS Twist on a real base: each physics substep sets its planar velocity from (v, w) and the
solver resolves contacts, so it cannot pass through walls or legs.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pybullet as p

from sim.camera import CameraSpec
from sim.catalog import (
    COLOR_NAMES,
    COLORS,
    FLAT,
    FLOOR_COLOR,
    FURNITURE,
    FURNITURE_TYPES,
    RAISED,
    ROBOT_HEIGHT,
    ROBOT_RADIUS,
    WALL_COLOR,
)
from sim.grid import EXTENT, wall_rects
from sim.home import Furniture, Home

WALL_HEIGHT = 1.2
CONTROL_DT = 0.1  # seconds per control period
SUBSTEPS = 4  # physics steps per control period (7.5 mm each at 0.3 m/s)


def _box(half: tuple[float, float, float], pos: tuple[float, float, float]) -> dict:
    return {"type": p.GEOM_BOX, "half": list(half), "pos": list(pos)}


def furniture_parts(f: Furniture) -> list[dict]:
    """Boxes (and a sphere for plants) making up one piece, in its body frame (centre on floor)."""
    spec = FURNITURE[f.type]
    sx, sy = f.size
    if spec.kind == FLAT:
        return [_box((sx / 2, sy / 2, spec.height / 2), (0, 0, spec.height / 2))]
    if spec.kind != RAISED:
        if f.type == "plant":
            pot = 0.45 * spec.height
            return [_box((sx / 2, sy / 2, pot / 2), (0, 0, pot / 2)),
                    {"type": p.GEOM_SPHERE, "radius": 0.6 * max(sx, sy),
                     "pos": [0, 0, pot + 0.25 * spec.height]}]
        return [_box((sx / 2, sy / 2, spec.height / 2), (0, 0, spec.height / 2))]
    leg = spec.leg
    parts = []
    for lx in (-sx / 2 + leg / 2, sx / 2 - leg / 2):
        for ly in (-sy / 2 + leg / 2, sy / 2 - leg / 2):
            parts.append(_box((leg / 2, leg / 2, spec.clearance / 2), (lx, ly, spec.clearance / 2)))
    top_h = spec.top if spec.top > 0 else spec.height - spec.clearance
    parts.append(_box((sx / 2, sy / 2, top_h / 2), (0, 0, spec.clearance + top_h / 2)))
    z_top = spec.clearance + top_h
    if spec.height > z_top + 0.05:  # a back (couch, chair) on the side `yaw` points away from
        back = 0.12 if f.type == "couch" else 0.05
        hz = (spec.height - z_top) / 2
        yaw = f.yaw % 360
        if yaw == 0:
            parts.append(_box((sx / 2, back / 2, hz), (0, sy / 2 - back / 2, z_top + hz)))
        elif yaw == 180:
            parts.append(_box((sx / 2, back / 2, hz), (0, -sy / 2 + back / 2, z_top + hz)))
        elif yaw == 90:
            parts.append(_box((back / 2, sy / 2, hz), (-sx / 2 + back / 2, 0, z_top + hz)))
        else:
            parts.append(_box((back / 2, sy / 2, hz), (sx / 2 - back / 2, 0, z_top + hz)))
    return parts


class World:
    """A home built in its own PyBullet client, with a robot and a camera."""

    def __init__(self, camera: CameraSpec | None = None, gui: bool = False):
        if gui and not os.environ.get("DISPLAY"):
            raise RuntimeError("render_mode='human' needs a display (DISPLAY is not set); "
                               "use render_mode='rgb_array' on a headless machine")
        self.client = p.connect(p.GUI if gui else p.DIRECT)
        self.camera = camera or CameraSpec()
        self.home: Home | None = None
        self.robot = -1
        # Segmentation id + 1 -> (type index + 1, colour index + 1); 0 means not furniture.
        self.body_type = np.zeros(1, dtype=np.int16)
        self.body_color = np.zeros(1, dtype=np.int16)
        self._proj = p.computeProjectionMatrixFOV(
            self.camera.vfov_deg, self.camera.width / self.camera.height, self.camera.near,
            self.camera.far, physicsClientId=self.client)

    # ---- building --------------------------------------------------------------------
    def _body(self, parts: list[dict], pos, color, collide: bool = True) -> int:
        c = self.client
        kw = {
            "shapeTypes": [q["type"] for q in parts],
            "halfExtents": [q.get("half", [0, 0, 0]) for q in parts],
            "radii": [q.get("radius", 0.0) for q in parts],
        }
        frames = [q["pos"] for q in parts]
        vis = p.createVisualShapeArray(visualFramePositions=frames, physicsClientId=c, **kw)
        col = p.createCollisionShapeArray(collisionFramePositions=frames, physicsClientId=c,
                                          **kw) if collide else -1
        body = p.createMultiBody(0, col, vis, basePosition=pos, physicsClientId=c)
        p.changeVisualShape(body, -1, rgbaColor=[*color, 1.0], physicsClientId=c)
        return body

    def build(self, home: Home) -> None:
        """(Re)build the world for `home`; the robot is placed by `set_pose`."""
        c = self.client
        p.resetSimulation(physicsClientId=c)
        p.setGravity(0, 0, 0, physicsClientId=c)  # planar robot; nothing else moves
        p.setPhysicsEngineParameter(fixedTimeStep=CONTROL_DT / SUBSTEPS, numSubSteps=0,
                                    physicsClientId=c)
        self.home = home
        floor = self._body([_box((EXTENT / 2, EXTENT / 2, 0.01), (0, 0, -0.01))],
                           (EXTENT / 2, EXTENT / 2, 0), FLOOR_COLOR)
        walls = [
            _box(((x1 - x0) / 2, (y1 - y0) / 2, WALL_HEIGHT / 2),
                 ((x0 + x1) / 2, (y0 + y1) / 2, WALL_HEIGHT / 2))
            for x0, y0, x1, y1 in wall_rects(home)
        ]
        self._body(walls, (0, 0, 0), WALL_COLOR)
        ids = {}
        for f in home.furniture:
            collide = FURNITURE[f.type].kind != FLAT
            ids[f.id] = self._body(furniture_parts(f), (*f.center, 0), COLORS[f.color], collide)
        # Indexed by segmentation id + 1 (the background is -1); the robot comes last.
        n = max(ids.values(), default=0) + 3
        self.body_type = np.zeros(n, dtype=np.int16)
        self.body_color = np.zeros(n, dtype=np.int16)
        for f in home.furniture:
            self.body_type[ids[f.id] + 1] = FURNITURE_TYPES.index(f.type) + 1
            self.body_color[ids[f.id] + 1] = COLOR_NAMES.index(f.color) + 1
        self.body_of = ids
        shape = p.createCollisionShape(p.GEOM_CYLINDER, radius=ROBOT_RADIUS, height=ROBOT_HEIGHT,
                                       physicsClientId=c)
        vis = p.createVisualShape(p.GEOM_CYLINDER, radius=ROBOT_RADIUS, length=ROBOT_HEIGHT,
                                  rgbaColor=[0.25, 0.25, 0.28, 1], physicsClientId=c)
        self.robot = p.createMultiBody(2.0, shape, vis, basePosition=[1, 1, self._z],
                                       physicsClientId=c)
        self._pose = (1.0, 1.0, 0.0)
        # Huge roll/pitch inertia keeps the disc upright when it bumps into things.
        p.changeDynamics(self.robot, -1, lateralFriction=0.05, linearDamping=0,
                         angularDamping=0, localInertiaDiagonal=[1e4, 1e4, 0.03],
                         physicsClientId=c)
        p.setCollisionFilterPair(self.robot, floor, -1, -1, 0, physicsClientId=c)

    _z = ROBOT_HEIGHT / 2 + 0.002

    # ---- the robot ---------------------------------------------------------------------
    def set_pose(self, x: float, y: float, theta: float) -> None:
        q = p.getQuaternionFromEuler([0, 0, theta])
        p.resetBasePositionAndOrientation(self.robot, [x, y, self._z], q,
                                          physicsClientId=self.client)
        p.resetBaseVelocity(self.robot, [0, 0, 0], [0, 0, 0], physicsClientId=self.client)
        self._pose = (float(x), float(y), math.atan2(math.sin(theta), math.cos(theta)))

    def pose(self) -> tuple[float, float, float]:
        """(x, y, yaw) of the robot; only `set_pose` and `apply` move it, so this is cached."""
        return self._pose

    def apply(self, v: float, w: float) -> bool:
        """Hold (v, w) for one control period. Returns True if the robot touched an obstacle."""
        c, r = self.client, self.robot
        h = CONTROL_DT / SUBSTEPS
        yaw0 = self._pose[2]
        for k in range(SUBSTEPS):
            # The yaw rate is imposed every substep, so the heading mid-substep is known.
            yaw = yaw0 + w * h * (k + 0.5)
            p.resetBaseVelocity(r, [v * math.cos(yaw), v * math.sin(yaw), 0.0], [0.0, 0.0, w],
                                physicsClientId=c)
            p.stepSimulation(physicsClientId=c)
        # Contacts persist while the disc presses on something, so one check per period does.
        touched = bool(p.getContactPoints(bodyA=r, physicsClientId=c))
        pos, q = p.getBasePositionAndOrientation(r, physicsClientId=c)
        yaw = 2.0 * math.atan2(q[2], q[3])  # exact for a rotation about z alone
        if abs(pos[2] - self._z) > 1e-3 or abs(q[0]) + abs(q[1]) > 1e-3:
            self.set_pose(pos[0], pos[1], yaw)  # contacts nudged it off the plane
        else:
            self._pose = (pos[0], pos[1], math.atan2(math.sin(yaw), math.cos(yaw)))
        return touched

    # ---- camera ------------------------------------------------------------------------
    def render_camera(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rgb uint8 HxWx3, depth float32 HxW metres, segmentation int32 HxW body ids)."""
        cam = self.camera
        eye, target = cam.look_at(self.pose())
        view = p.computeViewMatrix(eye.tolist(), target.tolist(), [0, 0, 1],
                                   physicsClientId=self.client)
        _, _, rgba, zbuf, seg = p.getCameraImage(
            cam.width, cam.height, view, self._proj, renderer=p.ER_TINY_RENDERER,
            physicsClientId=self.client)
        rgb = np.asarray(rgba, dtype=np.uint8).reshape(cam.height, cam.width, 4)[:, :, :3]
        z = np.asarray(zbuf, dtype=np.float32).reshape(cam.height, cam.width)
        depth = cam.far * cam.near / (cam.far - (cam.far - cam.near) * z)
        seg = np.asarray(seg, dtype=np.int32).reshape(cam.height, cam.width)
        return rgb, depth.astype(np.float32), seg

    def oracle_labels(self, seg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-pixel (type index + 1, colour index + 1) from the segmentation; 0 = none."""
        s = seg + 1  # every body of the world has an entry, so no bounds check is needed
        return self.body_type[s], self.body_color[s]

    def close(self) -> None:
        if self.client >= 0:
            try:
                p.disconnect(physicsClientId=self.client)
            except p.error:
                pass
            self.client = -1
