"""The episode machinery both env levels share: homes, tasks, the robot, sensing and metrics."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from sim.actions import CLEAN, NAVIGATE, OBJECT_SNAP
from sim.camera import CameraSpec
from sim.catalog import CLEAN_RADIUS, FLAT, FURNITURE, RAISED
from sim.dirt import Dirt
from sim.free_text import read_command
from sim.grid import EXTENT, FINE, FINE_RES, MAP, MAP_SIZE, HomeGrid
from sim.home import Home, HomeError
from sim.home_generator import generate_home_and_grid
from sim.language import MAX_TOKENS, MEMORY_TASKS, VOCAB, encode, validate_goal
from sim.progress import GoalProgress
from sim.realism import Realism, Rig, realism_of
from sim.semantic_map import MAP_CHANNELS, Perception, SemanticMap
from sim.skills import CleanSkill, GridFrame, NavigateSkill
from sim.tasks import FAMILIES, TASKS, Split, family_of, goal_steps, task_for
from sim.world import World

MIXED = "mixed"
# Families that make sense in a single room (no room to go to, no second room for a sequence).
ONE_ROOM_FAMILIES = ("goto_object", "vacuum_under", "vacuum_room")
MIXED_FAMILIES = ("goto_object", "goto_room", "vacuum_under", "vacuum_room", "sequence")
"""What `Roomby/Mixed-v0` draws: the five families it always drew, which the shipped checkpoint's
goal head reads (so its recipe and seeds stay what they were); the families with three steps or
a step that goes back are drawn by their own ids."""
START_DISTANCE = 1.0
_TASK_ATTEMPTS = 8
_HOME_STREAMS = {"train": 0, "heldout": 1}


class RoombyBaseEnv(gym.Env):
    """Common base of the skill-level and motor-level envs (see their docstrings)."""

    metadata = {"render_modes": ["rgb_array", "human"], "render_fps": 10}

    def __init__(
        self,
        task: str = MIXED,
        n_rooms: int | tuple[int, int] = (3, 6),
        split: str = "train",
        perception: str | Perception = "oracle",
        camera: CameraSpec | dict | None = None,
        render_mode: str | None = None,
        reader: str = "raw",
        realism: str | dict | Realism = "ideal",
    ):
        if task != MIXED and task not in TASKS:
            raise ValueError(f"task {task!r} is not one of {[MIXED, *FAMILIES]}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode {render_mode!r} is not one of "
                             f"{self.metadata['render_modes']}")
        if not (perception == "oracle" or callable(perception)):
            raise ValueError("perception must be 'oracle' or a function (rgb, depth) -> "
                             "(types, colors); see sim.semantic_map.Perception")
        if reader not in ("raw", "canonical"):
            raise ValueError(f"reader {reader!r} is not 'raw' or 'canonical'")
        self.reader = reader
        # What a real robot's sensors and wheels do (sim/realism/); success stays on the truth.
        self.rig = Rig(realism_of(realism))
        self.task = task
        self.n_rooms = n_rooms
        self.split_name = split
        self.split = Split.named(split)
        self.perception = perception
        self.camera = camera if isinstance(camera, CameraSpec) else CameraSpec(**(camera or {}))
        self.render_mode = render_mode
        self.world = World(self.camera, gui=render_mode == "human")
        h, w = self.camera.height, self.camera.width
        self.observation_space = spaces.Dict({
            "rgb": spaces.Box(0, 255, (3, h, w), np.uint8),
            "depth": spaces.Box(0.0, self.camera.far, (1, h, w), np.float32),
            "map": spaces.Box(0.0, 1.0, (len(MAP_CHANNELS), MAP_SIZE, MAP_SIZE), np.float32),
            "pose": spaces.Box(np.array([0, 0, -1, -1], np.float32),
                               np.array([EXTENT, EXTENT, 1, 1], np.float32), dtype=np.float32),
            "instruction": spaces.Box(0, len(VOCAB) - 1, (MAX_TOKENS,), np.int64),
        })
        self.home: Home | None = None
        self.grid: HomeGrid | None = None
        self._frame: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        # Called after every camera frame and after every control period with its (v, w): to
        # record a video or the topics of the whole episode (agent.viewer.tap).
        self.on_sense: Callable[[], None] | None = None
        self.on_period: Callable[[float, float], None] | None = None
        self.labels: tuple[np.ndarray, np.ndarray] | None = None
        """The latest frame's per-pixel (type, colour) classes, index + 1 (0 = none)."""
        self.skill: NavigateSkill | CleanSkill | None = None
        """The skill driving the robot (the last one after it ended; None before any)."""

    # ---- episode set-up ------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        options = dict(options or {})
        unknown = set(options) - {"goal", "instruction", "home", "start"}
        if unknown:
            raise ValueError(f"unknown reset option(s) {sorted(unknown)}; "
                             f"allowed: goal, instruction, home, start")
        rng = self.np_random
        custom = options.get("goal")
        if custom is not None:
            custom = validate_goal(custom)
            family = custom["task"]
        else:
            pool = ONE_ROOM_FAMILIES if self.n_rooms == 1 else MIXED_FAMILIES
            family = self.task if self.task != MIXED else pool[int(rng.integers(len(pool)))]
        for attempt in range(_TASK_ATTEMPTS):
            # A sampled task whose furniture does not fit is redrawn (same family).
            sample = TASKS[family].requirements(custom, rng) if custom is not None else \
                TASKS[family].sample(rng, self.split)
            try:
                home, grid = self._home_for(sample, rng, options)
                break
            except HomeError:
                if custom is not None or attempt == _TASK_ATTEMPTS - 1:
                    raise
        goal = sample.goal if custom is not None else task_for(sample.goal).finalize(
            home, sample.goal, rng)
        for g in goal_steps(goal):
            if g.get("object") and not home.find(g["object"], g.get("color"), g.get("room")):
                what = " ".join(w for w in (g.get("color"), g["object"]) if w)
                where = f" in the {g['room']}" if g.get("room") else ""
                raise HomeError(f"the home has no {what}{where} for goal {g}")
            if g.get("room") and g["room"] not in home.room_names:
                raise HomeError(f"the home has no room {g['room']} for goal {g}")
        self.goal = goal
        text = options.get("instruction")
        self.instruction = str(text) if text is not None else task_for(goal).instruction(
            goal, rng, self.split)
        self.home, self.grid = home, grid
        self.world.build(home)
        start = options.get("start")
        x, y, th = start if start is not None else self._sample_start(rng)
        self.world.set_pose(x, y, th)
        self.dirt = Dirt(grid, rng)
        self.rig.reset(rng, (x, y, th))  # after the episode's draws: ideal draws nothing
        self.smap = SemanticMap(grid, self.camera,
                                getattr(self.perception, "type_given_room", None))
        self.progress = GoalProgress(home, grid, goal, (x, y))
        self.trail = [(x, y)]
        self.skill = None
        self.periods = 0
        self.decisions = 0
        self._tokens = encode(read_command(self.instruction) if self.reader == "canonical"
                              else self.instruction)
        self._after_period(x, y, moved=0.0)
        self._sense()
        return self._obs(), self._info()

    def _home_for(self, sample, rng: np.random.Generator, options: dict
                  ) -> tuple[Home, HomeGrid]:
        """The given home (options["home"]) or one generated to contain the sample's needs."""
        home_rng = np.random.default_rng([int(rng.integers(2**62)),
                                          _HOME_STREAMS[self.split.homes]])
        if options.get("home") is not None:
            home = options["home"] if isinstance(options["home"], Home) else \
                Home.load(options["home"])
            return home, HomeGrid(home)
        lo = self.n_rooms if isinstance(self.n_rooms, int) else self.n_rooms[0]
        need = len(sample.rooms)
        if isinstance(self.n_rooms, int) and self.n_rooms >= need:
            n_rooms: int | tuple[int, int] = self.n_rooms
        else:
            n_rooms = (max(lo, need), max(lo, need, _hi(self.n_rooms)))
        return generate_home_and_grid(home_rng, n_rooms, sample.rooms, sample.items)

    def _sample_start(self, rng: np.random.Generator) -> tuple[float, float, float]:
        """A reachable pose away from the first step's region (outside its room for goto_room,
        and for a goal that goes back, so that going back leaves the room)."""
        g = self.grid
        steps = goal_steps(self.goal)
        first = steps[0]
        away = ~task_for(first).approach_region(self.home, g, first)
        goes_back = any(s["task"] in MEMORY_TASKS for s in steps)
        if (first["task"] == "goto_room" or goes_back) and len(self.home.rooms) > 1:
            room = first["room"] if first.get("room") else \
                self.home.find(first["object"], first.get("color"))[0].room
            away &= ~g.room_mask(room)
        cells = np.argwhere(g.reachable & away)
        if len(cells) == 0:
            cells = np.argwhere(g.reachable)
        # Prefer starts at least START_DISTANCE from the region, so no episode is trivial.
        region = np.argwhere(~away)[::7]
        for _ in range(64):
            r, c = cells[int(rng.integers(len(cells)))]
            if len(region) == 0 or np.min(np.hypot(*(region - (r, c)).T)) * FINE.res >= \
                    START_DISTANCE:
                break
        x, y = FINE.to_world(int(r), int(c))
        return (x, y, float(rng.uniform(-np.pi, np.pi)))

    # ---- one control period and sensing -------------------------------------------------------
    def _period(self, v: float, w: float) -> bool:
        """Apply (v, w) for one control period and update dirt, track and metrics."""
        x0, y0, _ = self.world.pose()
        touched = self.world.apply(*self.rig.command(v, w))
        self.rig.moved(self.world.pose())
        x, y, _ = self.world.pose()
        self.periods += 1
        if touched:
            self.progress.collisions += 1
        self._after_period(x, y, float(np.hypot(x - x0, y - y0)))
        if self.on_period is not None:
            self.on_period(v, w)
        return touched

    def _after_period(self, x: float, y: float, moved: float) -> None:
        """Account the true motion to (x, y): the floor cleaned and the metrics are the truth's;
        the map marks where the robot believes it is."""
        self.dirt.clean_at(x, y)
        self.smap.mark_robot(*self.pose_estimate()[:2])
        self.progress.after_motion((x, y), moved)
        if moved > 0:
            self.trail.append((x, y))

    def _sense(self) -> None:
        """Render the camera and write what it sees into the semantic layer."""
        rgb, depth, seg = self.world.render_camera()
        cam = self.camera
        rgb, depth = self.rig.camera(rgb, depth, fx=cam.fx, near=cam.near, far=cam.far)
        weight = None
        if self.perception == "oracle":
            types, colors = self.world.oracle_labels(seg)
        else:
            types, colors, *rest = self.perception(rgb, depth)
            weight = rest[0] if rest else None
        self.smap.observe(types, colors, depth, self.pose_estimate(), weight)
        self._frame = (rgb, depth, seg)
        self.labels = (types, colors)
        if self.on_sense is not None:
            self.on_sense()

    # ---- driving from outside step() (the ROS sim node: a robot on /cmd_vel) -------------------
    def drive(self, v: float, w: float) -> bool:
        """Hold (v, w) for one control period; goal steps that now hold are passed (as after a
        period of the motor env). Returns True if the robot touched an obstacle."""
        touched = self._period(v, w)
        x, y, _ = self.world.pose()
        self.progress.after_decision((x, y), self.dirt.cleaned)
        return touched

    def sense(self) -> tuple[np.ndarray, np.ndarray]:
        """Render the camera (and update the env's own semantic layer): (rgb HxWx3 uint8,
        depth HxW float32 metres)."""
        self._sense()
        return self._frame[0], self._frame[1]

    def stop_here(self) -> bool:
        """The robot stopped: is the goal achieved where it is? (Like the stop action; the
        episode may go on: a later stop is judged again.)"""
        x, y, _ = self.world.pose()
        self.progress.resume()
        return self.progress.stop((x, y), self.dirt.cleaned)

    # ---- observation, info, render ------------------------------------------------------------
    def pose_estimate(self) -> tuple[float, float, float]:
        """The pose the robot believes it has: its odometry (the truth unless `realism` adds
        drift). What the policy, the map and the skills use; success uses the truth."""
        return self.rig.belief(self.world.pose())

    def _obs(self) -> dict[str, np.ndarray]:
        rgb, depth, _ = self._frame
        x, y, th = self.pose_estimate()
        return {
            "rgb": np.ascontiguousarray(rgb.transpose(2, 0, 1)),
            "depth": depth[None].copy(),  # already within [near, far]
            "map": self.smap.as_array(self.dirt.map_fraction(), (x, y, th)),
            "pose": np.array([min(max(x, 0.0), EXTENT), min(max(y, 0.0), EXTENT), math.cos(th),
                              math.sin(th)], dtype=np.float32),
            "instruction": self._tokens.copy(),
        }

    def _info(self) -> dict[str, Any]:
        pr = self.progress
        done = pr.stopped
        return {
            "instruction": self.instruction,
            "goal": _copy_goal(self.goal),
            "family": family_of(self.goal),
            "success": bool(pr.success),
            "is_success": bool(pr.success),
            "spl": pr.spl() if done else 0.0,
            "coverage": pr.coverage(self.dirt.cleaned),
            "collisions": int(pr.collisions),
            "steps": int(self.decisions),
            "periods": int(self.periods),
            "distance": float(pr.distance),
            "step_index": int(pr.index),
        }

    def metrics(self) -> dict[str, Any]:
        """The episode's metrics now (SPL included even if the robot has not stopped)."""
        info = self._info()
        info["spl"] = self.progress.spl()
        return info

    def targets(self):
        """Furniture the goal refers to (for pictures and the expert)."""
        out = []
        for g in goal_steps(self.goal):
            if g.get("object"):
                out.extend(self.home.find(g["object"], g.get("color"), g.get("room")))
        return out

    def camera_frame(self) -> np.ndarray:
        """The latest camera image, HxWx3 uint8."""
        return self._frame[0]

    def render(self):
        if self.render_mode != "rgb_array":
            return None
        return self.topdown()

    def topdown(self, attention: np.ndarray | None = None) -> np.ndarray:
        """A top-down picture: home, robot, trail, target, cleaned floor, semantic layer."""
        from sim.render import draw_topdown

        return draw_topdown(self.home, self.grid, self.world.pose(), self.dirt.cleaned,
                            self.smap.semantic(), self.smap.seen.reshape(MAP_SIZE, MAP_SIZE),
                            targets=self.targets(), trail=np.asarray(self.trail),
                            attention=attention)

    def close(self) -> None:
        self.world.close()

    # ---- helpers for skills and policies --------------------------------------------------
    def cell_center(self, cell: int) -> tuple[float, float]:
        return MAP.to_world(cell // MAP_SIZE, cell % MAP_SIZE)

    def landing(self, cell: int) -> tuple[float, float]:
        """Where navigating to a map cell ends: the reachable point nearest its centre."""
        r, c = self.grid.nearest_reachable(*self.cell_center(cell))
        return FINE.to_world(r, c)

    def region_at(self, cell: int) -> np.ndarray:
        """The floor a clean at `cell` covers: a raised object or rug there, else its room."""
        x, y = self.cell_center(cell)
        best, best_d = None, OBJECT_SNAP
        for f in self.home.furniture:
            if FURNITURE[f.type].kind not in (RAISED, FLAT):
                continue
            x0, y0, x1, y1 = f.footprint
            d = float(np.hypot(max(x0 - x, 0, x - x1), max(y0 - y, 0, y - y1)))
            if d <= best_d:
                best, best_d = f, d
        if best is not None:
            return self.grid.footprint_mask(best) & self.grid.floor
        room = self.home.room_at(x, y)
        if room is None:
            return np.zeros_like(self.grid.floor)
        return self.grid.room_mask(room) & self.grid.floor

    def skill_runner(self, skill: int, cell: int) -> NavigateSkill | CleanSkill:
        """The classical skill a (navigate | clean, cell) decision runs: it turns the robot's
        pose into (v, w) commands, one control period at a time."""
        frame = GridFrame(origin=(0.0, 0.0), res=FINE_RES, shape=FINE.shape)
        if skill == NAVIGATE:
            return NavigateSkill(frame, self.grid.reachable, self.landing(cell))
        if skill == CLEAN:
            return CleanSkill(frame, self.grid.reachable, self.region_at(cell),
                              radius=CLEAN_RADIUS)
        raise ValueError(f"skill {skill} runs no motion (navigate {NAVIGATE}, clean {CLEAN})")


def _copy_goal(goal: dict) -> dict:
    if goal["task"] == "sequence":
        return {"task": "sequence", "steps": [dict(g) for g in goal["steps"]]}
    return dict(goal)


def _hi(n: int | tuple[int, int]) -> int:
    return n if isinstance(n, int) else n[1]

