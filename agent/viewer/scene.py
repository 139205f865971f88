"""What a viewer knows from Roomby's topics, and the video frame it draws at each camera image:
the camera, the camera with the perception's classes, the robot's map (occupancy, floor its
disc covered, semantic layer, track, plan, target, pose), where the pointer attends, and which
earlier decisions the fast-weight memory read back (the status's `memory_read`). A
simulated episode's recording also holds its home (`/roomby/sim_home`): then the map panels
show the home as it is (furniture, the goal's targets outlined), as `roomby run --video` always
did.

`roomby run --video` feeds it the messages of a simulated episode as they are made, and
`roomby replay` the same messages read back from a recording, so the two videos are the same
frame for frame; a real robot's recording with these topics is drawn the same way."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from agent.evaluation.video import compose
from agent.viewer import topics
from agent.viewer.decode import image_to_rgb, occupied_on_grid, pose_from_odometry
from agent.viewer.memory_panel import draw_memory_read
from agent.viewer.picture import draw_known_map
from agent.viewer.views import semantic_from_markers
from sim.catalog import CLEAN_RADIUS
from sim.grid import FINE, FINE_RES, MAP_SIZE, HomeGrid
from sim.home import Home
from sim.render import draw_topdown
from sim.skills import disc_offsets
from sim.tasks import goal_steps

MEMORY_TITLE = "memory: earlier decisions read back"
TITLES = ("camera", "what it sees", "its map", "attention: where to go", MEMORY_TITLE)
SIM_TITLES = ("camera", "what it sees", "the home (simulation)", "attention: where to go",
              MEMORY_TITLE)


class Scene:
    """The latest of every topic, kept from messages with attributes (rclpy, decoded from MCAP,
    or `agent.viewer.messages.as_message`)."""

    def __init__(self, px_per_m: int = 30):
        self.px_per_m = px_per_m
        self.floor: np.ndarray | None = None
        self.cleaned = np.zeros(FINE.shape, dtype=bool)
        self.pose: tuple[float, float, float] | None = None
        self.trail: list[tuple[float, float]] = []
        self.semantic: np.ndarray | None = None
        self.attention: np.ndarray | None = None
        self.target: tuple[float, float] | None = None
        self.plan: np.ndarray | None = None
        self.status: dict[str, Any] = {}
        self.camera: np.ndarray | None = None
        self.overlay: np.ndarray | None = None
        self.home: Home | None = None
        self.home_grid: HomeGrid | None = None
        self._disc = disc_offsets(CLEAN_RADIUS / FINE_RES)

    def update(self, topic: str, msg: Any) -> np.ndarray | None:
        """Take one message; on a camera image, return the frame drawn (uint8 [H, W, 3])."""
        if topic == topics.MAP:
            self.floor = ~occupied_on_grid(msg, FINE.shape, FINE_RES)
        elif topic == topics.SIM_HOME:
            self.home = Home.from_json(msg.data, topics.SIM_HOME)
            self.home_grid = HomeGrid(self.home)
        elif topic == topics.ODOM:
            self._moved(pose_from_odometry(msg))
        elif topic == topics.SEMANTIC_MAP:
            self.semantic = semantic_from_markers(msg.markers)
        elif topic == topics.ATTENTION:
            self.attention = np.asarray(msg.data, dtype=np.float32).reshape(
                MAP_SIZE, MAP_SIZE) / 100.0
        elif topic == topics.TARGET:
            self.target = (msg.pose.position.x, msg.pose.position.y)
        elif topic == topics.PLAN:
            self.plan = np.array([(p.pose.position.x, p.pose.position.y) for p in msg.poses],
                                 dtype=float).reshape(-1, 2)
        elif topic == topics.STATUS:
            try:
                self.status = json.loads(msg.data)
            except (json.JSONDecodeError, RecursionError):
                self.status = {"message": "status not readable"}
        elif topic == topics.CAMERA_OVERLAY:
            self.overlay = image_to_rgb(msg)
        elif topic == topics.IMAGE:
            self.camera = image_to_rgb(msg)
            return self.frame()
        return None

    def _moved(self, pose: tuple[float, float, float]) -> None:
        self.pose = pose
        x, y, _ = pose
        if not self.trail or self.trail[-1] != (x, y):
            self.trail.append((x, y))
        if not (math.isfinite(x) and math.isfinite(y)):
            return
        r, c = int(math.floor(y / FINE_RES)), int(math.floor(x / FINE_RES))
        rr, cc = r + self._disc[:, 0], c + self._disc[:, 1]
        ok = (rr >= 0) & (rr < FINE.size) & (cc >= 0) & (cc < FINE.size)
        self.cleaned[rr[ok], cc[ok]] = True

    def _targets(self) -> list:
        """The furniture the status's goal names (outlined in the home's picture)."""
        goal = self.status.get("goal")
        if not isinstance(goal, dict) or self.home is None:
            return []
        try:
            steps = goal_steps(goal)
        except (KeyError, TypeError, ValueError):
            return []
        return [f for g in steps if g.get("object")
                for f in self.home.find(g["object"], g.get("color"), g.get("room"))]

    def footer(self) -> str:
        s = self.status
        parts = [str(s.get("instruction") or "")]
        if "step" in s:
            parts.append(f"decision {s['step']}" + (f" {s['skill']}" if s.get("skill") else ""))
        if "goal_step" in s:
            parts.append(f"step {s['goal_step']}")
        if "coverage" in s:
            parts.append(f"coverage {float(s['coverage']):.2f}")
        if s.get("state"):
            parts.append(str(s["state"]))
        return "  |  ".join(p for p in parts if p)

    def frame(self) -> np.ndarray:
        """The video frame of the scene now: its five panels side by side with the footer."""
        memory = draw_memory_read(self.status.get("memory_read"))
        camera = self.camera if self.camera is not None else np.zeros((60, 80, 3), np.uint8)
        overlay = self.overlay if self.overlay is not None else np.zeros_like(camera)
        trail = np.asarray(self.trail, dtype=float).reshape(-1, 2)
        if self.home is not None:  # a simulated episode: draw the home as it really is
            targets = self._targets()
            known = draw_topdown(self.home, self.home_grid, self.pose, self.cleaned,
                                 self.semantic, None, targets, trail)
            attention = draw_topdown(self.home, self.home_grid, self.pose, None, None, None,
                                     targets, None, self.attention)
            return compose([camera, overlay, known, attention, memory], list(SIM_TITLES),
                           footer=self.footer())
        floor = self.floor
        cleaned = self.cleaned if floor is not None else None
        known = draw_known_map(floor, self.pose, cleaned, self.semantic, None, trail,
                               self.plan, self.target, self.px_per_m)
        attention = draw_known_map(floor, self.pose, None, None, self.attention, None, None,
                                   self.target, self.px_per_m)
        return compose([camera, overlay, known, attention, memory], list(TITLES),
                       footer=self.footer())


class SceneVideo:
    """A sink (`agent.viewer.tap`) or a replay target: messages in, a video frame out at each
    camera image (.mp4 or .gif by the suffix); `last` is the latest frame (for a still)."""

    def __init__(self, path: str | None, px_per_m: int = 30):
        from agent.evaluation.video import VideoWriter

        self.scene = Scene(px_per_m)
        self.writer = None
        if path is not None:
            self.writer = VideoWriter(path, fps=10)
            self.writer.__enter__()
        self.last: np.ndarray | None = None
        self.frames = 0

    def add(self, topic: str, msg: Any) -> None:
        """Take a message with attributes."""
        frame = self.scene.update(topic, msg)
        if frame is not None:
            self.last = frame
            self.frames += 1
            if self.writer is not None:
                self.writer.add(frame)

    def __call__(self, topic: str, ns: int, msg: dict) -> None:
        """Take a message dict (as a sink)."""
        from agent.viewer.messages import as_message

        self.add(topic, as_message(msg))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
