"""Room labels for a robot's map: named polygons in the map frame, as a robot vacuum's app keeps
them. The ROS agent node reads them from the file its `rooms_file` parameter names; the sim
node writes its home's rooms in the same format.

    # rooms.yaml (JSON is valid YAML too); metres in the map frame, any simple polygon
    frame: map
    rooms:
      - name: living_room            # one of sim.catalog.ROOM_TYPES ("living room" works too)
        polygon: [[0, 0], [4.5, 0], [4.5, 3.2], [0, 3.2]]

Numpy and PyYAML only (a robot has no torch and no pybullet).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from sim.catalog import ROOM_TYPES
from sim.grid import FINE, GridSpec


class RoomsError(ValueError):
    """A rooms file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class RoomLabel:
    name: str
    """A room type of sim.catalog.ROOM_TYPES."""
    polygon: tuple[tuple[float, float], ...]
    """Vertices (x, y) in metres in the map frame, in order (closing edge implied)."""

    @classmethod
    def rectangle(cls, name: str, rect: tuple[float, float, float, float]) -> RoomLabel:
        """An axis-aligned room (x0, y0, x1, y1), as the simulated homes have."""
        x0, y0, x1, y1 = rect
        return cls(name, ((x0, y0), (x1, y0), (x1, y1), (x0, y1)))


def parse_rooms(doc: object, source: str = "rooms") -> list[RoomLabel]:
    if not isinstance(doc, dict) or not isinstance(doc.get("rooms"), list):
        raise RoomsError(f"{source}: expected a mapping with a 'rooms' list")
    unknown = set(doc) - {"frame", "rooms"}
    if unknown:
        raise RoomsError(f"{source}: unknown key(s) {sorted(unknown)}; allowed: frame, rooms")
    if doc.get("frame", "map") != "map":
        raise RoomsError(f"{source}: frame {doc['frame']!r}: room polygons must be in the "
                         "'map' frame")
    out = []
    for i, entry in enumerate(doc["rooms"]):
        where = f"{source}: rooms[{i}]"
        if not isinstance(entry, dict) or set(entry) != {"name", "polygon"}:
            raise RoomsError(f"{where}: expected exactly the keys 'name' and 'polygon', got "
                             f"{entry!r}")
        name = str(entry["name"]).strip().lower().replace(" ", "_")
        if name not in ROOM_TYPES:
            raise RoomsError(f"{where}: room name {entry['name']!r} is not one of {ROOM_TYPES}")
        try:
            poly = np.asarray(entry["polygon"], dtype=float)
        except (TypeError, ValueError) as e:
            raise RoomsError(f"{where}: polygon is not a list of [x, y] pairs ({e})") from e
        if poly.ndim != 2 or poly.shape[1] != 2 or len(poly) < 3 or not np.isfinite(poly).all():
            raise RoomsError(f"{where}: polygon needs at least 3 finite [x, y] vertices, got "
                             f"{entry['polygon']!r}")
        out.append(RoomLabel(name, tuple((float(x), float(y)) for x, y in poly)))
    return out


def load_rooms(path: str | os.PathLike) -> list[RoomLabel]:
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text())
    except OSError as e:
        raise RoomsError(f"{path}: cannot read the rooms file ({e.strerror})") from e
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError, ValueError, TypeError,
            AttributeError) as e:  # the last three: tags or dates YAML cannot build
        raise RoomsError(f"{path}: not YAML/JSON, so not a rooms file ({e})") from None
    return parse_rooms(doc, str(path))


def rooms_doc(rooms: list[RoomLabel]) -> dict:
    """The rooms as the document `parse_rooms` reads (a file's content, or a message's JSON)."""
    return {"frame": "map", "rooms": [{"name": r.name, "polygon": [list(v) for v in r.polygon]}
                                      for r in rooms]}


def save_rooms(path: str | os.PathLike, rooms: list[RoomLabel]) -> None:
    """Write atomically (a node may be reading the previous file)."""
    path = Path(path)
    doc = rooms_doc(rooms)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(yaml.safe_dump(doc, default_flow_style=None, sort_keys=False))
    os.replace(tmp, path)


def label_grid(rooms: list[RoomLabel], spec: GridSpec = FINE) -> np.ndarray:
    """int8 [size, size]: 0 outside every room, else 1 + the room type's index; a cell belongs
    to a polygon when its centre is inside (even-odd rule); later rooms win overlaps."""
    xs, ys = spec.centers()
    px, py = np.meshgrid(xs, ys)
    out = np.zeros(spec.shape, dtype=np.int8)
    for room in rooms:
        inside = np.zeros(spec.shape, dtype=bool)
        verts = np.asarray(room.polygon)
        for (x0, y0), (x1, y1) in zip(verts, np.roll(verts, -1, axis=0), strict=True):
            if y0 == y1:
                continue  # a horizontal edge never crosses a horizontal ray
            # Half-open in y, so a ray through a vertex counts once; matches sim.grid.rect_mask
            # (x0 <= x < x1, y0 <= y < y1) for axis-aligned rectangles.
            crosses = (py >= min(y0, y1)) & (py < max(y0, y1))
            x_at = x0 + (py - y0) * (x1 - x0) / (y1 - y0)
            inside ^= crosses & (px < x_at)
        out[inside] = ROOM_TYPES.index(room.name) + 1
    return out
