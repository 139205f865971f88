"""Procedural homes: a grid of rectangular rooms joined by doorways, furnished per room type.

Deterministic under the generator passed in. Placement keeps every gap either zero (flush against
a wall) or wide enough for the robot, keeps doorways clear, and every home is validated
(`sim.home.check_reachability`) before it is returned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.catalog import (
    COLOR_NAMES,
    DOOR_WIDTH,
    FLAT,
    FURNITURE,
    ROBOT_RADIUS,
    ROOM_FURNITURE,
    ROOM_TYPES,
    WALL_THICKNESS,
)
from sim.grid import HomeGrid
from sim.home import Door, Furniture, Home, HomeError, Rect, Room, check_reachability

ORIGIN = 0.3
GAP = 2 * ROBOT_RADIUS + 0.08  # the smallest gap the generator leaves between things
DOOR_KEEPOUT = 0.8  # metres in front of a doorway kept free of furniture


@dataclass(frozen=True)
class ItemRequest:
    """A piece of furniture a home must contain (for custom goals)."""

    type: str
    color: str | None = None
    room: str | None = None
    required: bool = True


def _layout(rng: np.random.Generator, n: int) -> list[tuple[int, int, Rect]]:
    """Cells (row, col, rect) of a grid of `n` rooms."""
    if n == 1:
        shapes = [(1, 1)]
    elif n == 2:
        shapes = [(1, 2)]
    elif n == 3:
        shapes = [(1, 3), (2, 2)]
    elif n == 4:
        shapes = [(2, 2)]
    else:
        shapes = [(2, 3)]
    rows, cols = shapes[int(rng.integers(len(shapes)))]
    if n == 1:
        widths = [float(rng.uniform(3.6, 5.0))]
        heights = [float(rng.uniform(3.4, 4.6))]
    else:
        widths = [float(rng.uniform(3.0, 3.8)) for _ in range(cols)]
        heights = [float(rng.uniform(3.0, 4.2)) for _ in range(rows)]
    widths = [round(w, 2) for w in widths]
    heights = [round(h, 2) for h in heights]
    cells = []
    y = ORIGIN
    for r in range(rows):
        x = ORIGIN
        for c in range(cols):
            cells.append((r, c, (round(x, 3), round(y, 3), round(x + widths[c], 3),
                                 round(y + heights[r], 3))))
            x += widths[c]
        y += heights[r]
    drop = rows * cols - n
    if drop:
        corners = [i for i, (r, c, _) in enumerate(cells)
                   if r in (0, rows - 1) and c in (0, cols - 1)]
        cells.pop(corners[int(rng.integers(len(corners)))])
    return cells


def _shared_edge(a: Rect, b: Rect) -> tuple[str, float, float, float] | None:
    """(axis, coord, lo, hi) of the wall two rooms share, if any."""
    for axis, ca, cb, lo, hi in (
        ("x", a[3], b[1], max(a[0], b[0]), min(a[2], b[2])),
        ("x", a[1], b[3], max(a[0], b[0]), min(a[2], b[2])),
        ("y", a[2], b[0], max(a[1], b[1]), min(a[3], b[3])),
        ("y", a[0], b[2], max(a[1], b[1]), min(a[3], b[3])),
    ):
        if abs(ca - cb) < 1e-6 and hi - lo > 1.5:
            return axis, ca, lo, hi
    return None


def _doors(rng: np.random.Generator, rooms: list[Room]) -> list[Door]:
    edges = []
    for i in range(len(rooms)):
        for j in range(i + 1, len(rooms)):
            e = _shared_edge(rooms[i].rect, rooms[j].rect)
            if e is not None:
                edges.append((i, j, e))
    order = rng.permutation(len(edges))
    parent = list(range(len(rooms)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    doors = []
    for k in order:
        i, j, (axis, coord, lo, hi) = edges[int(k)]
        joins = find(i) != find(j)
        if not joins and rng.random() > 0.3:
            continue
        parent[find(i)] = find(j)
        width = round(float(rng.uniform(*DOOR_WIDTH)), 2)
        margin = WALL_THICKNESS / 2 + 0.35
        c = round(float(rng.uniform(lo + margin + width / 2, hi - margin - width / 2)), 3)
        center = (c, coord) if axis == "x" else (coord, c)
        doors.append(Door((rooms[i].name, rooms[j].name), center, width, axis))
    return doors


def _keepouts(doors: list[Door]) -> list[Rect]:
    out = []
    for d in doors:
        half = d.width / 2 + 0.15
        if d.axis == "x":
            out.append((d.center[0] - half, d.center[1] - DOOR_KEEPOUT,
                        d.center[0] + half, d.center[1] + DOOR_KEEPOUT))
        else:
            out.append((d.center[0] - DOOR_KEEPOUT, d.center[1] - half,
                        d.center[0] + DOOR_KEEPOUT, d.center[1] + half))
    return out


def _gap(a: Rect, b: Rect) -> float:
    dx = max(a[0] - b[2], b[0] - a[2], 0.0)
    dy = max(a[1] - b[3], b[1] - a[3], 0.0)
    return float(np.hypot(dx, dy)) if dx > 0 and dy > 0 else max(dx, dy)


def _overlaps(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _place(rng: np.random.Generator, type_: str, room: Room, placed: list[Furniture],
           keepouts: list[Rect]) -> tuple[tuple[float, float], tuple[float, float], int] | None:
    """Find (center, size, yaw) for one item in `room`, or None after some tries."""
    spec = FURNITURE[type_]
    h = WALL_THICKNESS / 2
    ix0, iy0, ix1, iy1 = room.rect[0] + h, room.rect[1] + h, room.rect[2] - h, room.rect[3] - h
    for _ in range(40):
        w = round(float(rng.uniform(*spec.width)), 2)
        d = round(float(rng.uniform(*spec.depth)), 2)
        if spec.against_wall:
            wall = int(rng.integers(4))  # 0 south, 1 east, 2 north, 3 west: where the back is
            yaw = (wall * 90 + 270) % 360
        else:
            yaw = int(rng.integers(4)) * 90
        sx, sy = (w, d) if yaw in (0, 180) else (d, w)
        if sx > ix1 - ix0 or sy > iy1 - iy0:
            continue
        cx = float(rng.uniform(ix0 + sx / 2, ix1 - sx / 2))
        cy = float(rng.uniform(iy0 + sy / 2, iy1 - sy / 2))
        if spec.against_wall:
            if wall == 0:
                cy = iy0 + sy / 2
            elif wall == 1:
                cx = ix1 - sx / 2
            elif wall == 2:
                cy = iy1 - sy / 2
            else:
                cx = ix0 + sx / 2
        # A gap to a wall is either zero or wide enough for the robot: no unreachable strips.
        if spec.kind != FLAT:
            if cx - sx / 2 - ix0 < GAP:
                cx = ix0 + sx / 2
            if ix1 - (cx + sx / 2) < GAP:
                cx = ix1 - sx / 2
            if cy - sy / 2 - iy0 < GAP:
                cy = iy0 + sy / 2
            if iy1 - (cy + sy / 2) < GAP:
                cy = iy1 - sy / 2
        cx, cy = round(cx, 3), round(cy, 3)
        fp = (cx - sx / 2, cy - sy / 2, cx + sx / 2, cy + sy / 2)
        if fp[0] < ix0 - 1e-6 or fp[2] > ix1 + 1e-6 or fp[1] < iy0 - 1e-6 or fp[3] > iy1 + 1e-6:
            continue
        if any(_overlaps(fp, k) for k in keepouts):
            continue
        bad = False
        for other in placed:
            if spec.kind == FLAT or other.kind == FLAT:
                bad = _overlaps(fp, other.footprint)
            else:
                bad = _gap(fp, other.footprint) < GAP
            if bad:
                break
        if bad:
            continue
        return (cx, cy), (sx, sy), yaw
    return None


def _add(rng: np.random.Generator, type_: str, color: str | None, room: Room,
         furniture: list[Furniture], keepouts: list[Rect], counts: dict[str, int]) -> bool:
    """Place one item (random colour unless given) in `room`; False if it did not fit."""
    spot = _place(rng, type_, room, furniture, keepouts)
    if spot is None:
        return False
    k = counts.get(type_, 0)
    counts[type_] = k + 1
    col = color if color is not None else COLOR_NAMES[int(rng.integers(len(COLOR_NAMES)))]
    furniture.append(Furniture(f"{type_}_{k}", type_, col, room.name, *spot))
    return True


def generate_home(
    rng: np.random.Generator,
    n_rooms: int | tuple[int, int] = (3, 6),
    required_rooms: tuple[str, ...] = (),
    required_items: tuple[ItemRequest, ...] = (),
    max_attempts: int = 30,
) -> Home:
    """A random valid home; `n_rooms` is a count or an inclusive range.

    `required_rooms` and `required_items` must be present (custom goals); optional requests
    (`required=False`) are placed when there is space. Raises HomeError if no valid home was found.
    """
    return generate_home_and_grid(rng, n_rooms, required_rooms, required_items, max_attempts)[0]


def generate_home_and_grid(
    rng: np.random.Generator,
    n_rooms: int | tuple[int, int] = (3, 6),
    required_rooms: tuple[str, ...] = (),
    required_items: tuple[ItemRequest, ...] = (),
    max_attempts: int = 30,
) -> tuple[Home, HomeGrid]:
    """`generate_home`, also returning the grids its validation computed."""
    for item in required_items:
        if item.room is not None and item.room not in required_rooms:
            required_rooms = (*required_rooms, item.room)
    last_error: Exception | None = None
    for _ in range(max_attempts):
        lo, hi = (n_rooms, n_rooms) if isinstance(n_rooms, int) else n_rooms
        n = int(rng.integers(max(lo, len(required_rooms)), max(hi, len(required_rooms)) + 1))
        others = [t for t in ROOM_TYPES if t not in required_rooms]
        names = list(required_rooms) + [others[i] for i in rng.permutation(len(others))]
        names = names[:n]
        cells = _layout(rng, n)
        perm = rng.permutation(n)
        rooms = [Room(names[int(perm[i])], cells[i][2]) for i in range(n)]
        doors = _doors(rng, rooms) if n > 1 else []
        keepouts = _keepouts(doors)
        furniture: list[Furniture] = []
        counts: dict[str, int] = {}

        ok = True
        for item in required_items:
            room_name = item.room
            if room_name is None:
                hosts = [r.name for r in rooms
                         if any(t == item.type for t, _, _ in ROOM_FURNITURE[r.name])]
                pool = hosts or [r.name for r in rooms]
                room_name = pool[int(rng.integers(len(pool)))]
            room = next(r for r in rooms if r.name == room_name)
            if not _add(rng, item.type, item.color, room, furniture, keepouts, counts) \
                    and item.required:
                ok = False
                break
        if not ok:
            last_error = HomeError("could not place the required furniture")
            continue
        for room in rooms:
            for type_, cmin, cmax in ROOM_FURNITURE[room.name]:
                for _ in range(int(rng.integers(cmin, cmax + 1))):
                    _add(rng, type_, None, room, furniture, keepouts, counts)
        home = Home(rooms, doors, furniture)
        try:
            grid = check_reachability(home, "generated home")
        except HomeError as e:
            last_error = e
            continue
        return home, grid
    raise HomeError(f"no valid home after {max_attempts} attempts: {last_error}")
