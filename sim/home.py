"""A home: rooms, doorways and furniture, with JSON round-trip and validation.

A home is plain data (no physics): the generator writes one, `sim.world` builds it in PyBullet,
and users describe their own flat in the same JSON. Coordinates are metres in the map frame
(x east, y north, origin at the map's lower-left corner); furniture is axis-aligned and turned in
steps of 90 degrees, which is enough for rooms of rectangular furniture and keeps footprints
exact.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from sim.catalog import (
    CLEAN_RADIUS,
    COLORS,
    DOOR_WIDTH,
    FURNITURE,
    RAISED,
    ROOM_TYPES,
    WALL_THICKNESS,
)
from sim.grid import FINE, FINE_RES, SLIVER_M2, HomeGrid, flood
from sim.skills.coverage import dilate

HOME_FORMAT_VERSION = 1
Rect = tuple[float, float, float, float]  # x0, y0, x1, y1


class HomeError(ValueError):
    """An invalid home: the message says what is wrong and where."""


@dataclass(frozen=True)
class Room:
    """A rectangular room; `name` is its type (one room of each type per home)."""

    name: str
    rect: Rect


@dataclass(frozen=True)
class Door:
    """A doorway in the wall between two rooms, centred at `center`, `width` metres wide.

    `axis` is the direction the wall runs in: "x" for a wall along x (rooms north/south of it).
    """

    rooms: tuple[str, str]
    center: tuple[float, float]
    width: float
    axis: str


@dataclass(frozen=True)
class Furniture:
    """One piece of furniture. `size` is (width, depth) of its footprint along the world axes
    after turning by `yaw` degrees (0, 90, 180 or 270: where its back faces)."""

    id: str
    type: str
    color: str
    room: str
    center: tuple[float, float]
    size: tuple[float, float]
    yaw: int = 0

    @property
    def footprint(self) -> Rect:
        cx, cy = self.center
        hw, hd = self.size[0] / 2, self.size[1] / 2
        return (cx - hw, cy - hd, cx + hw, cy + hd)

    @property
    def kind(self) -> str:
        return FURNITURE[self.type].kind

    def leg_rects(self) -> list[Rect]:
        """Footprints of the legs of a raised object (empty for others)."""
        spec = FURNITURE[self.type]
        if spec.kind != RAISED:
            return []
        x0, y0, x1, y1 = self.footprint
        s = spec.leg
        return [
            (x0, y0, x0 + s, y0 + s),
            (x1 - s, y0, x1, y0 + s),
            (x0, y1 - s, x0 + s, y1),
            (x1 - s, y1 - s, x1, y1),
        ]


@dataclass
class Home:
    """Rooms, doors and furniture of one home, plus the seed it was generated from (if any)."""

    rooms: list[Room]
    doors: list[Door]
    furniture: list[Furniture]
    seed: int | None = None
    version: int = HOME_FORMAT_VERSION
    meta: dict = field(default_factory=dict)

    def room(self, name: str) -> Room:
        for r in self.rooms:
            if r.name == name:
                return r
        raise KeyError(f"no room {name!r} in this home (rooms: {self.room_names})")

    @property
    def room_names(self) -> list[str]:
        return [r.name for r in self.rooms]

    def room_at(self, x: float, y: float) -> str | None:
        for r in self.rooms:
            x0, y0, x1, y1 = r.rect
            if x0 <= x < x1 and y0 <= y < y1:
                return r.name
        return None

    def find(self, type: str | None = None, color: str | None = None,
             room: str | None = None) -> list[Furniture]:
        """Furniture matching every attribute that is given."""
        return [
            f for f in self.furniture
            if (type is None or f.type == type)
            and (color is None or f.color == color)
            and (room is None or f.room == room)
        ]

    def bounds(self) -> Rect:
        xs = [v for r in self.rooms for v in (r.rect[0], r.rect[2])]
        ys = [v for r in self.rooms for v in (r.rect[1], r.rect[3])]
        return (min(xs), min(ys), max(xs), max(ys))

    # ---- JSON -------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "version": self.version,
            "seed": self.seed,
            "rooms": [{"name": r.name, "rect": list(r.rect)} for r in self.rooms],
            "doors": [
                {"rooms": list(d.rooms), "center": list(d.center), "width": d.width,
                 "axis": d.axis}
                for d in self.doors
            ],
            "furniture": [
                {**asdict(f), "center": list(f.center), "size": list(f.size)}
                for f in self.furniture
            ],
            "meta": self.meta,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json())

    @classmethod
    def from_dict(cls, d: dict, source: str = "home") -> Home:
        """Build a home from its dict form; structural errors name the field and `source`."""
        try:
            if d.get("version", HOME_FORMAT_VERSION) != HOME_FORMAT_VERSION:
                raise HomeError(f"{source}: unsupported home version {d.get('version')!r}")
            rooms = [Room(str(r["name"]), _rect(r["rect"])) for r in d["rooms"]]
            doors = [
                Door((str(x["rooms"][0]), str(x["rooms"][1])), _pair(x["center"]),
                     float(x["width"]), str(x["axis"]))
                for x in d.get("doors", [])
            ]
            furniture = [
                Furniture(str(f["id"]), str(f["type"]), str(f["color"]), str(f["room"]),
                          _pair(f["center"]), _pair(f["size"]), int(f.get("yaw", 0)))
                for f in d.get("furniture", [])
            ]
            meta = dict(d.get("meta", {}))
            seed = d.get("seed")
            if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
                raise HomeError(f"{source}: seed must be an integer or null, got {seed!r}")
        except HomeError as e:
            if str(e).startswith(source):
                raise
            raise HomeError(f"{source}: {e}") from None
        except (KeyError, TypeError, ValueError, IndexError) as e:
            raise HomeError(f"{source}: malformed home: {type(e).__name__}: {e}") from e
        return cls(rooms, doors, furniture, seed, HOME_FORMAT_VERSION, meta)

    @classmethod
    def from_json(cls, text: str, source: str = "home") -> Home:
        try:
            d = json.loads(text)
        except json.JSONDecodeError as e:
            raise HomeError(f"{source}: not valid JSON: {e}") from e
        except RecursionError:
            raise HomeError(f"{source}: not a home: JSON nested too deeply") from None
        if not isinstance(d, dict):
            raise HomeError(f"{source}: expected a JSON object, got {type(d).__name__}")
        return cls.from_dict(d, source)

    @classmethod
    def load(cls, path: str | Path, validate: bool = True) -> Home:
        """Load a home file; with `validate` (default) the home is checked as in `validate`."""
        path = Path(path)
        try:
            text = path.read_text()
        except OSError as e:
            raise HomeError(f"cannot read home file {path}: {e}") from e
        except UnicodeDecodeError:
            raise HomeError(f"{path}: not a home file (binary, not JSON text)") from None
        home = cls.from_json(text, str(path))
        if validate:
            validate_home(home, str(path))
        return home


def _pair(v: object) -> tuple[float, float]:
    a, b = v  # type: ignore[misc]
    return (float(a), float(b))


def _rect(v: object) -> Rect:
    x0, y0, x1, y1 = (float(t) for t in v)  # type: ignore[union-attr]
    if not (x1 > x0 and y1 > y0):
        raise HomeError(f"rect {v} has no area (need x1 > x0 and y1 > y0)")
    return (x0, y0, x1, y1)


def _overlap(a: Rect, b: Rect, tol: float = 1e-6) -> bool:
    return a[0] < b[2] - tol and b[0] < a[2] - tol and a[1] < b[3] - tol and b[1] < a[3] - tol


def validate_home(home: Home, source: str = "home") -> None:
    """Raise HomeError naming the problem and its place, or return None for a valid home.

    Checks: known room/furniture types and colours, unique names, furniture inside its room,
    no overlapping furniture or rooms, doorways at least 0.8 m wide on a shared wall, and that
    the robot can reach every place it fits and can cover the floor (see `sim.grid`).
    """
    names = home.room_names
    if not 1 <= len(names) <= len(ROOM_TYPES):
        raise HomeError(f"{source}: a home has 1 to {len(ROOM_TYPES)} rooms, got {len(names)}")
    for r in home.rooms:
        if r.name not in ROOM_TYPES:
            raise HomeError(f"{source}: unknown room type {r.name!r} (known: {list(ROOM_TYPES)})")
    if len(set(names)) != len(names):
        raise HomeError(f"{source}: room names repeat: {names}")
    for i, a in enumerate(home.rooms):
        for b in home.rooms[i + 1:]:
            if _overlap(a.rect, b.rect):
                raise HomeError(f"{source}: rooms {a.name} and {b.name} overlap")
    x0, y0, x1, y1 = home.bounds()
    if x0 < 0.1 or y0 < 0.1 or x1 > 11.9 or y1 > 11.9:
        raise HomeError(f"{source}: the home must lie within [0.1, 11.9] m on both axes "
                        f"(the map's extent); its bounds are {home.bounds()}")
    for d in home.doors:
        for rn in d.rooms:
            if rn not in names:
                raise HomeError(f"{source}: door at {d.center} names unknown room {rn!r}")
        if d.width < min(DOOR_WIDTH) - 0.05 - 1e-9 or d.width < 0.8:
            raise HomeError(f"{source}: door between {d.rooms[0]} and {d.rooms[1]} at "
                            f"{d.center} is {d.width:.2f} m wide; doorways need >= 0.8 m")
        if d.axis not in ("x", "y"):
            raise HomeError(f"{source}: door at {d.center} has axis {d.axis!r} (use 'x' or 'y')")
    ids = [f.id for f in home.furniture]
    if len(set(ids)) != len(ids):
        raise HomeError(f"{source}: furniture ids repeat: {sorted(ids)}")
    for f in home.furniture:
        where = f"{f.id} at ({f.center[0]:.2f}, {f.center[1]:.2f})"
        if f.type not in FURNITURE:
            raise HomeError(f"{source}: {where}: unknown furniture type {f.type!r} "
                            f"(known: {list(FURNITURE)})")
        if f.color not in COLORS:
            raise HomeError(f"{source}: {where}: unknown colour {f.color!r} "
                            f"(known: {list(COLORS)})")
        if f.yaw not in (0, 90, 180, 270):
            raise HomeError(f"{source}: {where}: yaw must be 0, 90, 180 or 270, got {f.yaw}")
        if f.room not in names:
            raise HomeError(f"{source}: {where}: room {f.room!r} is not in this home")
        # Walls are centred on room edges, so half their thickness lies inside each room.
        h = WALL_THICKNESS / 2 - 1e-6
        rx0, ry0, rx1, ry1 = home.room(f.room).rect
        fx0, fy0, fx1, fy1 = f.footprint
        if fx0 < rx0 + h or fy0 < ry0 + h or fx1 > rx1 - h or fy1 > ry1 - h:
            raise HomeError(f"{source}: {where}: footprint {f.footprint} is not inside "
                            f"room {f.room} {home.room(f.room).rect} (less its walls)")
    for i, a in enumerate(home.furniture):
        for b in home.furniture[i + 1:]:
            if _overlap(a.footprint, b.footprint):
                raise HomeError(f"{source}: furniture overlaps: {a.id} at {a.center} and "
                                f"{b.id} at {b.center}")
    check_reachability(home, source)


def check_reachability(home: Home, source: str = "home") -> HomeGrid:
    """Raise HomeError if the robot cannot reach every place it fits or cover the floor."""
    for d in home.doors:
        _check_door(home, d, source)
    g = HomeGrid(home)
    if not g.reachable.any():
        raise HomeError(f"{source}: the robot fits nowhere in this home")
    lost = g.free & ~g.reachable
    if lost.any():
        r, c = np.argwhere(lost)[0]
        x, y = FINE.to_world(int(r), int(c))
        raise HomeError(f"{source}: floor at ({x:.2f}, {y:.2f}) in {home.room_at(x, y)} fits the "
                        f"robot but cannot be reached (a blocked doorway or a closed-in corner)")
    for room in home.rooms:
        if not (g.reachable & g.room_mask(room.name)).any():
            raise HomeError(f"{source}: the robot cannot reach room {room.name} {room.rect}")
    uncovered = g.floor & ~g.coverable
    remaining = uncovered.copy()
    while remaining.any():
        seed = np.zeros_like(remaining)
        seed[tuple(np.argwhere(remaining)[0])] = True
        comp = flood(remaining, seed)
        remaining &= ~comp
        area = comp.sum() * FINE_RES**2
        if area > SLIVER_M2:
            r, c = np.argwhere(comp).mean(axis=0)
            x, y = FINE.to_world(int(r), int(c))
            raise HomeError(f"{source}: {area:.2f} m^2 of floor around ({x:.2f}, {y:.2f}) in "
                            f"{home.room_at(x, y)} cannot be reached by the robot's "
                            f"{2 * CLEAN_RADIUS:.2f} m cleaning disc "
                            f"(gaps must be 0 or wide enough)")
    for f in home.furniture:
        near = dilate(g.footprint_mask(f), 0.5 / FINE_RES) & g.reachable
        if not near.any():
            raise HomeError(f"{source}: the robot cannot get within 0.5 m of {f.id} at {f.center}")
    return g


def _check_door(home: Home, d, source: str) -> None:
    """A door must sit on the wall two rooms share, away from the corners."""
    k = 1 if d.axis == "x" else 0  # the coordinate fixed along the wall
    along = 0 if d.axis == "x" else 1
    rects = [home.room(n).rect for n in d.rooms]
    ok = True
    for rect in rects:
        edges = (rect[1], rect[3]) if d.axis == "x" else (rect[0], rect[2])
        lo, hi = (rect[0], rect[2]) if d.axis == "x" else (rect[1], rect[3])
        on_edge = any(abs(d.center[k] - e) < 1e-3 for e in edges)
        inside = lo + WALL_THICKNESS / 2 <= d.center[along] - d.width / 2 and \
            d.center[along] + d.width / 2 <= hi - WALL_THICKNESS / 2
        ok = ok and on_edge and inside
    if not ok:
        raise HomeError(f"{source}: door at {d.center} ({d.width:.2f} m) is not on a wall that "
                        f"{d.rooms[0]} and {d.rooms[1]} share")
