"""The robot backend: the exported policy, the robot's own map and the numpy skills, with camera
frames and poses in and velocity commands out. What the ROS agent node (coming) wraps; no torch,
no pybullet.

    grid = RobotGrid.from_occupancy(occupied, room_label, start_xy=(x, y))  # its SLAM map + rooms
    agent = RobotAgent("bundle/", grid)
    agent.start("vacuum under the red couch")
    every control period (0.1 s):
        agent.observe(rgb, depth, pose)       # when a camera frame arrived (HxWx3 uint8, HxW m)
        v, w = agent.control(pose)            # (x, y, theta) in the map frame -> Twist
        if agent.done: break                  # the policy chose stop (or ran out of decisions)

The map it builds is the env's `map` observation computed from what a robot has: its occupancy
grid and labelled rooms (static), its own track (cleaned, visited), and its camera's per-pixel
classes projected through depth (the semantic layer). A decision runs when no skill is active,
on the latest frame; the skills are `sim.skills`' NavigateSkill and CleanSkill, as in the env.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np

from agent.runtime.blocked import BlockedCells
from agent.runtime.bundle import Bundle, BundleError
from agent.runtime.policy import Decision, Percept, RuntimePolicy
from sim.camera import CameraSpec
from sim.catalog import (
    CLEAN_RADIUS,
    FLAT,
    FURNITURE,
    FURNITURE_TYPES,
    RAISED,
    ROBOT_RADIUS,
    ROOM_TYPES,
)
from sim.free_text import read_command
from sim.grid import (
    BLOCK,
    EXTENT,
    FINE,
    FINE_RES,
    MAP,
    MAP_SIZE,
    PLAN_MARGIN,
    GridLayers,
    HomeGrid,
    flood,
    largest_component,
)
from sim.semantic_map import MAP_CHANNELS, SEMANTIC_START, SemanticMap
from sim.skills import STOP, CleanSkill, GridFrame, NavigateSkill, dilate, disc_offsets

NAVIGATE, CLEAN = 1, 2
# Object types a clean at a cell covers the footprint of (driven under or over), as in the env.
SWEEPABLE = tuple(i for i, t in enumerate(FURNITURE_TYPES) if FURNITURE[t].kind in (RAISED, FLAT))
EVIDENCE = 0.5  # semantic evidence above which a map cell counts as showing an object


@dataclass
class RobotGrid(GridLayers):
    """The static grids a robot has, on the 5 cm grid of the map frame ([row, col] = [y, x])."""

    floor: np.ndarray
    """bool: floor (not wall, solid furniture, legs or outside)."""
    room_label: np.ndarray
    """int: 0 outside every room, else 1 + the index of its room type (sim.catalog.ROOM_TYPES)."""
    reachable: np.ndarray
    """bool: where the robot's centre can go (planning and landing points)."""

    @classmethod
    def from_home_grid(cls, grid: HomeGrid) -> RobotGrid:
        """The grids of a simulated home (for testing the robot path in simulation)."""
        return cls(grid.floor, grid.room_label, grid.reachable)

    @classmethod
    def from_occupancy(cls, occupied: np.ndarray, room_label: np.ndarray,
                       start_xy: tuple[float, float] | None = None,
                       margin: float = PLAN_MARGIN) -> RobotGrid:
        """From an occupancy grid (bool, True = obstacle or unknown) and room labels, both on the
        fine grid: the robot's centre may go where its disc (plus `margin`) clears every
        non-floor cell, within the part connected to `start_xy` (default: the largest part)."""
        occupied = np.asarray(occupied, dtype=bool)
        room_label = np.asarray(room_label)
        if occupied.shape != FINE.shape or room_label.shape != FINE.shape:
            raise ValueError(f"occupancy and room labels must be the fine grid {FINE.shape} "
                             f"({FINE_RES} m cells from the map origin), got {occupied.shape} "
                             f"and {room_label.shape}")
        floor = (room_label > 0) & ~occupied
        free = floor & ~dilate(~floor, (ROBOT_RADIUS + margin) / FINE_RES)
        if start_xy is None:
            reachable = largest_component(free)
        else:
            seed = np.zeros_like(free)
            seed[FINE.to_cell(*start_xy)] = True
            reachable = flood(free, seed)
        if not reachable.any():
            raise ValueError("the robot fits nowhere on this map (or not where it starts)")
        return cls(floor, room_label.astype(np.int8), reachable)


class RobotMap:
    """The `map` observation kept up to date from the robot's poses and camera frames."""

    def __init__(self, grid: RobotGrid, camera: CameraSpec,
                 type_given_room: np.ndarray | None = None):
        self.grid = grid
        self.semantic = SemanticMap(grid, camera, type_given_room)  # type: ignore[arg-type]
        self.cleaned = np.zeros(FINE.shape, dtype=bool)
        self._counts = np.zeros(MAP_SIZE * MAP_SIZE, dtype=np.float32)
        self._disc = disc_offsets(CLEAN_RADIUS / FINE_RES)

    def moved(self, x: float, y: float) -> None:
        """The robot is at (x, y): its disc cleaned the floor under it, its cell is visited."""
        self.semantic.mark_robot(x, y)
        r, c = FINE.to_cell(x, y)
        rr, cc = r + self._disc[:, 0], c + self._disc[:, 1]
        ok = (rr >= 0) & (rr < FINE.size) & (cc >= 0) & (cc < FINE.size)
        rr, cc = rr[ok], cc[ok]
        new = self.grid.floor[rr, cc] & ~self.cleaned[rr, cc]
        if new.any():
            rn, cn = rr[new], cc[new]
            self.cleaned[rn, cn] = True
            np.add.at(self._counts, (rn // BLOCK) * MAP_SIZE + cn // BLOCK, 1.0)

    def observe(self, types: np.ndarray, colors: np.ndarray, depth: np.ndarray,
                pose: tuple[float, float, float], type_weight: np.ndarray | None = None
                ) -> None:
        self.semantic.observe(types, colors, depth, pose, type_weight)

    def observation(self, pose: tuple[float, float, float]) -> np.ndarray:
        """[C, 48, 48] float32, the env's `map` observation."""
        fraction = (self._counts / BLOCK**2).reshape(MAP_SIZE, MAP_SIZE)
        return self.semantic.as_array(fraction, pose)

    def region_at(self, cell: int, obs: np.ndarray) -> np.ndarray:
        """The floor a clean at map `cell` covers: the object the camera saw at or next to the
        cell (its connected cells of raised or flat furniture evidence, a cell wider: the camera
        sees an object's near side, not its footprint), else the cell's room."""
        evidence = obs[[SEMANTIC_START + i for i in SWEEPABLE]].max(axis=0) > EVIDENCE
        r, c = divmod(int(cell), MAP_SIZE)
        near = np.zeros_like(evidence)
        near[max(r - 1, 0): r + 2, max(c - 1, 0): c + 2] = True
        floor = self.grid.floor
        if (evidence & near).any():
            blob = flood(evidence, evidence & near)
            fine = np.kron(dilate(blob, 1.0), np.ones((BLOCK, BLOCK), dtype=bool))
            return fine & floor
        x, y = MAP.to_world(r, c)
        label = self.grid.room_label[FINE.to_cell(x, y)]
        if label == 0:
            return np.zeros_like(floor)
        return (self.grid.room_label == label) & floor


@dataclass
class Step:
    """What the agent did at its last decision (for status messages and logs)."""

    decision: Decision
    target_xy: tuple[float, float]
    pose: tuple[float, float, float]
    skill_status: str = "running"
    history: list[str] = field(default_factory=list)


def robot_settings(bundle: Bundle) -> tuple[CameraSpec, np.ndarray | None, float]:
    """(camera, perception calibration, type confidence power) from a bundle's metadata, or a
    BundleError saying what does not fit this Roomby's map (the ROS node calls it at start, so
    a bad bundle is a configuration error, not a crash at the first command)."""
    meta = bundle.meta
    if list(meta["map"]["channels"]) != list(MAP_CHANNELS) or \
            int(meta["map"]["size"]) != MAP_SIZE:
        raise BundleError(f"{bundle.path}: the bundle's map (channels "
                          f"{meta['map']['channels']}) is not this roomby's map: export it "
                          "with the roomby version installed here")
    fields = {f for f in CameraSpec.__dataclass_fields__}
    try:
        camera = CameraSpec(**{k: v for k, v in meta["camera"].items() if k in fields})
        cal = meta["map"].get("type_given_room")
        type_given_room = None if cal is None else np.asarray(cal, np.float32)
        power = float(meta["map"].get("type_confidence_power") or 0.0)
    except (TypeError, ValueError) as e:
        raise BundleError(f"{bundle.path}: the camera or map calibration in its metadata "
                          f"cannot be read: {e}") from None
    want = (len(ROOM_TYPES) + 1, len(FURNITURE_TYPES), len(FURNITURE_TYPES))
    if type_given_room is not None and type_given_room.shape != want:
        raise BundleError(f"{bundle.path}: map.type_given_room must be [room + 1, true type, "
                          f"read type] {list(want)}, got {list(type_given_room.shape)}")
    if not (camera.far > camera.near > 0 and 0 < camera.hfov_deg < 180):
        raise BundleError(f"{bundle.path}: camera near {camera.near}, far {camera.far}, hfov "
                          f"{camera.hfov_deg}: expected 0 < near < far and 0 < hfov < 180")
    return camera, type_given_room, power


class RobotAgent:
    """Policy + map + skills for one robot (see the module doc for the loop)."""

    def __init__(self, bundle: Bundle | str | os.PathLike, grid: RobotGrid,
                 max_decisions: int = 48, threads: int = 1,
                 policy: RuntimePolicy | None = None):
        self.policy = policy or RuntimePolicy(bundle, threads=threads)
        self.camera, self.type_given_room, self.confidence_power = robot_settings(
            self.policy.bundle)
        self.grid = grid
        self.frame = GridFrame(origin=(0.0, 0.0), res=FINE_RES, shape=FINE.shape)
        self.max_decisions = max_decisions
        self.map = RobotMap(grid, self.camera, self.type_given_room)
        self.percept: Percept | None = None
        self.observation: np.ndarray | None = None  # the map the last decision read
        self.skill: NavigateSkill | CleanSkill | None = None
        self.last: Step | None = None
        self._blocked = BlockedCells()
        self.decisions = 0
        self.done = True

    @property
    def blocked(self) -> set[int]:
        """The cells masked out of the pointer for the rest of this command."""
        return self._blocked.cells

    def start(self, instruction: str):
        """A new command: fresh memory and map track; returns the runtime's Command (its goal
        reading and unknown words)."""
        cmd = self.policy.reset(read_command(instruction))  # as `roomby run` reads it
        self.map = RobotMap(self.grid, self.camera, self.type_given_room)
        self.skill, self.last, self.decisions, self.done = None, None, 0, False
        self.observation = None
        self._blocked.reset()
        return cmd

    def observe(self, rgb: np.ndarray, depth: np.ndarray, pose: tuple[float, float, float]
                ) -> Percept:
        """A camera frame (taken at `pose`): perception once, into the map and for decisions."""
        percept = self.policy.perceive(rgb, depth)
        types, colors = percept.classes()
        weight = percept.type_weight(self.confidence_power) if self.confidence_power > 0 \
            else None
        h, w = self.camera.height, self.camera.width
        self.map.observe(types, colors, np.asarray(depth, np.float32).reshape(h, w), pose,
                         weight)
        self.percept = percept
        return percept

    def control(self, pose: tuple[float, float, float]) -> tuple[float, float]:
        """The (v, w) to hold for the next control period; decides when no skill is active."""
        x, y, _ = pose
        self.map.moved(x, y)
        if self.done:
            return STOP
        for _ in range(4):  # a decision whose skill ends at once is followed by the next one
            if self.skill is None:
                if self.percept is None:
                    return STOP  # no camera frame yet: wait for one
                if not self._decide(pose):
                    return STOP
            cmd = self.skill.step(pose)
            if cmd is not None:
                return cmd
            self.last.skill_status = self.skill.status
            self.skill = None
        return STOP

    def _decide(self, pose: tuple[float, float, float]) -> bool:
        """Run one decision and start its skill; False when the episode is over."""
        if self.decisions >= self.max_decisions:
            self.done = True
            return False
        x, y, th = pose
        obs = self.map.observation(pose)
        self.observation = obs
        pose4 = np.array([min(max(x, 0.0), EXTENT), min(max(y, 0.0), EXTENT), math.cos(th),
                          math.sin(th)], dtype=np.float32)
        d = self.policy.decide(obs, pose4, self.percept, self._blocked.update(x, y))
        self._blocked.chose(d.skill, d.cell, x, y)
        self.decisions += 1
        history = (self.last.history if self.last else []) + [d.skill_name]
        if d.skill == NAVIGATE:
            target = FINE.to_world(*self.grid.nearest_reachable(*MAP.to_world(
                *divmod(d.cell, MAP_SIZE))))
            self.skill = NavigateSkill(self.frame, self.grid.reachable, target)
        elif d.skill == CLEAN:
            target = MAP.to_world(*divmod(d.cell, MAP_SIZE))
            region = self.map.region_at(d.cell, obs)
            self.skill = CleanSkill(self.frame, self.grid.reachable, region, radius=CLEAN_RADIUS)
        else:
            target = (x, y)
        self.last = Step(d, target, pose, "running" if self.skill else "stopped", history)
        self.done = self.skill is None
        return not self.done
