"""A simulated episode as the topics a robot carries: the env's control periods, camera frames
and the policy's decisions become timed ROS 2 messages (`agent.viewer.messages` dicts) handed
to sinks, e.g. an MCAP recording (`agent.viewer.recording`) and a video (`agent.viewer.scene`).

Poses are what the robot believes (`pose_estimate`: its odometry, the truth unless the env's
`realism` adds drift), as a robot's recording holds them. Time is the simulation's: the episode
starts at `start_ns` and each control period adds 0.1 s, in the header stamps; the log times a
sink gets also rise strictly (one nanosecond apart within a period), so a recording replays its
messages in the order they were made."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np

from agent.runtime.memory_read import shares
from agent.runtime.rooms import RoomLabel, rooms_doc
from agent.viewer import messages as m
from agent.viewer import topics, views
from sim.grid import FINE_RES, MAP, MAP_SIZE
from sim.semantic_map import SEMANTIC_START

Sink = Callable[[str, int, dict], None]
"""sink(topic, log time ns, message dict)."""
PERIOD_NS = 100_000_000  # the sim's control period, 0.1 s
NAVIGATE, CLEAN = 1, 2


class EpisodeTap:
    """Hooks an env (skill- or motor-level) and wraps its policy; see the module doc. Use:
    `policy = tap.wrap(policy)` then run the episode, then `tap.finish(result)`."""

    def __init__(self, env: Any, sinks: list[Sink], start_ns: int = 0):
        self.base = env.unwrapped
        self.sinks = sinks
        self.start_ns = int(start_ns)
        self._last = self.start_ns - 1
        self._started = False
        self._plan: object = None
        self._decided: dict[str, Any] = {}
        self.base.on_sense = self._on_sense
        self.base.on_period = self._on_period

    # -- time and output ------------------------------------------------------------------
    def now(self) -> int:
        """The episode's simulated time now, in ns."""
        return self.start_ns + self.base.periods * PERIOD_NS

    def emit(self, topic: str, msg: dict) -> None:
        self._last = max(self.now(), self._last + 1)
        for sink in self.sinks:
            sink(topic, self._last, msg)

    # -- hooks ----------------------------------------------------------------------------
    def _start(self) -> None:
        """The episode's static topics, once its home is built (the first camera frame)."""
        self._started = True
        b, t = self.base, self.now()
        self.emit(topics.MAP, m.floor_grid(b.grid.floor, FINE_RES, t, topics.MAP_FRAME))
        labels = [RoomLabel.rectangle(r.name, r.rect) for r in b.home.rooms]
        self.emit(topics.ROOMS, m.string(json.dumps(rooms_doc(labels))))
        self.emit(topics.SIM_HOME, m.string(b.home.to_json()))
        self.emit(topics.ODOM, m.odometry(b.pose_estimate(), 0.0, 0.0, t, topics.ODOM_FRAME,
                                          topics.BASE_FRAME))

    def _on_period(self, v: float, w: float) -> None:
        b, t = self.base, self.now()
        self.emit(topics.CMD_VEL, m.twist(v, w))
        self.emit(topics.ODOM, m.odometry(b.pose_estimate(), v, w, t, topics.ODOM_FRAME,
                                          topics.BASE_FRAME))
        plan = views.skill_plan(b.skill)
        if plan is not None and plan is not self._plan:
            self._plan = plan
            self.emit(topics.PLAN, m.path(plan, t, topics.MAP_FRAME))

    def _on_sense(self) -> None:
        if not self._started:
            self._start()
        b, t, cam = self.base, self.now(), topics.CAMERA_FRAME
        rgb, depth = b._frame[0], b._frame[1]
        self.emit(topics.STATUS, m.string(json.dumps(self.status("executing"))))
        if b.labels is not None:
            self.emit(topics.CAMERA_OVERLAY, m.rgb_image(views.overlay(rgb, b.labels[0]), t, cam))
        self.emit(topics.DEPTH, m.depth_image(depth, t, cam))
        self.emit(topics.CAMERA_INFO, m.camera_info(b.camera, t, cam))
        self.emit(topics.IMAGE, m.rgb_image(rgb, t, cam))  # last: a video frame is drawn on it

    def decided(self, obs: dict[str, np.ndarray], action: Any, attention: dict | None) -> None:
        """A decision was made on `obs`: its views (semantic map, attention, goal map,
        target)."""
        t = self.now()
        self.emit(topics.SEMANTIC_MAP, views.semantic_markers(obs["map"][SEMANTIC_START:], t))
        if attention and attention.get("pointer") is not None:
            self.emit(topics.ATTENTION, views.attention_grid(attention["pointer"], t))
        if attention and attention.get("goal_map") is not None:
            self.emit(topics.GOAL_MAP, views.goal_grid(attention["goal_map"], t))
        read = attention.get("memory") if attention else None
        a = np.asarray(action).reshape(-1)
        if a.size == 2 and int(a[0]) in (NAVIGATE, CLEAN):
            skill, cell = int(a[0]), int(a[1])
            xy = self.base.landing(cell) if skill == NAVIGATE else MAP.to_world(
                *divmod(cell, MAP_SIZE))
            self._decided = {"skill": ("navigate", "clean")[skill - 1], "target": list(xy)}
            self.emit(topics.TARGET, views.decision_target(self.base.pose_estimate(), xy, t))
        else:
            self._decided = {"skill": "stop" if a.size == 2 else "motor", "target": None}
        self._decided["step"] = self.base.decisions + 1  # the env counts it when it runs it
        if read is not None:
            self._decided["memory_read"] = shares(read)
        self.emit(topics.STATUS, m.string(json.dumps(self.status("executing"))))

    def status(self, state: str) -> dict[str, Any]:
        """The agent node's status fields, plus the sim's judgement (goal step, coverage)."""
        b = self.base
        pr = b.progress
        if state == "executing" and pr.stopped:
            state = "succeeded" if pr.success else "stopped short"
        return {"state": state, "instruction": b.instruction, "goal": b.goal,
                "step": self._decided.get("step", 0),
                "skill": self._decided.get("skill"), "target": self._decided.get("target"),
                **({"memory_read": self._decided["memory_read"]}
                   if "memory_read" in self._decided else {}),
                "goal_step": f"{min(pr.index + 1, len(pr.steps))}/{len(pr.steps)}",
                "coverage": round(float(pr.coverage(b.dirt.cleaned)), 4)}

    def finish(self, success: bool) -> None:
        """The episode's last status: its verdict."""
        self.emit(topics.STATUS, m.string(json.dumps(self.status(
            "succeeded" if success else "failed"))))

    def wrap(self, policy: Callable) -> Callable:
        """The policy, recording each decision's views (its attention where it keeps one)."""
        tap = self

        class Tapped:
            def reset(self) -> None:
                if hasattr(policy, "reset"):
                    policy.reset()

            def __call__(self, obs: dict[str, np.ndarray]) -> Any:
                action = policy(obs)
                tap.decided(obs, action, getattr(policy, "last_attention", None))
                return action

        return Tapped()
